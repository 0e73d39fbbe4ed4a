#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The server-restart test (ctest: server_restart). The other tests share one PostgreSQL and one
# MariaDB server and run in parallel, so stopping those would fail them at random: this script
# starts private servers (scripts/servers.sh in a directory of its own), runs the *Restart*
# cases of the engine test binary against them, and lets those cases stop and start the servers
# through the `control` mode below. The private servers are stopped on exit, whatever happened.
#
#   run.sh run ENGINE_TEST_BINARY [gtest arguments...]
#   run.sh control stop|start postgresql|mysql      (what the tests call; needs CRUCIBLE_SERVERS_DIR)
#
# Exit status 77 (ctest: skipped) when neither server program is installed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PATH="$PATH:/usr/sbin:/sbin"

log() { echo "server_restart: $*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
# As scripts/servers.sh: PostgreSQL refuses to run as root.
as_pg() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
alive() {
  local st
  st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# ---- control: stop / start one private server -------------------------------------------------

pg_ctl_do() {  # pg_ctl_do stop|start
  local d="$CRUCIBLE_SERVERS_DIR/postgresql" options
  if [ "$1" = stop ]; then
    as_pg "$(cat "$d/bin")/pg_ctl" -D "$d/data" -m fast -w -t 60 stop >>"$d/pg_ctl.log" 2>&1
    return
  fi
  # The options of the first start, from postmaster.opts (which outlives a stop):
  #   /usr/lib/postgresql/15/bin/postgres "-D" "DIR" "-p" "PORT" "-k" "SOCKDIR" "-c" "..."
  options=$(sed -n 's/^[^ ]*postgres "-D" "[^"]*" //p' "$d/data/postmaster.opts" | tr -d '"')
  # -l: the server's output goes to its log, not to our stdout (a pipe ctest waits on).
  as_pg "$(cat "$d/bin")/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 -o "$options" \
    start >>"$d/pg_ctl.log" 2>&1 </dev/null
}

mysql_do() {  # mysql_do stop|start
  local d="$CRUCIBLE_SERVERS_DIR/mysql" pid user
  if [ "$1" = stop ]; then
    pid=$(cat "$d/pid")
    # The command line, to start the same server again (same port, socket and data).
    tr '\0' '\n' <"/proc/$pid/cmdline" >"$d/cmdline"
    kill -TERM "$pid"
    for _ in $(seq 1 600); do alive "$pid" || return 0; sleep 0.05; done
    log "mariadbd $pid did not stop"; return 1
  fi
  mapfile -t args <"$d/cmdline"
  "${args[@]}" </dev/null >>"$d/server.log" 2>&1 &
  pid=$!
  echo "$pid" >"$d/pid"  # scripts/servers.sh stop kills this one at the end
  if is_root; then user=root; else user=$(id -un); fi
  for _ in $(seq 1 600); do
    mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$user" ping >/dev/null 2>&1 && return 0
    alive "$pid" || break
    sleep 0.05
  done
  log "mariadbd did not come back"; tail -n 20 "$d/server.log" >&2; return 1
}

control() {
  local action="$1" server="$2"
  [ -n "${CRUCIBLE_SERVERS_DIR:-}" ] || { log "control: CRUCIBLE_SERVERS_DIR is not set"; exit 2; }
  case "$server" in
    postgresql) pg_ctl_do "$action" ;;
    mysql) mysql_do "$action" ;;
    *) log "control: unknown server '$server'"; exit 2 ;;
  esac
}

# ---- run: private servers, the tests, clean-up -------------------------------------------------

run() {
  local binary="$1" wanted="" rc=0 out
  shift
  [ -x "$binary" ] || { log "no test binary '$binary'"; exit 2; }
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && wanted="postgresql"
  command -v mariadbd >/dev/null && wanted="$wanted mysql"
  [ -n "$wanted" ] || { log "neither PostgreSQL nor MariaDB is installed: skipped"; exit 77; }

  # Servers of our own: URLs from the environment would mean "use that server", so drop them.
  unset CRUCIBLE_TEST_POSTGRESQL_URL CRUCIBLE_TEST_MYSQL_URL CRUCIBLE_SERVERS_DIR
  out=$(CRUCIBLE_TEST_SERVERS="$wanted" bash "$ROOT/scripts/servers.sh" start) || { log "private servers did not start"; exit 1; }
  eval "$out"
  trap 'bash "$ROOT/scripts/servers.sh" stop || true' EXIT
  export CRUCIBLE_TEST_RESTART_COMMAND="bash $HERE/run.sh control"
  "$binary" --gtest_filter='*Restart*' "$@" || rc=$?
  exit "$rc"
}

case "${1:-}" in
  run) shift; run "$@" ;;
  control) shift; control "$@" ;;
  *) echo "usage: $0 run ENGINE_TEST_BINARY [gtest args] | control stop|start postgresql|mysql" >&2; exit 2 ;;
esac
