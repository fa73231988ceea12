#!/usr/bin/env bash
# Local PostgreSQL / TimescaleDB servers for `make test` and `make demo`.
#
#   scripts/testservers.sh install   # once per machine: debootstrap a Debian trixie root with PG 17 + TimescaleDB
#   scripts/testservers.sh start     # idempotent: init (first time) and start every server
#   scripts/testservers.sh stop      # stop every server this script started
#   scripts/testservers.sh stop-one NAME [MODE]  # stop one server (fault tests: MODE immediate = a crash)
#   scripts/testservers.sh reset     # stop and delete the data directories
#   scripts/testservers.sh status    # one line per server
#   scripts/testservers.sh env       # shell exports describing the servers (ports, password, client bin dir)
#
# Servers (all on 127.0.0.1, password auth over TCP, superuser "postgres"):
#   pg15         PostgreSQL 15 from the host's packages           port $TSM_PG15_PORT (55415)
#   tsdb_source  PostgreSQL 17 + TimescaleDB 2.19 (trixie chroot) port $TSM_TSDB_SOURCE_PORT (55417)
#   tsdb_target  PostgreSQL 17 + TimescaleDB 2.19 (trixie chroot) port $TSM_TSDB_TARGET_PORT (55418)
# The expensive trixie root is cached outside the clone in $TSM_CACHE_DIR (default /var/cache/timescale-migration).
# A second set of servers beside the first: other ports, TSM_STATE_DIR and TSM_CHROOT_STATE (a path inside the root).
set -euo pipefail

CACHE_DIR=${TSM_CACHE_DIR:-/var/cache/timescale-migration}
ROOT="$CACHE_DIR/trixie"
CLIENT_BIN="$CACHE_DIR/pg17-bin"
STATE_DIR=${TSM_STATE_DIR:-$CACHE_DIR/state}
CHROOT_STATE=${TSM_CHROOT_STATE:-/var/lib/tsm}
PASSWORD=${TSM_TEST_PASSWORD:-tsm-Test:pw\\42}
PG15_PORT=${TSM_PG15_PORT:-55415}
TSDB_SOURCE_PORT=${TSM_TSDB_SOURCE_PORT:-55417}
TSDB_TARGET_PORT=${TSM_TSDB_TARGET_PORT:-55418}
HOST_BIN=/usr/lib/postgresql/15/bin
SERVER_OPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c dynamic_shared_memory_type=mmap -c max_locks_per_transaction=256 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
TSDB_OPTS="-c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off -c timescaledb.max_background_workers=64 -c max_worker_processes=80"

log() { printf '[testservers] %s\n' "$*" >&2; }

as_postgres() {
  # initdb and pg_ctl refuse to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_host_packages() {
  local missing=()
  [ -x "$HOST_BIN/pg_ctl" ] || missing+=(postgresql-15 postgresql-client-15)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ -x /usr/bin/redis-server ] || missing+=(redis-server)  # the Celery broker of `make airflow-celery` and tests/live
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing host packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_trixie_root() {
  if [ -x "$ROOT/usr/lib/postgresql/17/bin/postgres" ] && [ -f "$ROOT/usr/share/postgresql/17/extension/timescaledb.control" ]; then
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  local partial="$ROOT.partial"
  rm -rf "$partial"
  log "debootstrap trixie with postgresql-17 + timescaledb into $ROOT (about a minute, ~700 MB)"
  debootstrap --variant=minbase --include=postgresql-17,postgresql-17-timescaledb,postgresql-client-17 \
    trixie "$partial" http://deb.debian.org/debian >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE_DIR/debootstrap.log" >&2; exit 1; }
  mv "$partial" "$ROOT"
}

install_client_wrappers() {
  # Trixie's client tools run on the host through trixie's own loader; --argv0 keeps pg_dumpall finding pg_dump.
  mkdir -p "$CLIENT_BIN"
  local tool
  for tool in pg_dump pg_dumpall pg_restore psql vacuumdb pg_isready; do
    local tmp="$CLIENT_BIN/.$tool.$$"  # per process: two starts at once must not share a temp file
    cat >"$tmp" <<EOF
#!/bin/sh
exec "$ROOT/lib64/ld-linux-x86-64.so.2" --library-path "$ROOT/usr/lib/x86_64-linux-gnu" --argv0 "\$0" "$ROOT/usr/lib/postgresql/17/bin/$tool" "\$@"
EOF
    chmod 755 "$tmp"
    mv "$tmp" "$CLIENT_BIN/$tool"
  done
}

cmd_install() {
  install_host_packages
  install_trixie_root
  install_client_wrappers
}

chroot_ids() {
  # numeric uid:gid of the postgres user inside the trixie root
  awk -F: '$1 == "postgres" { print $3 ":" $4 }' "$ROOT/etc/passwd"
}

pwfile_in() {
  # write the superuser password to a private file beside data dir $1; prints its path
  local f="$1.pwfile"
  (umask 077; printf '%s\n' "$PASSWORD" >"$f")
  echo "$f"
}

wait_ready() {
  # a server can be "running" (postmaster up) while still in crash recovery: wait until it accepts sessions
  local port=$1 i
  for i in $(seq 1 120); do
    if "$CLIENT_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then return 0; fi
    sleep 0.5
  done
  log "server on port $port is not ready after 60 s"; return 1
}

pg15_running() { as_postgres "$HOST_BIN/pg_ctl" -D "$STATE_DIR/pg15" status >/dev/null 2>&1; }

