# SPDX-License-Identifier: MIT
# crucible_layer(NAME [DEPS...]): a static library from src/NAME/**.cpp with the public include
# directory, warnings, and the layers it may use. Lower layers never see upper ones.
function(crucible_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wnull-dereference)
  if(CRUCIBLE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(crucible_sanitize target)
  if(CRUCIBLE_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer
                                            -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

function(crucible_layer name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/${name}/*.cpp")
  add_library(crucible_${name} STATIC ${sources})
  add_library(crucible::${name} ALIAS crucible_${name})
  set_target_properties(crucible_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                                    EXPORT_NAME ${name})
  target_include_directories(crucible_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(crucible_${name} PUBLIC cxx_std_20)
  target_link_libraries(crucible_${name} PUBLIC ${ARGN})
  crucible_warnings(crucible_${name})
  crucible_sanitize(crucible_${name})
endfunction()
