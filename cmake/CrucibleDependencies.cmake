# SPDX-License-Identifier: MIT
# Third-party dependencies, all from Debian packages. SQLite is required; the server backends are
# optional components reported at configure time.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(PkgConfig)

find_package(PostgreSQL QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MARIADB QUIET IMPORTED_TARGET libmariadb)
endif()
set(CRUCIBLE_HAVE_POSTGRESQL ${PostgreSQL_FOUND})
set(CRUCIBLE_HAVE_MYSQL ${MARIADB_FOUND})
message(STATUS "crucible backend sqlite: yes (SQLite ${SQLite3_VERSION})")
message(STATUS "crucible backend postgresql: ${CRUCIBLE_HAVE_POSTGRESQL}")
message(STATUS "crucible backend mysql/mariadb: ${CRUCIBLE_HAVE_MYSQL}")
