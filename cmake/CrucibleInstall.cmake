# SPDX-License-Identifier: MIT
# Installation and package config: `cmake --install BUILD --prefix P` gives P/include/crucible/**,
# the layer libraries, and P/lib/cmake/crucible/ so that a consumer writes
#
#   find_package(crucible 0.1 CONFIG REQUIRED)            # or ... COMPONENTS postgresql mysql
#   target_link_libraries(app PRIVATE crucible::crucible)
#
# Exported targets: crucible::crucible (everything) and one per layer (crucible::core,
# crucible::sql, ...). tests/install/ checks all of this on every test run.
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

# The config file re-finds what the exported targets name (SQLite3, nlohmann_json, fmt, and the
# backends' client libraries when they were built in).
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
