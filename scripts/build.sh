#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What the Makefile's targets do, from a bare Debian 12 machine to a result:
#
#   scripts/build.sh demo [TARGET]  deps, configure build/, build TARGET (an example), run it
#   scripts/build.sh build          deps, configure and build everything in build/
#   scripts/build.sh test           build-asan/ (ASan+UBSan, everything built) + ctest, with
#                                   PostgreSQL, MariaDB and Redis up (scripts/servers.sh); and
#                                   build-clang/: the library and every public header on its own,
#                                   compiled with clang
#   scripts/build.sh check          build/ (RelWithDebInfo) + ctest: the same tests unsanitized,
#                                   quicker to run, for developers
#   scripts/build.sh bench          Release build in build-release/, runs every bench program
#
# Environment:
#   CRUCIBLE_SKIP_DEPS=1        do not check/install Debian packages (scripts/deps.sh)
#   CRUCIBLE_TEST_SERVERS=...   servers to start: "postgresql mysql redis" (default) or "none"
#   CRUCIBLE_TEST_POSTGRESQL_URL / _MYSQL_URL / _REDIS_URL   use your own server instead
#   CTEST_ARGS="-L core"        extra arguments for ctest (e.g. a label or -R regex)
#   CCACHE_DIR                  compiler cache (default ~/.cache/ccache, kept across clones)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc 2>/dev/null || echo 2)

# ---- helpers ----------------------------------------------------------------------------------
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
SUMMARY=()
record() { SUMMARY+=("$(printf '  %-34s %-5s %7s s  %s' "$1" "$2" "$3" "${4:-}")"); }
FAILED=0

# The compiler cache outlives the work tree (CI clones afresh each run): ~/.cache/ccache. The
# base dir makes paths relative, so a clone somewhere else hits the same entries.
setup_ccache() {
  if [ -z "${CCACHE_DIR:-}" ]; then
    if [ -n "${HOME:-}" ] && mkdir -p "$HOME/.cache/ccache" 2>/dev/null && [ -w "$HOME/.cache/ccache" ]; then
      CCACHE_DIR="$HOME/.cache/ccache"
    else
      CCACHE_DIR="$ROOT/.cache/ccache"
    fi
  fi
  export CCACHE_DIR
  export CCACHE_BASEDIR="$ROOT"
  export CCACHE_NOHASHDIR=true   # debug info paths are relative (-ffile-prefix-map)
  mkdir -p "$CCACHE_DIR"
  if command -v ccache >/dev/null; then ccache --zero-stats >/dev/null 2>&1 || true; fi
}

ccache_line() {
  command -v ccache >/dev/null || { echo "ccache not installed"; return; }
  ccache --print-stats 2>/dev/null | awk -v dir="$CCACHE_DIR" '
    $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hit += $2 }
    $1 == "cache_miss" { miss += $2 }
    END { printf "%d hits, %d misses (%s)", hit, miss, dir }'
}

deps() {
  [ "${CRUCIBLE_SKIP_DEPS:-0}" = 1 ] && { echo "deps: skipped (CRUCIBLE_SKIP_DEPS=1)"; return 0; }
  local t0
  t0=$(now)
  say "Debian packages ($1)"
  if bash "$ROOT/scripts/deps.sh" "$1"; then
    record "packages ($1)" ok "$(since "$t0")"
  else
    record "packages ($1)" FAIL "$(since "$t0")"
    finish 1
  fi
}

# configure DIR ARGS...: CMake with Ninja when there is one. A build directory made with another
# generator cannot be reused, so it is started afresh.
configure() {
  local dir="$1" generator="Unix Makefiles" old
  shift
  command -v ninja >/dev/null && generator=Ninja
  if [ -f "$dir/CMakeCache.txt" ]; then
    old=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$dir/CMakeCache.txt")
    [ "$old" = "$generator" ] || { echo "build: $dir was made with '$old'; starting it afresh"; rm -rf "$dir"; }
  fi
  cmake -S "$ROOT" -B "$dir" -G "$generator" "$@"
}

# build LABEL DIR [TARGET...]: configure has been done; record the time and the outcome.
build() {
  local label="$1" dir="$2" t0
  shift 2
  t0=$(now)
  local -a targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  if cmake --build "$dir" --parallel "$JOBS" "${targets[@]}"; then
    record "$label" ok "$(since "$t0")"
  else
    record "$label" FAIL "$(since "$t0")"
    return 1
  fi
}

configure_normal() {
  say "Configure build/ (RelWithDebInfo)"
  configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRUCIBLE_WERROR=ON -DCRUCIBLE_SANITIZE=OFF
}

# The one build `make test` compiles (CI has two cores: a second, unsanitized build of the same
# sources doubled its time and found nothing the sanitized one misses). -O1 keeps the run fast
# without hiding much from the sanitizers (-O0 runs slower); -g1 (line tables) is all a sanitizer
# report needs and compiles quicker than full debug info. Benches and examples are built too, so
# that -Werror covers every target.
configure_asan() {
  say "Configure build-asan/ (Debug -O1, ASan + UBSan)"
  configure build-asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" \
    -DCRUCIBLE_WERROR=ON -DCRUCIBLE_SANITIZE=ON -DCRUCIBLE_BUILD_BENCH=ON -DCRUCIBLE_BUILD_EXAMPLES=ON
}

