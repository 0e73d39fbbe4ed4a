#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The ONE list of Debian packages Crucible needs, and the installer for it.
#
#   scripts/deps.sh demo     # what building the library, tests, benches and examples needs
#   scripts/deps.sh test     # the above + database servers and libraries of later layers
#   scripts/deps.sh bench    # same as demo
#   scripts/deps.sh --list test   # print the package names, install nothing
#
# Installs only what dpkg says is missing, runs `apt-get update` only then, non-interactively.
# Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

# --- the package list, by group (why each group is here) -------------------------------------
# Toolchain: compiler, CMake, Ninja (faster incremental builds than make), ccache (CI runs on a
# fresh clone each time; the compiler cache in ~/.cache/ccache makes the rebuild cheap),
# pkg-config (how CMake finds libmariadb).
PKG_TOOLCHAIN=(build-essential cmake ninja-build ccache pkg-config)
# Libraries the library itself builds against: SQLite is required; nlohmann-json for JSON values;
# CLI11 for the `crucible` tool; toml++ (revision files) and libsodium (their SHA-256
# checksums) for migrations; libpq and libmariadb for the optional PostgreSQL and
# MariaDB/MySQL backends (configure reports whether each was found).
PKG_LIBRARIES=(libsqlite3-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libsodium-dev libpq-dev libmariadb-dev)
# Test and benchmark frameworks: GoogleTest/GoogleMock (CTest runs them), Google Benchmark.
PKG_TEST_FRAMEWORKS=(libgtest-dev libgmock-dev libbenchmark-dev)
# The second compiler: `make test` also builds the library with clang (build-clang/), as users
# build with either.
PKG_CLANG=(clang)
# Servers the test command starts in temporary directories (scripts/servers.sh): the dialect
# suite runs on PostgreSQL 15 and MariaDB 10.11; the cache layer's Redis backend on Redis.
PKG_SERVERS=(postgresql mariadb-server redis-server)
# Libraries for later layers (the Redis cache backend); cheap, so `make test` installs them now
# and nobody's machine breaks when they start to be used.
PKG_LATER=(libhiredis-dev)

packages_for() {
  case "$1" in
    demo | bench | build) echo "${PKG_TOOLCHAIN[@]} ${PKG_LIBRARIES[@]} ${PKG_TEST_FRAMEWORKS[@]}" ;;
    test | all) echo "${PKG_TOOLCHAIN[@]} ${PKG_LIBRARIES[@]} ${PKG_TEST_FRAMEWORKS[@]} ${PKG_CLANG[@]} ${PKG_SERVERS[@]} ${PKG_LATER[@]}" ;;
    *) echo "deps.sh: unknown group '$1' (demo, test, bench, all)" >&2; return 2 ;;
  esac
}

# --- installer --------------------------------------------------------------------------------
if [ "${1:-}" = "--list" ]; then
  packages_for "${2:-all}" | tr ' ' '\n'
  exit 0
fi
group="${1:-all}"
read -r -a wanted <<<"$(packages_for "$group")"

missing=()
for pkg in "${wanted[@]}"; do
  # db:Status-Status is "installed" only for a fully installed package (not "config-files").
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#wanted[@]} packages for '$group' are installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  # No terminal (CI): never wait for a password prompt that nobody can answer.
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: not root and no sudo; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
start=$(date +%s)
log=$(mktemp "${TMPDIR:-/tmp}/crucible-apt.XXXXXX")
apt_env=(env DEBIAN_FRONTEND=noninteractive)
apt_opts=(-y -qq -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 --no-install-recommends)
if ! { "${as_root[@]}" "${apt_env[@]}" apt-get update -qq &&
       "${as_root[@]}" "${apt_env[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "deps: apt-get failed (full log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "deps: installed ${#missing[@]} packages in $(($(date +%s) - start)) s"
