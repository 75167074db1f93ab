#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and benchmarks (Debian's postgresql package).
#   pg.sh start DATA_DIR [PORT] [DB...]  initdb (once), start on 127.0.0.1:PORT, create the databases
#   pg.sh stop DATA_DIR
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
# Access is trust on loopback: the cluster is private to one test run.
set -euo pipefail
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bindir/pg_ctl" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local data=$1 port=${2:-5432}; shift 2 || shift $#
  mkdir -p "$data"
  data=$(cd "$data" && pwd)
  [ "$(id -u)" = 0 ] && chown postgres: "$data" && chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # Tests trade durability for speed; PG_DURABLE=1 (the benchmark) keeps PostgreSQL's durable defaults.
  local speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PG_DURABLE:-0}" = 1 ] && speed="-c shared_buffers=512MB"
  as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 $speed -c max_connections=300" start >/dev/null
  for db in "$@"; do
    as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$db\""
  done
  echo "postgresql listening on 127.0.0.1:$port (data in $data)"
}

stop() {
  [ -f "$1/postmaster.pid" ] || return 0
  as_owner "$bindir/pg_ctl" -D "$1" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
  start) start "${2:?data dir}" "${3:-5432}" "${@:4}" ;;
  stop) stop "${2:?data dir}" ;;
  *) echo "usage: $0 start DATA_DIR [PORT] [DB...] | stop DATA_DIR" >&2; exit 2 ;;
esac
