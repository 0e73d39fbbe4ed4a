#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Throw-away PostgreSQL, MariaDB and Redis servers for the test suite: plain processes in a
# temporary directory, listening on free loopback ports, with speed over durability.
#
#   out=$(scripts/servers.sh start) && eval "$out"   # prints `export VAR=...` lines
#   ctest ...
#   scripts/servers.sh stop                           # uses CRUCIBLE_SERVERS_DIR
#   scripts/servers.sh pin 1                          # the servers onto CPU 1 (make bench)
#
# Exports (only for the servers it started):
#   CRUCIBLE_TEST_POSTGRESQL_URL  postgresql://postgres@127.0.0.1:PORT/crucible_test
#   CRUCIBLE_TEST_MYSQL_URL       mysql://crucible:crucible@127.0.0.1:PORT/crucible_test
#   CRUCIBLE_TEST_REDIS_URL       redis://127.0.0.1:PORT/0
#   CRUCIBLE_SERVERS_DIR          the temporary directory (data, sockets, logs)
# A URL already set in the environment means "use my server": that server is not started.
# CRUCIBLE_TEST_SERVERS="postgresql mysql redis" (the default) chooses which to start; "none"
# starts none (tests that need a server then skip).
#
# Any server failing to start is an error: what was started is stopped again, the log is shown,
# and the exit status is 1. Timings go to stderr.
set -euo pipefail

# Server binaries live in sbin and in PostgreSQL's versioned directory.
PATH="$PATH:/usr/sbin:/sbin"