# The second compiler (users build with GCC and clang): the library and the header check (each
# public header compiled on its own, cmake/CrucibleHeaderCheck.cmake) with clang and the same
# warnings as errors. No tests, benches or examples (they add nothing about the library's code
# and CI has two cores), no optimisation or debug info (clang's warnings do not depend on them):
# cheap with a warm cache. A failure fails the run, after the tests have run.
configure_clang() {
  say "Configure build-clang/ (clang: the library and the header check)"
  if ! command -v clang++ >/dev/null; then
    echo "ERROR: clang++ not found (scripts/deps.sh test installs clang)" >&2
    return 1
  fi
  configure build-clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g0" \
    -DCRUCIBLE_WERROR=ON -DCRUCIBLE_SANITIZE=OFF -DCRUCIBLE_BUILD_TESTS=OFF -DCRUCIBLE_BUILD_BENCH=OFF \
    -DCRUCIBLE_BUILD_EXAMPLES=OFF -DCRUCIBLE_BUILD_TOOLS=OFF -DCRUCIBLE_INSTALL=OFF
}
build_clang() {
  local t0
  t0=$(now)
  if configure_clang; then
    say "Build build-clang/ (clang)"
    build "build build-clang/ (clang, lib+headers)" build-clang all crucible_header_check || FAILED=1
  else
    record "build build-clang/ (clang, lib+headers)" FAIL "$(since "$t0")" "configure failed"
    FAILED=1
  fi
}

# Servers for the tests (and benches); stopped by the EXIT trap whatever happens.
SERVERS_UP=0
start_servers() {
  local t0 out
  t0=$(now)
  say "Test servers"
  if ! out=$(bash "$ROOT/scripts/servers.sh" start); then
    record "servers start" FAIL "$(since "$t0")" "see the messages above"
    echo "ERROR: a test server did not start (messages above). Install the packages with" >&2
    echo "       scripts/deps.sh test, point CRUCIBLE_TEST_*_URL at your own servers, or set" >&2
    echo "       CRUCIBLE_TEST_SERVERS=none to run without them (their tests then skip)." >&2
    finish 1
  fi
  eval "$out"
  SERVERS_UP=1
  record "servers start" ok "$(since "$t0")" "$(env | grep -c '^CRUCIBLE_TEST_.*_URL=') server URLs exported"
}
stop_servers() {
  [ "$SERVERS_UP" = 1 ] || return 0
  SERVERS_UP=0
  local t0
  t0=$(now)
  if bash "$ROOT/scripts/servers.sh" stop; then
    record "servers stop" ok "$(since "$t0")"
  else
    record "servers stop" FAIL "$(since "$t0")"
  fi
}
trap 'stop_servers' EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# run_ctest LABEL DIR: ctest in parallel; counts go to the summary.
TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0 CTEST_RUNS=0
run_ctest() {
  local label="$1" dir="$2" t0 rc=0 log total failed skipped passed
  t0=$(now)
  log="$dir/ctest.log"
  say "ctest $dir"
  # shellcheck disable=SC2086  # CTEST_ARGS is a word list on purpose
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600 --no-tests=error \
    ${CTEST_ARGS:-} 2>&1 | tee "$log" || rc=$?
  total=$(sed -n 's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\2/p' "$log" | tail -n 1)
  failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  skipped=$(grep -c '(Skipped)$' "$log" || true)
  if [ -z "$total" ]; then  # ctest died before its summary (no tests, a discovery failure)
    total=0 failed=1 skipped=0
    [ "$rc" -ne 0 ] || rc=1
  fi
  passed=$((total - failed - skipped))
  [ "$passed" -ge 0 ] || passed=0
  CTEST_RUNS=$((CTEST_RUNS + 1))
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
  if [ "$rc" -eq 0 ]; then
    record "$label" ok "$(since "$t0")" "$passed passed, $failed failed, $skipped skipped"
  else
    record "$label" FAIL "$(since "$t0")" "$passed passed, $failed failed, $skipped skipped (log: $log)"
    FAILED=1
  fi
}

START=$(now)
finish() {
  local rc="${1:-$FAILED}"
  stop_servers
  printf '\n======================== crucible %s: summary ========================\n' "$MODE"
  printf '%s\n' "${SUMMARY[@]}"
  printf '  %-34s %s\n' "ccache" "$(ccache_line)"
  printf '  %-34s       %7s s\n' "total" "$(since "$START")"
  if [ "$MODE" = test ] || [ "$MODE" = check ]; then
    [ "$rc" -eq 0 ] && echo "RESULT: OK" || echo "RESULT: FAILED"
    # The plain closing line CI reads: the ctest counts.
    [ "$CTEST_RUNS" -eq 0 ] || echo "summary: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
  else
    [ "$rc" -eq 0 ] && echo "RESULT: OK" || echo "RESULT: FAILED"
  fi
  exit "$rc"
}

