#!/usr/bin/env bash
# Local PostgreSQL / TimescaleDB servers for `make test` and `make demo`.
#
#   scripts/testservers.sh install   # once per machine: debootstrap the Debian trixie, sid and bullseye roots
#   scripts/testservers.sh start     # idempotent: init (first time) and start every server
#   scripts/testservers.sh stop      # stop every server this script started
#   scripts/testservers.sh stop-one NAME [MODE]  # stop one server (fault tests: MODE immediate = a crash)
#   scripts/testservers.sh reset     # stop and delete the data directories
#   scripts/testservers.sh status    # one line per server
#   scripts/testservers.sh env       # shell exports describing the servers (ports, password, logins, client bin dirs)
#
# Servers (all on 127.0.0.1, password auth over TCP, superuser "postgres"; every target server also has the login
# "tsdbadmin", CREATEDB CREATEROLE and not superuser, as on Timescale):
#   pg13                PostgreSQL 13, no TimescaleDB (bullseye): an older source  $TSM_PG13_PORT               55413
#   pg15                PostgreSQL 15 (host packages)                            $TSM_PG15_PORT               55415
#   tsdb_source         PostgreSQL 17 + TimescaleDB 2.19.3, Apache build (trixie) $TSM_TSDB_SOURCE_PORT        55417
#   tsdb_target         the same                                                  $TSM_TSDB_TARGET_PORT        55418
#   tsdb18_source       PostgreSQL 18 + current TimescaleDB, Apache build (sid)   $TSM_TSDB18_SOURCE_PORT      55427
#   tsdb18_target       the same                                                  $TSM_TSDB18_TARGET_PORT      55428
#   community_source    PostgreSQL 17 + TimescaleDB community build               $TSM_COMMUNITY_SOURCE_PORT   55437
#   community_target    the same                                                  $TSM_COMMUNITY_TARGET_PORT   55438
#   community18_source  PostgreSQL 18 + TimescaleDB community build               $TSM_COMMUNITY18_SOURCE_PORT 55447
#   community18_target  the same                                                  $TSM_COMMUNITY18_TARGET_PORT 55448
# The community servers run only where a root with TimescaleDB's community build exists: $TSM_COMMUNITY_ROOT
# (default $TSM_CACHE_DIR/trixie-community, a copy of the trixie root) and $TSM_COMMUNITY18_ROOT (default
# $TSM_CACHE_DIR/sid-community, a copy of the sid root), each with the community build (timescaledb-tsl-*.so)
# installed; this script never builds TimescaleDB (see the README, "TimescaleDB's community build").
# The roots are cached outside the clone in $TSM_CACHE_DIR (default /var/cache/timescale-migration).
# A second set of servers beside the first: other ports, TSM_STATE_DIR and TSM_CHROOT_STATE (a path inside the roots).
set -euo pipefail

CACHE_DIR=${TSM_CACHE_DIR:-/var/cache/timescale-migration}
TRIXIE_ROOT="$CACHE_DIR/trixie"
SID_ROOT="$CACHE_DIR/sid"
BULLSEYE_ROOT="$CACHE_DIR/bullseye"
COMMUNITY_ROOT=${TSM_COMMUNITY_ROOT:-$CACHE_DIR/trixie-community}
COMMUNITY18_ROOT=${TSM_COMMUNITY18_ROOT:-$CACHE_DIR/sid-community}
CLIENT_BIN="$CACHE_DIR/pg17-bin"
CLIENT18_BIN="$CACHE_DIR/pg18-bin"
STATE_DIR=${TSM_STATE_DIR:-$CACHE_DIR/state}
CHROOT_STATE=${TSM_CHROOT_STATE:-/var/lib/tsm}
PASSWORD=${TSM_TEST_PASSWORD:-tsm-Test:pw\\42}
TARGET_LOGIN=tsdbadmin
HOST_BIN=/usr/lib/postgresql/15/bin
SERVER_OPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c dynamic_shared_memory_type=mmap -c max_locks_per_transaction=256 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
TSDB_OPTS="-c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off -c timescaledb.max_background_workers=64 -c max_worker_processes=80"

