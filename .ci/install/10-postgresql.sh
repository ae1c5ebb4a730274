#!/usr/bin/env bash
# PostgreSQL 15: a real server for the storage and cluster tests (started privately by scripts/test-postgres.sh).
set -euo pipefail
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "ci: installing postgresql"
  ci_apt postgresql
fi