# ---- the modes ------------------------------------------------------------------------------
MODE="${1:-}"
setup_ccache
case "$MODE" in
  demo)
    target="${2:-${DEMO_TARGET:-crucible_blog_app}}"
    deps demo
    configure_normal
    say "Build $target"
    build "build $target" build "$target" || {
      echo "ERROR: could not build '$target'. Examples live in examples/<name>/ (see examples/CMakeLists.txt);" >&2
      echo "       make DEMO_TARGET=<name> demo picks another program." >&2
      finish 1
    }
    program="${DEMO_PROGRAM:-$target}"
    exe=$ROOT/build/bin/$program
    [ -x "$exe" ] || exe=$(find "$ROOT/build" -type f -name "$program" -perm -u+x | head -n 1)
    [ -n "$exe" ] && [ -x "$exe" ] || { echo "ERROR: built '$target' but found no program '$program' under build/" >&2; finish 1; }
    # shellcheck disable=SC2086  # DEMO_ARGS is a word list on purpose
    say "Run $exe ${DEMO_ARGS:-}"
    t0=$(now)
    # In build/: the demo's database file (blog_dev.db) lands beside the build, not in the tree.
    if (cd "$ROOT/build" && "$exe" ${DEMO_ARGS:-}); then record "run $program" ok "$(since "$t0")"; else record "run $program" FAIL "$(since "$t0")"; finish 1; fi
    finish 0
    ;;

  build)
    deps demo
    configure_normal
    build "build build/ (RelWithDebInfo)" build || finish 1
    finish 0
    ;;

  test)
    deps test
    configure_asan
    say "Build build-asan/"
    build "build build-asan/ (ASan+UBSan)" build-asan || finish 1
    build_clang
    start_servers
    # Leaks are errors; any UB report stops the test with a stack trace.
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
    run_ctest "ctest build-asan/ (ASan+UBSan)" build-asan
    finish "$FAILED"
    ;;

  check)
    deps test
    configure_normal
    say "Build build/"
    build "build build/ (RelWithDebInfo)" build || finish 1
    start_servers
    run_ctest "ctest build/" build
    finish "$FAILED"
    ;;

  bench)
    deps test
    # Warnings are CI's business (-Werror there); a benchmark run should measure, not stop on
    # an optimiser-only warning. -O2: what users build with.
    say "Configure build-release/ (Release -O2)"
    configure build-release -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
      -DCRUCIBLE_WERROR=OFF -DCRUCIBLE_SANITIZE=OFF -DCRUCIBLE_BUILD_TESTS=OFF \
      -DCRUCIBLE_BUILD_EXAMPLES=OFF -DCRUCIBLE_BUILD_BENCH=ON
    say "Build build-release/"
    build "build build-release/ (Release)" build-release || finish 1
    mapfile -t benches < <(grep -v '^$' build-release/bench/benchmarks.txt 2>/dev/null || true)
    if [ ${#benches[@]} -eq 0 ]; then
      echo "No benchmarks yet: every bench/<name>.cpp becomes bench_<name>."
      finish 0
    fi
    # In-process programs (SQLite) run first, with no server up: an idle mariadbd's background
    # threads alone moved SQLite ratios by about 0.1 on a 2-core machine. A program that reads
    # CRUCIBLE_TEST_*_URL in its source needs the servers and runs after they start.
    in_process=() on_servers=()
    for b in "${benches[@]}"; do
      if grep -q 'CRUCIBLE_TEST_' "bench/${b#bench_}.cpp" 2>/dev/null; then on_servers+=("$b"); else in_process+=("$b"); fi
    done
    results=build-release/bench/results.txt
    : >"$results"
    # With the servers up and two CPUs or more, the servers get the last CPU and the programs the
    # others (servers.sh pin says why); both sides of every ratio then run on the same layout.
    client_cpus=()
    run_bench() {
      local b=$1 t0
      say "$b"
      t0=$(now)
      if (cd build-release/bench && "${client_cpus[@]}" "./$b") 2>&1 | tee "build-release/bench/$b.log"; then
        record "$b" ok "$(since "$t0")"
      else
        record "$b" FAIL "$(since "$t0")"
        FAILED=1
      fi
      grep '^BENCH' "build-release/bench/$b.log" >>"$results" || true
    }
    for b in "${in_process[@]}"; do run_bench "$b"; done
    if [ ${#on_servers[@]} -gt 0 ]; then
      start_servers
      cpus=$(nproc)
      if [ "$cpus" -ge 2 ] && bash "$ROOT/scripts/servers.sh" pin "$((cpus - 1))"; then
        client_cpus=(taskset -c "0-$((cpus - 2))")
      fi
      for b in "${on_servers[@]}"; do run_bench "$b"; done
    fi
    printf '\n==== BENCH lines (also in %s)\n' "$results"
    cat "$results"
    finish "$FAILED"
    ;;

  *)
    echo "usage: $0 demo [TARGET] | build | test | check | bench" >&2
    exit 2
    ;;
esac