start_pg15() {
  local data="$STATE_DIR/pg15"
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initdb pg15 in $data"
    rm -rf "$data"; mkdir -p "$data"; chown postgres:postgres "$data" 2>/dev/null || true; chmod 700 "$data"
    local pw; pw=$(pwfile_in "$data"); chown postgres "$pw" 2>/dev/null || true
    as_postgres "$HOST_BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$pw" --encoding=UTF8 --locale=C.UTF-8 >"$STATE_DIR/pg15.initdb.log" 2>&1 \
      || { cat "$STATE_DIR/pg15.initdb.log" >&2; exit 1; }
    rm -f "$pw"
  fi
  if pg15_running; then log "pg15 already running on $PG15_PORT"; wait_ready "$PG15_PORT"; return 0; fi
  as_postgres "$HOST_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $PG15_PORT $SERVER_OPTS" start >/dev/null
  wait_ready "$PG15_PORT"
  log "pg15 (PostgreSQL 15) on 127.0.0.1:$PG15_PORT"
}

tsdb_ctl() {
  # tsdb_ctl NAME pg_ctl-args...
  local name=$1; shift
  chroot --userspec="$(chroot_ids)" "$ROOT" /usr/lib/postgresql/17/bin/pg_ctl -D "$CHROOT_STATE/$name" "$@"
}

start_tsdb() {
  local name=$1 port=$2 data="$ROOT$CHROOT_STATE/$1"
  mkdir -p "$ROOT$CHROOT_STATE"; chmod 755 "$ROOT$CHROOT_STATE"; chmod 1777 "$ROOT/tmp"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initdb $name in $data"
    rm -rf "$data"; mkdir -p "$data"; chown "$(chroot_ids)" "$data"; chmod 700 "$data"
    local pw; pw=$(pwfile_in "$data"); chown "$(chroot_ids)" "$pw"
    chroot --userspec="$(chroot_ids)" "$ROOT" /usr/lib/postgresql/17/bin/initdb -D "$CHROOT_STATE/$name" -U postgres \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$CHROOT_STATE/$name.pwfile" \
      --encoding=UTF8 --locale=C.UTF-8 >"$ROOT$CHROOT_STATE/$name.initdb.log" 2>&1 \
      || { cat "$ROOT$CHROOT_STATE/$name.initdb.log" >&2; exit 1; }
    rm -f "$pw"
  fi
  if tsdb_ctl "$name" status >/dev/null 2>&1; then log "$name already running on $port"; wait_ready "$port"; return 0; fi
  tsdb_ctl "$name" -l "$CHROOT_STATE/$name/server.log" -w -t 60 -o "-p $port $SERVER_OPTS $TSDB_OPTS" start >/dev/null
  wait_ready "$port"
  log "$name (PostgreSQL 17 + TimescaleDB) on 127.0.0.1:$port"
}

cmd_start() {
  cmd_install
  start_pg15
  start_tsdb tsdb_source "$TSDB_SOURCE_PORT"
  start_tsdb tsdb_target "$TSDB_TARGET_PORT"
}

cmd_stop() {
  if [ -f "$STATE_DIR/pg15/PG_VERSION" ] && pg15_running; then
    as_postgres "$HOST_BIN/pg_ctl" -D "$STATE_DIR/pg15" -m fast -w stop >/dev/null && log "pg15 stopped"
  fi
  local name
  for name in tsdb_source tsdb_target; do
    if [ -f "$ROOT$CHROOT_STATE/$name/PG_VERSION" ] && tsdb_ctl "$name" status >/dev/null 2>&1; then
      tsdb_ctl "$name" -m fast -w stop >/dev/null && log "$name stopped"
    fi
  done
}

cmd_stop_one() {
  local name=$1 mode=${2:-fast}
  case "$name" in
    pg15) as_postgres "$HOST_BIN/pg_ctl" -D "$STATE_DIR/pg15" -m "$mode" -w stop >/dev/null ;;
    tsdb_source|tsdb_target) tsdb_ctl "$name" -m "$mode" -w stop >/dev/null ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  log "$name stopped ($mode)"
}

cmd_reset() {
  cmd_stop
  rm -rf "$STATE_DIR/pg15" "$ROOT$CHROOT_STATE/tsdb_source" "$ROOT$CHROOT_STATE/tsdb_target"
  log "data directories removed"
}

cmd_status() {
  local state
  if [ -f "$STATE_DIR/pg15/PG_VERSION" ] && pg15_running; then state=running; else state=stopped; fi
  echo "pg15 $PG15_PORT $state"
  local name port
  for name in tsdb_source tsdb_target; do
    port=$TSDB_SOURCE_PORT; [ "$name" = tsdb_target ] && port=$TSDB_TARGET_PORT
    if [ -d "$ROOT" ] && [ -f "$ROOT$CHROOT_STATE/$name/PG_VERSION" ] && tsdb_ctl "$name" status >/dev/null 2>&1; then
      state=running; else state=stopped; fi
    echo "$name $port $state"
  done
}

cmd_env() {
  cat <<EOF
export TSM_PG15_PORT=$PG15_PORT
export TSM_TSDB_SOURCE_PORT=$TSDB_SOURCE_PORT
export TSM_TSDB_TARGET_PORT=$TSDB_TARGET_PORT
export TSM_TEST_PASSWORD='${PASSWORD//\'/\'\\\'\'}'
export TSM_PG_BIN_DIR=$CLIENT_BIN
EOF
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  stop-one) cmd_stop_one "${2:?server name}" "${3:-fast}" ;;
  reset) cmd_reset ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 install|start|stop|stop-one NAME [MODE]|reset|status|env" >&2; exit 2 ;;
esac