# name  root  PostgreSQL major  port  role (source or target)
SERVERS="
pg13 $BULLSEYE_ROOT 13 ${TSM_PG13_PORT:-55413} source
pg15 host 15 ${TSM_PG15_PORT:-55415} source
tsdb_source $TRIXIE_ROOT 17 ${TSM_TSDB_SOURCE_PORT:-55417} source
tsdb_target $TRIXIE_ROOT 17 ${TSM_TSDB_TARGET_PORT:-55418} target
tsdb18_source $SID_ROOT 18 ${TSM_TSDB18_SOURCE_PORT:-55427} source
tsdb18_target $SID_ROOT 18 ${TSM_TSDB18_TARGET_PORT:-55428} target
community_source $COMMUNITY_ROOT 17 ${TSM_COMMUNITY_SOURCE_PORT:-55437} source
community_target $COMMUNITY_ROOT 17 ${TSM_COMMUNITY_TARGET_PORT:-55438} target
community18_source $COMMUNITY18_ROOT 18 ${TSM_COMMUNITY18_SOURCE_PORT:-55447} source
community18_target $COMMUNITY18_ROOT 18 ${TSM_COMMUNITY18_TARGET_PORT:-55448} target
"

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

install_root() {
  # install_root ROOT SUITE MAJOR: a Debian root with PostgreSQL MAJOR, Debian's TimescaleDB and pgvector
  local root=$1 suite=$2 major=$3
  if [ -x "$root/usr/lib/postgresql/$major/bin/postgres" ] \
     && [ -f "$root/usr/share/postgresql/$major/extension/timescaledb.control" ]; then
    install_root_packages "$root" "postgresql-$major-pgvector"
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  local partial="$root.partial"
  rm -rf "$partial"
  log "debootstrap $suite with postgresql-$major + timescaledb into $root (about a minute, ~700 MB)"
  debootstrap --variant=minbase \
    --include="postgresql-$major,postgresql-$major-timescaledb,postgresql-$major-pgvector,postgresql-client-$major" \
    "$suite" "$partial" http://deb.debian.org/debian >"$CACHE_DIR/debootstrap-$suite.log" 2>&1 \
    || { tail -20 "$CACHE_DIR/debootstrap-$suite.log" >&2; exit 1; }
  mv "$partial" "$root"
}

install_plain_root() {
  # install_plain_root ROOT SUITE MAJOR: a Debian root with PostgreSQL MAJOR alone (an older source, no TimescaleDB)
  local root=$1 suite=$2 major=$3
  [ -x "$root/usr/lib/postgresql/$major/bin/postgres" ] && return 0
  mkdir -p "$CACHE_DIR"
  local partial="$root.partial"
  rm -rf "$partial"
  log "debootstrap $suite with postgresql-$major into $root (under a minute)"
  debootstrap --variant=minbase --include="postgresql-$major,postgresql-client-$major" \
    "$suite" "$partial" http://deb.debian.org/debian >"$CACHE_DIR/debootstrap-$suite.log" 2>&1 \
    || { tail -20 "$CACHE_DIR/debootstrap-$suite.log" >&2; exit 1; }
  mv "$partial" "$root"
}

install_root_packages() {
  # packages added to a root debootstrapped before they were on its list
  local root=$1; shift
  local pkg missing=()
  for pkg in "$@"; do
    chroot "$root" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} into $root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # (Valid-Until off: the archive this machine reaches can be older than a suite's Release file allows)
  chroot "$root" /bin/sh -c "apt-get -o Acquire::Check-Valid-Until=false update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing[*]}" \
    >"$CACHE_DIR/apt-$(basename "$root").log" 2>&1 || { tail -20 "$CACHE_DIR/apt-$(basename "$root").log" >&2; exit 1; }
}

install_client_wrappers() {
  # install_client_wrappers ROOT MAJOR DIR: the root's client tools, run on the host through the root's own loader;
  # --argv0 keeps pg_dumpall finding pg_dump.
  local root=$1 major=$2 dir=$3 tool
  mkdir -p "$dir"
  for tool in pg_dump pg_dumpall pg_restore psql vacuumdb pg_isready; do
    local tmp="$dir/.$tool.$$"  # per process: two starts at once must not share a temp file
    cat >"$tmp" <<EOF
#!/bin/sh
exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" --argv0 "\$0" "$root/usr/lib/postgresql/$major/bin/$tool" "\$@"
EOF
    chmod 755 "$tmp"
    mv "$tmp" "$dir/$tool"
  done
}

