# SPDX-License-Identifier: MIT
# Installation and package config: `cmake --install BUILD --prefix P` gives P/include/crucible/**,
# the layer libraries, and P/lib/cmake/crucible/ so that a consumer writes
#
#   find_package(crucible 0.1 CONFIG REQUIRED)            # or ... COMPONENTS postgresql mysql
#   target_link_libraries(app PRIVATE crucible::crucible)
#
# Exported targets: crucible::crucible (everything) and one per layer (crucible::core,
# crucible::sql, ...). Without CMake: P/lib/pkgconfig/crucible.pc (pkg-config --cflags --libs
# crucible). tests/install/ checks both on every test run.
include(CMakePackageConfigHelpers)

set(CRUCIBLE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/crucible"
    CACHE STRING "Where crucibleConfig.cmake is installed, relative to the prefix")

# Public headers: the whole include/crucible tree (its detail/ folders are included by public
# headers, so they ship too). Nothing from src/ is ever installed.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/crucible"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        COMPONENT crucible_development
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.ipp")

get_property(crucible_layer_targets GLOBAL PROPERTY CRUCIBLE_LAYERS)
install(TARGETS ${crucible_layer_targets} crucible
        EXPORT crucibleTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT crucible_development
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT crucible_runtime
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT crucible_runtime
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT crucibleTargets
        NAMESPACE crucible::
        DESTINATION "${CRUCIBLE_INSTALL_CMAKEDIR}"
        COMPONENT crucible_development)

# The config file re-finds what the exported targets name (SQLite3, nlohmann_json, and the
# backends' client libraries when they were built in), nothing else.
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/crucibleConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/cmake/crucibleConfig.cmake"
  INSTALL_DESTINATION "${CRUCIBLE_INSTALL_CMAKEDIR}")
# 0.x: minor versions may break the API, so only the same minor version is compatible.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/cmake/crucibleConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/cmake/crucibleConfig.cmake"
              "${PROJECT_BINARY_DIR}/cmake/crucibleConfigVersion.cmake"
        DESTINATION "${CRUCIBLE_INSTALL_CMAKEDIR}"
        COMPONENT crucible_development)

# crucible.pc: the same for builds without CMake. The layer archives are static, so the client
# libraries they call belong on every link line, not only a static one: each is in Requires
# when it has a pkg-config module (its Libs then follow ours; a fully static link, pkg-config
# --static, adds its private dependencies), else in Libs by its file (-L, -l). Nothing is
# linked for a static link only, so there is no Libs.private or Requires.private.
# crucible_pc_dependency(MODULE LIBRARY): MODULE into CRUCIBLE_PC_REQUIRES, or LIBRARY's -L and
# -l into CRUCIBLE_PC_DEPENDENCY_LIBS.
find_package(PkgConfig QUIET)
set(CRUCIBLE_PC_REQUIRES "")
set(CRUCIBLE_PC_DEPENDENCY_LIBS "")
function(crucible_pc_dependency module library)
  if(PkgConfig_FOUND)
    pkg_check_modules(CRUCIBLE_PC_${module} QUIET ${module})
  endif()
  if(CRUCIBLE_PC_${module}_FOUND)
    set(CRUCIBLE_PC_REQUIRES "${CRUCIBLE_PC_REQUIRES} ${module}" PARENT_SCOPE)
    return()
  endif()
  get_filename_component(dir "${library}" DIRECTORY)
  get_filename_component(name "${library}" NAME_WE)
  string(REGEX REPLACE "^lib" "" name "${name}")
  set(flags "")
  if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)  # the linker searches those anyway
    string(APPEND flags " -L${dir}")
  endif()
  set(CRUCIBLE_PC_DEPENDENCY_LIBS "${CRUCIBLE_PC_DEPENDENCY_LIBS}${flags} -l${name}" PARENT_SCOPE)
endfunction()

# Top layer first: a static archive must come before the archives it uses.
get_property(crucible_pc_layers GLOBAL PROPERTY CRUCIBLE_LAYERS)
list(REVERSE crucible_pc_layers)
set(CRUCIBLE_PC_LIBS "")
foreach(layer IN LISTS crucible_pc_layers)
  get_target_property(output ${layer} OUTPUT_NAME)
  string(APPEND CRUCIBLE_PC_LIBS " -l${output}")
endforeach()
set(CRUCIBLE_PC_BACKENDS "")
set(CRUCIBLE_PC_CFLAGS "-DCRUCIBLE_HAVE_POSTGRESQL=0 -DCRUCIBLE_HAVE_MYSQL=0")
if(CRUCIBLE_HAVE_POSTGRESQL)
  crucible_pc_dependency(libpq "${PostgreSQL_LIBRARY}")
  string(APPEND CRUCIBLE_PC_BACKENDS ", PostgreSQL")
  string(REPLACE "POSTGRESQL=0" "POSTGRESQL=1" CRUCIBLE_PC_CFLAGS "${CRUCIBLE_PC_CFLAGS}")
endif()
if(CRUCIBLE_HAVE_MYSQL)
  crucible_pc_dependency(libmariadb "${MARIADB_LINK_LIBRARIES}")
  string(APPEND CRUCIBLE_PC_BACKENDS ", MariaDB/MySQL")
  string(REPLACE "MYSQL=0" "MYSQL=1" CRUCIBLE_PC_CFLAGS "${CRUCIBLE_PC_CFLAGS}")
endif()
crucible_pc_dependency(sqlite3 "${SQLite3_LIBRARY}")
crucible_pc_dependency(tomlplusplus "tomlplusplus")
crucible_pc_dependency(libsodium "sodium")
string(APPEND CRUCIBLE_PC_LIBS "${CRUCIBLE_PC_DEPENDENCY_LIBS}")
# nlohmann_json: public headers include it (crucible::Json); header-only, so Cflags only.
if(PkgConfig_FOUND)
  pkg_check_modules(CRUCIBLE_PC_nlohmann_json QUIET nlohmann_json)
endif()
if(CRUCIBLE_PC_nlohmann_json_FOUND)
  string(PREPEND CRUCIBLE_PC_REQUIRES "nlohmann_json")
else()
  get_target_property(json_includes nlohmann_json::nlohmann_json INTERFACE_INCLUDE_DIRECTORIES)
  foreach(dir IN LISTS json_includes)
    string(APPEND CRUCIBLE_PC_CFLAGS " -I${dir}")
  endforeach()
endif()
# Paths relative to the .pc file's own directory (${pcfiledir}), so that
# `cmake --install build --prefix P` gives a file that is right wherever P is.
set(crucible_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(CRUCIBLE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH up "/prefix/${crucible_pc_dir}" "/prefix")
  string(REGEX REPLACE "/+$" "" up "${up}")
  set(CRUCIBLE_PC_PREFIX "\${pcfiledir}/${up}")
endif()
set(CRUCIBLE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
if(NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(CRUCIBLE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
set(CRUCIBLE_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
if(NOT IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(CRUCIBLE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
string(STRIP "${CRUCIBLE_PC_LIBS}" CRUCIBLE_PC_LIBS)
string(STRIP "${CRUCIBLE_PC_REQUIRES}" CRUCIBLE_PC_REQUIRES)
configure_file("${CMAKE_CURRENT_LIST_DIR}/crucible.pc.in" "${PROJECT_BINARY_DIR}/crucible.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/crucible.pc"
        DESTINATION "${crucible_pc_dir}"
        COMPONENT crucible_development)
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/crucible"
        COMPONENT crucible_development)