log() { echo "servers: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# A port nobody listens on. Below the kernel's ephemeral range (32768+) so that outgoing
# connections do not take it in the meantime; a start that still loses the race is retried.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# Running, and not a zombie: an orphaned server is reaped by PID 1, which on some machines
# (this one) takes a second or more after the process has exited.
alive() {
  local st
  st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

show_log() {  # show_log FILE: the end of a server log, for a failed start
  [ -f "$1" ] || return 0
  log "---- last lines of $1"
  tail -n 25 "$1" | sed 's/^/    /' >&2
}

# PostgreSQL refuses to run as root: as root, every PostgreSQL command runs as the `postgres`
# user the package creates, and every directory it writes to belongs to that user.
as_pg() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

start_postgresql() {
  local d="$STATE/postgresql" bin port t0
  t0=$(now)
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || { log "postgresql: initdb not found (apt-get install postgresql, or scripts/deps.sh test)"; return 1; }
  mkdir -p "$d/sock"
  if is_root; then
    getent passwd postgres >/dev/null || { log "postgresql: no 'postgres' user to run the server as"; return 1; }
    chown -R postgres: "$d"
  fi
  echo "$bin" >"$d/bin"
  if ! as_pg "$bin/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1; then
    log "postgresql: initdb failed"; show_log "$d/initdb.log"; return 1
  fi
  # fsync/synchronous_commit/full_page_writes off: a test server's data is thrown away anyway.
  local ok=
  for _ in 1 2 3; do
    port=$(free_port) || break
    if as_pg "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
         -o "-p $port -k $d/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
         start >>"$d/pg_ctl.log" 2>&1; then
      ok=1; break
    fi
  done
  [ -n "$ok" ] || { log "postgresql: server did not start"; show_log "$d/server.log"; show_log "$d/pg_ctl.log"; return 1; }
  echo "$port" >"$d/port"
  if ! as_pg "$bin/createdb" -h "$d/sock" -p "$port" -U postgres crucible_test >>"$d/pg_ctl.log" 2>&1; then
    log "postgresql: createdb crucible_test failed"; show_log "$d/pg_ctl.log"; return 1
  fi
  EXPORTS+=("CRUCIBLE_TEST_POSTGRESQL_URL=postgresql://postgres@127.0.0.1:$port/crucible_test")
  log "postgresql $(basename "$(dirname "$bin")") ready on 127.0.0.1:$port in $(since "$t0") s"
}

stop_postgresql() {
  local d="$STATE/postgresql" t0
  [ -f "$d/data/postmaster.pid" ] || return 0
  t0=$(now)
  as_pg "$(cat "$d/bin")/pg_ctl" -D "$d/data" -m fast -w -t 60 stop >>"$d/pg_ctl.log" 2>&1 \
    || { log "postgresql: pg_ctl stop failed"; show_log "$d/pg_ctl.log"; return 1; }
  log "postgresql stopped in $(since "$t0") s"
}

start_mysql() {
  local d="$STATE/mysql" port t0 pid client_user
  local -a install_opts=() server_opts=()
  t0=$(now)
  command -v mariadbd >/dev/null || { log "mysql: mariadbd not found (apt-get install mariadb-server, or scripts/deps.sh test)"; return 1; }
  mkdir -p "$d"
  # root@localhost authenticates through the socket for the OS user root only; as another user,
  # that user gets a socket-authenticated account of its own for the set-up below.
  if is_root; then
    client_user=root
    install_opts=(--user=root --auth-root-authentication-method=normal)
    server_opts=(--user=root)
  else
    client_user=$(id -un)
    install_opts=(--auth-root-authentication-method=socket "--auth-root-socket-user=$client_user")
  fi
  # --no-defaults must come first, or Debian's /etc/mysql files are read.
  if ! mariadb-install-db --no-defaults "${install_opts[@]}" --datadir="$d/data" --skip-test-db \
         >"$d/install.log" 2>&1; then
    log "mysql: mariadb-install-db failed"; show_log "$d/install.log"; return 1
  fi
  # utf8mb4 explicitly (--no-defaults falls back to latin1); durability off: a test server.
  local ok=
  for _ in 1 2 3; do
    port=$(free_port) || break
    mariadbd --no-defaults "${server_opts[@]}" --datadir="$d/data" --socket="$d/mysqld.sock" \
      --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$d/mysqld.pid" \
      --log-error="$d/server.log" --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_unicode_ci --innodb-flush-log-at-trx-commit=0 \
      --innodb-doublewrite=0 --max-connections=200 </dev/null >>"$d/server.log" 2>&1 &
    pid=$!
    echo "$pid" >"$d/pid"
    # mariadbd does not daemonise: poll until it answers or dies (a lost port race).
    for _ in $(seq 1 600); do
      if mariadb-admin --no-defaults --socket="$d/mysqld.sock" -u "$client_user" ping >/dev/null 2>&1; then
        ok=1; break
      fi
      alive "$pid" || break
      sleep 0.05
    done
    [ -n "$ok" ] && break
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$d/pid"
  done
  [ -n "$ok" ] || { log "mysql: server did not start"; show_log "$d/server.log"; return 1; }
  echo "$port" >"$d/port"
  # A password user for TCP clients; it may create and drop databases of its own.
  if ! mariadb --no-defaults --socket="$d/mysqld.sock" -u "$client_user" >>"$d/install.log" 2>&1 <<'SQL'
CREATE DATABASE crucible_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'crucible'@'%' IDENTIFIED BY 'crucible';
GRANT ALL PRIVILEGES ON *.* TO 'crucible'@'%' WITH GRANT OPTION;
SQL
  then
    log "mysql: creating user and database failed"; show_log "$d/install.log"; return 1
  fi
  EXPORTS+=("CRUCIBLE_TEST_MYSQL_URL=mysql://crucible:crucible@127.0.0.1:$port/crucible_test")
  log "mariadb $(mariadbd --version 2>/dev/null | awk '{print $3}' | cut -d- -f1) ready on 127.0.0.1:$port in $(since "$t0") s"
}

stop_pidfile() {  # stop_pidfile NAME PIDFILE [SIGNAL]: signal, wait up to 30 s, then SIGKILL
  local name="$1" pidfile="$2" sig="${3:-TERM}" pid t0
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  t0=$(now)
  kill "-$sig" "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
  for _ in $(seq 1 600); do
    alive "$pid" || break
    sleep 0.05
  done
  if alive "$pid"; then
    log "$name: did not stop within 30 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  [ "$name" = redis ] || log "$name stopped in $(since "$t0") s"
}

stop_mysql() { stop_pidfile mariadb "$STATE/mysql/pid"; }

start_redis() {
  local d="$STATE/redis" port t0
  t0=$(now)
  command -v redis-server >/dev/null || { log "redis: redis-server not found (apt-get install redis-server, or scripts/deps.sh test)"; return 1; }
  mkdir -p "$d"
  local ok=
  for _ in 1 2 3; do
    port=$(free_port) || break
    # No persistence (--save "" --appendonly no): a cache server for tests.
    if redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
         --pidfile "$d/redis.pid" --logfile "$d/server.log" --dir "$d" </dev/null >>"$d/server.log" 2>&1; then
      for _ in $(seq 1 200); do
        if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then ok=1; break; fi
        sleep 0.05
      done
    fi
    [ -n "$ok" ] && break
    stop_pidfile redis "$d/redis.pid" 2>/dev/null || true
  done
  [ -n "$ok" ] || { log "redis: server did not start"; show_log "$d/server.log"; return 1; }
  echo "$port" >"$d/port"
  EXPORTS+=("CRUCIBLE_TEST_REDIS_URL=redis://127.0.0.1:$port/0")
  log "redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') ready on 127.0.0.1:$port in $(since "$t0") s"
}

stop_redis() {
  # SHUTDOWN NOSAVE returns at once; SIGTERM waits for a server cron tick (about 1.4 s here).
  local t0
  t0=$(now)
  [ -f "$STATE/redis/port" ] && redis-cli -h 127.0.0.1 -p "$(cat "$STATE/redis/port")" shutdown nosave >/dev/null 2>&1 || true
  stop_pidfile redis "$STATE/redis/redis.pid"
  [ -f "$STATE/redis/port" ] && log "redis stopped in $(since "$t0") s"
  rm -f "$STATE/redis/port"
}

do_stop() {
  local t0 rc=0
  [ -n "${STATE:-}" ] && [ -d "$STATE" ] || return 0
  if [ ! -f "$STATE/.crucible-servers" ]; then
    log "stop: $STATE was not made by '$0 start'; leaving it alone"
    return 1
  fi
  t0=$(now)
  # In parallel: stopping costs the slowest server's time, not the sum.
  stop_redis & local p1=$!
  stop_mysql & local p2=$!
  stop_postgresql & local p3=$!
  wait $p1 || rc=1
  wait $p2 || rc=1
  wait $p3 || rc=1
  rm -rf "$STATE"
  log "all stopped in $(since "$t0") s"
  return $rc
}

cmd_start() {
  local wanted="${CRUCIBLE_TEST_SERVERS-postgresql mysql redis}" t0 name var
  t0=$(now)
  EXPORTS=()
  [ "$wanted" = none ] && wanted=""
  STATE=$(mktemp -d "${TMPDIR:-/tmp}/crucible-servers.XXXXXX")
  chmod 755 "$STATE"  # the postgres user must reach its own subdirectory
  touch "$STATE/.crucible-servers"  # `stop` deletes only a directory that carries this mark
  # Interrupted half-way: stop what is already running.
  trap 'log "interrupted"; do_stop || true; exit 130' INT TERM
  for name in $wanted; do
    case "$name" in
      postgresql) var=CRUCIBLE_TEST_POSTGRESQL_URL ;;
      mysql | mariadb) name=mysql; var=CRUCIBLE_TEST_MYSQL_URL ;;
      redis) var=CRUCIBLE_TEST_REDIS_URL ;;
      *) log "unknown server '$name' in CRUCIBLE_TEST_SERVERS (postgresql mysql redis none)"; do_stop; exit 1 ;;
    esac
    if [ -n "${!var:-}" ]; then
      log "$name: using $var from the environment (...@${!var#*@})"
      continue
    fi
    if ! "start_$name"; then
      log "ERROR: could not start $name; stopping the others"
      do_stop || true
      exit 1
    fi
  done
  {
    printf "export CRUCIBLE_SERVERS_DIR=%q\n" "$STATE"
    for kv in "${EXPORTS[@]}"; do printf "export %s=%q\n" "${kv%%=*}" "${kv#*=}"; done
  } | tee "$STATE/env"
  trap - INT TERM
  log "started in $(since "$t0") s (state in $STATE; stop with: CRUCIBLE_SERVERS_DIR=$STATE $0 stop)"
}

