#!/usr/bin/env bash
# A private PostgreSQL 15 server for the storage tests: its own data directory, 127.0.0.1 only, a non-default port.
# It never touches any other PostgreSQL instance on the machine.
#
#   scripts/test-postgres.sh start   # idempotent; prints the connection string for AEGIS_TEST_POSTGRES_URL
#   scripts/test-postgres.sh url     # prints the connection string
#   scripts/test-postgres.sh stop    # stops this server only
#   scripts/test-postgres.sh running # exit 0 when this server is up
#
# Settings: AEGIS_PG_DIR (default ./.aegis/pg in the checkout), AEGIS_PG_PORT (default 55432).
set -euo pipefail

cd "$(dirname "$0")/.."
bin=/usr/lib/postgresql/15/bin
root=${AEGIS_PG_DIR:-$PWD/.aegis/pg}
# As root the server runs as the postgres user, which cannot reach a checkout under a private home (/root is 0700):
# then the default moves to a temp folder named after the checkout, the same one for start, url and stop.
if [ -z "${AEGIS_PG_DIR:-}" ] && [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
  mkdir -p "$PWD/.aegis"
  if ! runuser -u postgres -- test -x "$PWD/.aegis"; then
    root=${TMPDIR:-/tmp}/aegis-pg-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)
  fi
fi
root=$(realpath -m "$root")
data=$root/data
port=${AEGIS_PG_PORT:-55432}
password=aegis-test   # a throwaway server on loopback; the password only exists so tests can check bad credentials
database=aegis_test

url() {
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=$database"
}

# PostgreSQL refuses to run as root: as root, run its tools as the postgres OS user.
as_owner() {
  # From / so that the postgres user is not left in a directory it cannot read.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

require_binaries() {
  if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "test-postgres: PostgreSQL 15 binaries not found in $bin; install them with: apt-get install -y postgresql" >&2
    exit 1
  fi
}

running() {
  [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

init() {
  mkdir -p "$root"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$root"; fi
  chmod 700 "$root"
  pwfile=$(mktemp "$root/.pw.XXXXXX")
  echo "$password" >"$pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pwfile"; fi
  as_owner "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$root/initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$root'"   # not /var/run/postgresql: that belongs to the system's server
    echo "max_connections = 100"
    echo "shared_buffers = 64MB"
  } | as_owner tee -a "$data/postgresql.conf" >/dev/null
}

start() {
  require_binaries
  [ -f "$data/PG_VERSION" ] || init
  if ! running; then
    if ! as_owner "$bin/pg_ctl" start -D "$data" -l "$root/server.log" -w -t 30 >/dev/null; then
      echo "test-postgres: the server did not start (port $port in use?); last lines of $root/server.log:" >&2
      tail -n 20 "$root/server.log" >&2 || true
      exit 1
    fi
  fi
  if ! PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE $database" >/dev/null
  fi
  url
}

stop() {
  if running; then
    as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w >/dev/null
    echo "test-postgres: stopped the server in $data"
  else
    echo "test-postgres: no server running in $data"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  running) running ;;
  *) echo "usage: $0 start|stop|url|running" >&2; exit 2 ;;
esac
