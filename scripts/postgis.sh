#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for development and tests.
#
#   scripts/postgis.sh start DIR   create the cluster in DIR when needed, start it, print its URL (last line)
#   scripts/postgis.sh stop DIR    stop it (the files stay; `rm -rf DIR` removes them)
#   scripts/postgis.sh url DIR     print the URL of a running cluster
#
# Debian's postgresql and postgis packages are installed when missing (GEO_SKIP_APT=1 skips that). initdb
# refuses to run as root, so as root the cluster belongs to the `postgres` user. The server listens on a Unix
# socket in DIR and on a free port of 127.0.0.1 only; trust authentication for local connections (a
# throwaway cluster: never expose it). The database `geo` has the postgis extension. It runs with fsync and
# synchronous_commit off (GEO_PG_DURABLE=1 keeps them on) and shared_buffers 1GB (GEO_PG_SHARED_BUFFERS).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|url DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"
sock="$dir"

pg_bin() {  # the directory of Debian's newest PostgreSQL server binaries
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

install_packages() {
  local version sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo"
  if [ "${GEO_SKIP_APT:-0}" = "1" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: PostgreSQL with PostGIS is not installed and apt-get may not be used" >&2
    exit 1
  fi
  echo "installing Debian postgresql and postgis" >&2
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null 2>&1
  version="$(basename "$(dirname "$(pg_bin)")")"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "postgresql-$version-postgis-3" >/dev/null 2>&1
}

has_postgis() {
  local bin share
  bin="$(pg_bin)" || return 1
  share="/usr/share/postgresql/$(basename "$(dirname "$bin")")/extension"
  [ -f "$share/postgis.control" ]
}

as_owner() {  # run a command as the cluster's owner (postgres when we are root)
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url() {
  local port
  port="$(cat "$dir/port")"
  echo "postgresql://$(cat "$dir/user")@127.0.0.1:$port/geo"
}

case "$cmd" in
  start)
    has_postgis || install_packages
    has_postgis || { echo "error: the postgis extension is still missing after installing" >&2; exit 1; }
    bin="$(pg_bin)"
    owner="$(id -un)"
    if [ "$(id -u)" = "0" ]; then
      owner="postgres"
      chown postgres "$dir"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U "$owner" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    echo "$owner" > "$dir/user"
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      url
      exit 0
    fi
    port="$(free_port)"
    echo "$port" > "$dir/port"
    # a throwaway cluster: no flush to disk at each commit (GEO_PG_DURABLE=1 keeps PostgreSQL's defaults, for
    # figures a production server would give)
    durability="-c fsync=off -c synchronous_commit=off"
    [ "${GEO_PG_DURABLE:-0}" = "1" ] && durability=""
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c shared_buffers=${GEO_PG_SHARED_BUFFERS:-1GB} $durability" \
      start >/dev/null
    if ! as_owner "$bin/psql" -h "$sock" -p "$port" -U "$owner" -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'geo'" | grep -q 1; then
      as_owner "$bin/createdb" -h "$sock" -p "$port" -U "$owner" geo
    fi
    as_owner "$bin/psql" -h "$sock" -p "$port" -U "$owner" -d geo -qc "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    url
    ;;
  stop)
    bin="$(pg_bin)" || exit 0
    if [ -f "$data/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  url)
    url
    ;;
  *)
    echo "usage: $0 start|stop|url DIR" >&2
    exit 2
    ;;
esac
