# SPDX-License-Identifier: MIT
# crucible_header_check: one translation unit per public header (include/crucible/**.hpp outside
# detail/ folders, whose files are parts of the public headers that include them), each
# including that header alone (twice: the include guard must hold), compiled with the library's
# warnings. A header that compiles only after its includer happened to include something else
# fails here, as it would in a user's file. Not part of `all`: `make test` builds it in
# build-clang/ (scripts/build.sh), `cmake --build BUILD --target crucible_header_check` anywhere.
file(GLOB_RECURSE crucible_headers RELATIVE "${PROJECT_SOURCE_DIR}/include" CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/include/crucible/*.hpp")
list(FILTER crucible_headers EXCLUDE REGEX "/detail/")
set(crucible_header_tus)
foreach(header IN LISTS crucible_headers)
  string(MAKE_C_IDENTIFIER "${header}" stem)
  set(tu "${PROJECT_BINARY_DIR}/header_check/${stem}.cpp")
  # file(CONFIGURE) rewrites only on change: reconfiguring does not recompile them.
  file(CONFIGURE OUTPUT "${tu}" CONTENT "#include <${header}>\n#include <${header}>\n")
  list(APPEND crucible_header_tus "${tu}")
endforeach()
add_library(crucible_header_check OBJECT EXCLUDE_FROM_ALL ${crucible_header_tus})
target_link_libraries(crucible_header_check PRIVATE crucible)
crucible_warnings(crucible_header_check)