cmd_stop() {
  STATE="${1:-${CRUCIBLE_SERVERS_DIR:-}}"
  if [ -z "$STATE" ]; then log "stop: CRUCIBLE_SERVERS_DIR is not set; nothing to stop"; return 0; fi
  do_stop
}

# Every process and thread of the servers started in $CRUCIBLE_SERVERS_DIR onto CPUS (a taskset
# list); connections made later inherit it. For the benches: on a 2-core machine, a server
# backend sharing a core with its client, or not, as the scheduler happens to decide for a few
# seconds at a time, moved a round's time by 60%, on one side of a ratio and not the other.
children() {  # children PID: its child processes, from /proc (procps may not be installed)
  local stat line fields
  for stat in /proc/[0-9]*/stat; do
    line=$(cat "$stat" 2>/dev/null) || continue
    # "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses.
    read -r -a fields <<<"${line##*) }"
    [ "${fields[1]:-}" = "$1" ] && echo "${line%% *}"
  done
  return 0
}
cmd_pin() {
  local cpus="${1:?usage: $0 pin CPUS}" pid pids=()
  STATE="${CRUCIBLE_SERVERS_DIR:?pin: CRUCIBLE_SERVERS_DIR is not set}"
  if [ -f "$STATE/postgresql/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$STATE/postgresql/data/postmaster.pid")
    pids+=("$pid")
    mapfile -t -O "${#pids[@]}" pids < <(children "$pid")  # the postmaster's processes so far
  fi
  [ -f "$STATE/mysql/pid" ] && pids+=("$(cat "$STATE/mysql/pid")")
  [ -f "$STATE/redis/redis.pid" ] && pids+=("$(cat "$STATE/redis/redis.pid")")
  for pid in "${pids[@]}"; do
    taskset -a -p -c "$cpus" "$pid" >/dev/null || { log "pin: taskset failed for process $pid"; return 1; }
  done
  log "pinned ${#pids[@]} server processes to CPU $cpus"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  pin) shift; cmd_pin "$@" ;;
  *) echo "usage: $0 start | stop [DIR] | pin CPUS" >&2; exit 2 ;;
esac