cmd_install() {
  install_host_packages
  install_root "$TRIXIE_ROOT" trixie 17
  install_root "$SID_ROOT" sid 18
  install_plain_root "$BULLSEYE_ROOT" bullseye 13
  install_client_wrappers "$TRIXIE_ROOT" 17 "$CLIENT_BIN"
  install_client_wrappers "$SID_ROOT" 18 "$CLIENT18_BIN"
}

community_build() {
  # community_build ROOT MAJOR: true where ROOT holds TimescaleDB's community build for PostgreSQL MAJOR
  compgen -G "$1/usr/lib/postgresql/$2/lib/timescaledb-tsl-*.so" >/dev/null
}

present() {
  # present ROOT MAJOR: whether this server's root is here (the community roots are optional)
  local root=$1 major=$2
  case "$root" in
    host) return 0 ;;
    "$COMMUNITY_ROOT"|"$COMMUNITY18_ROOT") [ -d "$root" ] && community_build "$root" "$major" ;;
    *) [ -d "$root" ] ;;
  esac
}

chroot_ids() {
  # numeric uid:gid of the postgres user inside a root
  awk -F: '$1 == "postgres" { print $3 ":" $4 }' "$1/etc/passwd"
}

data_dir() {
  # data_dir NAME ROOT: the data directory as the host sees it
  if [ "$2" = host ]; then echo "$STATE_DIR/$1"; else echo "$2$CHROOT_STATE/$1"; fi
}

pg_ctl_in() {
  # pg_ctl_in NAME ROOT MAJOR pg_ctl-args...
  local name=$1 root=$2 major=$3; shift 3
  if [ "$root" = host ]; then
    as_postgres "$HOST_BIN/pg_ctl" -D "$STATE_DIR/$name" "$@"
  else
    chroot --userspec="$(chroot_ids "$root")" "$root" "/usr/lib/postgresql/$major/bin/pg_ctl" -D "$CHROOT_STATE/$name" "$@"
  fi
}

running() { pg_ctl_in "$1" "$2" "$3" status >/dev/null 2>&1; }

wait_ready() {
  # a server can be "running" (postmaster up) while still in crash recovery: wait until it accepts sessions
  local port=$1 i
  for i in $(seq 1 120); do
    if "$CLIENT_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then return 0; fi
    sleep 0.5
  done
  log "server on port $port is not ready after 60 s"; return 1
}

init_server() {
  # init_server NAME ROOT MAJOR: initdb with the superuser's password in a private file beside the data dir
  local name=$1 root=$2 major=$3 data owner
  data=$(data_dir "$name" "$root")
  [ -f "$data/PG_VERSION" ] && return 0
  log "initdb $name in $data"
  if [ "$root" = host ]; then owner=postgres:postgres; mkdir -p "$STATE_DIR"; chmod 755 "$STATE_DIR"
  else owner=$(chroot_ids "$root"); mkdir -p "$root$CHROOT_STATE"; chmod 755 "$root$CHROOT_STATE"; chmod 1777 "$root/tmp"; fi
  rm -rf "$data"; mkdir -p "$data"; chown "$owner" "$data"; chmod 700 "$data"
  (umask 077; printf '%s\n' "$PASSWORD" >"$data.pwfile"); chown "$owner" "$data.pwfile"
  local initdb_args=(-U postgres --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8)
  if [ "$root" = host ]; then
    as_postgres "$HOST_BIN/initdb" -D "$data" --pwfile="$data.pwfile" "${initdb_args[@]}" >"$data.initdb.log" 2>&1 \
      || { rm -f "$data.pwfile"; cat "$data.initdb.log" >&2; exit 1; }
  else
    chroot --userspec="$owner" "$root" "/usr/lib/postgresql/$major/bin/initdb" -D "$CHROOT_STATE/$name" \
      --pwfile="$CHROOT_STATE/$name.pwfile" "${initdb_args[@]}" >"$data.initdb.log" 2>&1 \
      || { rm -f "$data.pwfile"; cat "$data.initdb.log" >&2; exit 1; }
  fi
  rm -f "$data.pwfile"
}

