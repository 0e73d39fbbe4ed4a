# SPDX-License-Identifier: MIT
# Run by CTest (see CMakeLists.txt beside this file): install, build the consumer, run it.
cmake_minimum_required(VERSION 3.22)

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(step what)
  message(STATUS "install test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: '${what}' failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("cmake --install into ${prefix}" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")

# What was installed: headers only under include/crucible, nothing from src/.
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
list(FILTER installed INCLUDE REGEX "^include/")
list(FILTER installed EXCLUDE REGEX "^include/crucible/")
if(installed)
  message(FATAL_ERROR "install test: files outside include/crucible/: ${installed}")
endif()
file(GLOB_RECURSE config "${prefix}/*/crucibleConfig.cmake")
if(NOT config)
  message(FATAL_ERROR "install test: no crucibleConfig.cmake under ${prefix}")
endif()

# The consumer needs nothing the library does not use: with fmt hidden from find_package, the
# package config must still load (it once did find_dependency(fmt) for nothing).
set(configure_args -S "${CONSUMER_DIR}" -B "${consumer_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DEXPECTED_VERSION=${EXPECTED_VERSION}")
if(LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
if(SANITIZE)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer"
                             "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
endif()
step("configure the consumer" "${CMAKE_COMMAND}" ${configure_args})
step("build the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}")
step("run the consumer" "${consumer_build}/crucible_consumer")
message(STATUS "install test: consumer printed: ${step_output}")

# Without CMake: the same program compiled and linked with nothing but what pkg-config says,
# as docs/building.md shows (c++ -std=c++20 main.cpp $(pkg-config --cflags --libs crucible)).
file(GLOB_RECURSE pc_file "${prefix}/*/pkgconfig/crucible.pc")
if(NOT pc_file)
  message(FATAL_ERROR "install test: no pkgconfig/crucible.pc under ${prefix}")
endif()
find_program(PKG_CONFIG pkg-config REQUIRED)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
step("pkg-config --modversion crucible" "${PKG_CONFIG}" --modversion crucible)
string(STRIP "${step_output}" pc_version)
if(NOT pc_version STREQUAL EXPECTED_VERSION)
  message(FATAL_ERROR "install test: crucible.pc says version '${pc_version}', expected ${EXPECTED_VERSION}")
endif()
# Compiled and linked apart, so that the compile goes through the compiler cache.
step("pkg-config --cflags crucible" "${PKG_CONFIG}" --cflags crucible)
string(STRIP "${step_output}" pc_cflags)
step("pkg-config --libs crucible" "${PKG_CONFIG}" --libs crucible)
string(STRIP "${step_output}" pc_libs)
message(STATUS "install test: pkg-config gives: ${pc_cflags} | ${pc_libs}")
if("${pc_cflags} ${pc_libs}" MATCHES "fmt")
  message(FATAL_ERROR "install test: crucible.pc names fmt, which no library uses: ${pc_cflags} ${pc_libs}")
endif()
separate_arguments(pc_cflags UNIX_COMMAND "${pc_cflags}")
separate_arguments(pc_libs UNIX_COMMAND "${pc_libs}")
set(sanitize_flags)
if(SANITIZE)
  set(sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer)
endif()
set(object "${WORK_DIR}/crucible_consumer_pc.o")
set(program "${WORK_DIR}/crucible_consumer_pc")
set(compile "${CXX_COMPILER}" -std=c++20 ${sanitize_flags} ${pc_cflags} -c "${CONSUMER_DIR}/main.cpp" -o "${object}")
if(LAUNCHER)
  list(PREPEND compile "${LAUNCHER}")
endif()
step("compile the consumer with pkg-config's --cflags" ${compile})
step("link the consumer with pkg-config's --libs" "${CXX_COMPILER}" ${sanitize_flags} "${object}" -o "${program}" ${pc_libs})
step("run the pkg-config consumer" "${program}")
message(STATUS "install test: pkg-config consumer printed: ${step_output}")
