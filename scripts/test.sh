#!/usr/bin/env bash
# Runs every test project in Release and ends with one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# The PostgreSQL tests run too. Without AEGIS_TEST_POSTGRES_URL, a private server (scripts/test-postgres.sh: its own
# data dir, 127.0.0.1, port AEGIS_PG_PORT or 55432) is started here when PostgreSQL 15 is installed, and stopped
# afterwards if this run started it; when it is not installed, the tests skip and this says how to install it.
started_pg=0
if [ -z "${AEGIS_TEST_POSTGRES_URL:-}" ]; then
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    scripts/test-postgres.sh running || started_pg=1
    if url="$(scripts/test-postgres.sh start)"; then
      export AEGIS_TEST_POSTGRES_URL="$url"
      echo "test: PostgreSQL tests against a private server ($url)"
    else
      started_pg=0
      echo "test: could not start a private PostgreSQL (above); the PostgreSQL tests will skip" >&2
    fi
  else
    echo "test: PostgreSQL 15 is not installed, so the PostgreSQL tests skip; install it (Debian 12: apt-get install -y postgresql) to run them" >&2
  fi
fi

log="$(mktemp)"
dotnet test Aegis.slnx -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
rm -f "$log"
if [ "$started_pg" -eq 1 ]; then
  scripts/test-postgres.sh stop >/dev/null
fi
echo "${summary:-0 passed, 0 failed, 0 skipped}"
exit "$status"