create_target_login() {
  # the migration's login on a target, as Timescale gives it: CREATEDB CREATEROLE, not superuser
  local port=$1
  PGPASSWORD=$PASSWORD "$CLIENT18_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -v login="$TARGET_LOGIN" -v password="$PASSWORD" >/dev/null <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'login') AS missing \gset
\if :missing
CREATE ROLE :"login";
\endif
ALTER ROLE :"login" LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD :'password';
SQL
}

start_server() {
  # start_server NAME ROOT MAJOR PORT ROLE
  local name=$1 root=$2 major=$3 port=$4 role=$5 opts="$SERVER_OPTS"
  init_server "$name" "$root" "$major"
  [ -f "$root/usr/share/postgresql/$major/extension/timescaledb.control" ] && opts="$opts $TSDB_OPTS"
  if running "$name" "$root" "$major"; then
    log "$name already running on $port"
  else
    local logfile="$CHROOT_STATE/$name/server.log"
    [ "$root" = host ] && logfile="$STATE_DIR/$name/server.log"
    pg_ctl_in "$name" "$root" "$major" -l "$logfile" -w -t 60 -o "-p $port $opts" start >/dev/null
    log "$name (PostgreSQL $major) on 127.0.0.1:$port"
  fi
  wait_ready "$port"
  [ "$role" = target ] && create_target_login "$port"
  return 0
}

each_server() {
  # each_server FUNCTION: FUNCTION NAME ROOT MAJOR PORT ROLE for every server whose root is here
  local fn=$1 name root major port role
  while read -r name root major port role; do
    [ -n "$name" ] || continue
    present "$root" "$major" || continue
    "$fn" "$name" "$root" "$major" "$port" "$role"
  done <<<"$SERVERS"
}

cmd_start() {
  cmd_install
  each_server start_server
  community_build "$COMMUNITY_ROOT" 17 || log "no TimescaleDB community build at $COMMUNITY_ROOT: community_* servers not started"
  community_build "$COMMUNITY18_ROOT" 18 || log "no TimescaleDB community build at $COMMUNITY18_ROOT: community18_* servers not started"
}

stop_server() {
  local name=$1 root=$2 major=$3
  if [ -f "$(data_dir "$name" "$root")/PG_VERSION" ] && running "$name" "$root" "$major"; then
    pg_ctl_in "$name" "$root" "$major" -m fast -w stop >/dev/null && log "$name stopped"
  fi
  return 0
}

cmd_stop() { each_server stop_server; }

cmd_stop_one() {
  local want=$1 mode=${2:-fast} name root major port role
  while read -r name root major port role; do
    [ "$name" = "$want" ] || continue
    pg_ctl_in "$name" "$root" "$major" -m "$mode" -w stop >/dev/null
    log "$name stopped ($mode)"
    return 0
  done <<<"$SERVERS"
  echo "unknown server $want" >&2; exit 2
}

remove_data() { rm -rf "$(data_dir "$1" "$2")"; }

cmd_reset() {
  cmd_stop
  each_server remove_data
  log "data directories removed"
}

status_line() {
  local name=$1 root=$2 major=$3 port=$4 state=stopped
  if [ -f "$(data_dir "$name" "$root")/PG_VERSION" ] && running "$name" "$root" "$major"; then state=running; fi
  echo "$name $port $state"
}

cmd_status() {
  each_server status_line
  local name root major port role
  while read -r name root major port role; do
    [ -n "$name" ] && ! present "$root" "$major" && echo "$name $port absent (no $root)"
  done <<<"$SERVERS"
  return 0
}

env_line() {
  local name=$1 port=$4 var
  var=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  echo "export TSM_${var}_PORT=$port"
}

cmd_env() {
  each_server env_line
  local community=0 community18=0
  community_build "$COMMUNITY_ROOT" 17 && community=1
  community_build "$COMMUNITY18_ROOT" 18 && community18=1
  cat <<EOF
export TSM_COMMUNITY=$community
export TSM_COMMUNITY18=$community18
export TSM_COMMUNITY_ROOT=$COMMUNITY_ROOT
export TSM_COMMUNITY18_ROOT=$COMMUNITY18_ROOT
export TSM_TEST_PASSWORD='${PASSWORD//\'/\'\\\'\'}'
export TSM_TARGET_LOGIN=$TARGET_LOGIN
export TSM_PG_BIN_DIR=$CLIENT_BIN
export TSM_PG18_BIN_DIR=$CLIENT18_BIN
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
