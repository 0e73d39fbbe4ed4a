# SPDX-License-Identifier: MIT
# Third-party dependencies, all from Debian packages (scripts/deps.sh installs them). SQLite is
# required; the server backends are optional components reported at configure time.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
# Migrations: revision files are TOML (toml++, libtomlplusplus-dev); an applied revision's
# checksum is SHA-256 (libsodium, libsodium-dev).
find_package(tomlplusplus 3 REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

# PostgreSQL: libpq (libpq-dev). FindPostgreSQL needs only the client library and header.
set(CRUCIBLE_HAVE_POSTGRESQL OFF)
if(CRUCIBLE_WITH_POSTGRESQL)
  find_package(PostgreSQL QUIET)
  if(PostgreSQL_FOUND)
    set(CRUCIBLE_HAVE_POSTGRESQL ON)
  endif()
endif()

# MySQL/MariaDB: MariaDB Connector/C (libmariadb-dev), through pkg-config.
set(CRUCIBLE_HAVE_MYSQL OFF)
if(CRUCIBLE_WITH_MYSQL AND PkgConfig_FOUND)
  pkg_check_modules(MARIADB QUIET IMPORTED_TARGET libmariadb)
  if(MARIADB_FOUND)
    set(CRUCIBLE_HAVE_MYSQL ON)
  endif()
endif()

# Sources of a backend that is not built are left out of the layer and of its tests
# (src/dialects/postgresql/, tests/dialects/postgresql/, ...): see crucible_layer().
set(CRUCIBLE_DISABLED_SOURCE_REGEX "")
if(NOT CRUCIBLE_HAVE_POSTGRESQL)
  list(APPEND CRUCIBLE_DISABLED_SOURCE_REGEX "/postgresql/")
endif()
if(NOT CRUCIBLE_HAVE_MYSQL)
  list(APPEND CRUCIBLE_DISABLED_SOURCE_REGEX "/mysql/")
endif()

# crucible_backend_libraries(TARGET): link the client libraries of the backends that are built,
# and say which are, as CRUCIBLE_HAVE_POSTGRESQL=0/1 and CRUCIBLE_HAVE_MYSQL=0/1 (PUBLIC: public
# headers and consumers may test them with #if).
function(crucible_backend_libraries target)
  if(CRUCIBLE_HAVE_POSTGRESQL)
    target_link_libraries(${target} PRIVATE PostgreSQL::PostgreSQL)
  endif()
  if(CRUCIBLE_HAVE_MYSQL)
    target_link_libraries(${target} PRIVATE PkgConfig::MARIADB)
  endif()
  set(have_pg 0)
  set(have_my 0)
  if(CRUCIBLE_HAVE_POSTGRESQL)
    set(have_pg 1)
  endif()
  if(CRUCIBLE_HAVE_MYSQL)
    set(have_my 1)
  endif()
  target_compile_definitions(${target} PUBLIC CRUCIBLE_HAVE_POSTGRESQL=${have_pg}
                                              CRUCIBLE_HAVE_MYSQL=${have_my})
endfunction()

function(crucible_yes_no var out)
  if(${var})
    set(${out} "yes" PARENT_SCOPE)
  else()
    set(${out} "no" PARENT_SCOPE)
  endif()
endfunction()

# The configure summary, printed last.
function(crucible_print_summary)
  crucible_yes_no(CRUCIBLE_HAVE_POSTGRESQL pg)
  crucible_yes_no(CRUCIBLE_HAVE_MYSQL my)
  if(CRUCIBLE_HAVE_POSTGRESQL)
    string(APPEND pg " (libpq ${PostgreSQL_VERSION_STRING})")
  elseif(NOT CRUCIBLE_WITH_POSTGRESQL)
    string(APPEND pg " (CRUCIBLE_WITH_POSTGRESQL=OFF)")
  else()
    string(APPEND pg " (libpq not found: apt-get install libpq-dev)")
  endif()
  if(CRUCIBLE_HAVE_MYSQL)
    string(APPEND my " (libmariadb ${MARIADB_VERSION})")
  elseif(NOT CRUCIBLE_WITH_MYSQL)
    string(APPEND my " (CRUCIBLE_WITH_MYSQL=OFF)")
  else()
    string(APPEND my " (libmariadb not found: apt-get install libmariadb-dev)")
  endif()
  set(launcher "${CMAKE_CXX_COMPILER_LAUNCHER}")
  if(NOT launcher)
    set(launcher "none")
  endif()
  message(STATUS "")
  message(STATUS "Crucible ${PROJECT_VERSION} configuration")
  message(STATUS "  build type        ${CMAKE_BUILD_TYPE} (${CMAKE_GENERATOR})")
  message(STATUS "  compiler          ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}, launcher: ${launcher}")
  message(STATUS "  warnings = errors ${CRUCIBLE_WERROR}")
  message(STATUS "  sanitizers        ${CRUCIBLE_SANITIZE}")
  message(STATUS "  backend sqlite    yes (SQLite ${SQLite3_VERSION})")
  message(STATUS "  backend postgresql ${pg}")
  message(STATUS "  backend mysql     ${my}")
  message(STATUS "  tests ${CRUCIBLE_BUILD_TESTS}, bench ${CRUCIBLE_BUILD_BENCH}, examples ${CRUCIBLE_BUILD_EXAMPLES}, install rules ${CRUCIBLE_INSTALL}")
  message(STATUS "")
endfunction()
