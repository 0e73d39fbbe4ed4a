# SPDX-License-Identifier: MIT
# crucible_layer(NAME [DEPS...]): a static library crucible_NAME (alias and exported name
# crucible::NAME) from src/NAME/**.cpp with the public include directory, warnings, and the
# layers it may use. Lower layers never see upper ones.
include(GNUInstallDirs)

# crucible_warnings(TARGET): our warning set, as errors when CRUCIBLE_WERROR (the default, as CI).
function(crucible_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wnull-dereference)
  if(CRUCIBLE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Kept for callers: sanitizers are now switched on for the whole build tree in CMakeLists.txt
# (CRUCIBLE_SANITIZE), so there is nothing left to do per target.
function(crucible_sanitize target)
endfunction()

# crucible_glob_sources(OUT DIR): the .cpp files under DIR, less those of backends not built.
function(crucible_glob_sources out dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${dir}/*.cpp")
  set(kept)
  foreach(source IN LISTS sources)
    # Match on the path below DIR, so that where the work tree lives does not matter.
    file(RELATIVE_PATH relative "${dir}" "${source}")
    set(keep ON)
    foreach(regex IN LISTS CRUCIBLE_DISABLED_SOURCE_REGEX)
      if("/${relative}" MATCHES "${regex}")
        set(keep OFF)
      endif()
    endforeach()
    if(keep)
      list(APPEND kept "${source}")
    endif()
  endforeach()
  set(${out} ${kept} PARENT_SCOPE)
endfunction()

function(crucible_layer name)
  crucible_glob_sources(sources "${PROJECT_SOURCE_DIR}/src/${name}")
  if(NOT sources)
    # A layer without sources yet still has to be a real library (others link it, and it is
    # exported): give it an empty translation unit.
    set(empty "${PROJECT_BINARY_DIR}/generated/crucible_${name}_empty.cpp")
    file(CONFIGURE OUTPUT "${empty}" CONTENT "// Layer ${name} has no sources yet.\n")
    set(sources "${empty}")
  endif()
  add_library(crucible_${name} STATIC ${sources})
  add_library(crucible::${name} ALIAS crucible_${name})
  set_target_properties(crucible_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                                    EXPORT_NAME ${name}
                                                    OUTPUT_NAME crucible_${name})
  target_include_directories(crucible_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(crucible_${name} PUBLIC cxx_std_20)
  # The layers are position-independent (a user may link them into a shared library), and with
  # -fPIC GCC assumes any global function may be replaced at load time: it would neither inline
  # nor call directly one of our functions from another in the same file. Nothing interposes
  # Crucible's symbols, so the calls stay direct and inlinable.
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(crucible_${name} PRIVATE -fno-semantic-interposition)
  endif()
  target_link_libraries(crucible_${name} PUBLIC ${ARGN})
  crucible_warnings(crucible_${name})
  set_property(GLOBAL APPEND PROPERTY CRUCIBLE_LAYERS crucible_${name})
endfunction()
