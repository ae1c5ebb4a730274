#!/usr/bin/env bash
# Committed tx/s of a 4-validator SQLite testnet before and after the state tree was wired into execution, in one
# run: BASE (a git revision, default main) and this checkout, alternating, 3 rounds, medians printed.
# Usage: bench/state-wiring.sh [BASE_REV]   (env: DURATION=20s BATCH=200 CLIENTS=8 STORAGE=sqlite|postgresql
#        BASE_BUILD=DIR: a tree of BASE_REV with src/Aegis.Cli already built in Release, instead of building one here)
# STORAGE=postgresql needs AEGIS_DATABASE_URL=postgresql://user:password@host:port/database (a server of your own: the
# schemas aegis_node0..3 in it are dropped before each run and at exit).
# Bounded: every load runs DURATION; every node started here is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-main}
duration=${DURATION:-20s} batch=${BATCH:-200} clients=${CLIENTS:-8} storage=${STORAGE:-sqlite}
drop_schemas() {
  if [ "$storage" = postgresql ]; then
    psql "$AEGIS_DATABASE_URL" -qc "DROP SCHEMA IF EXISTS aegis_node0, aegis_node1, aegis_node2, aegis_node3 CASCADE" >/dev/null 2>&1 || true
  fi
}
work=$(mktemp -d /tmp/aegis-state-wiring.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; drop_schemas; rm -rf "$work"; }
trap cleanup EXIT
source bench/aegis-cluster.sh

build_aegis
base_dir=${BASE_BUILD:-$work/base}
if [ -z "${BASE_BUILD:-}" ]; then
  echo "building $base_rev ($(git rev-parse --short "$base_rev")) in $work/base"
  mkdir -p "$work/base" && git archive "$base_rev" | tar -x -C "$work/base"
  (cd "$work/base" && dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null)
fi
declare -A bin=([base]="dotnet $base_dir/src/Aegis.Cli/bin/Release/net10.0/aegis.dll" [wired]="dotnet src/Aegis.Cli/bin/Release/net10.0/aegis.dll")
client="dotnet src/Aegis.Cli/bin/Release/net10.0/aegis.dll"
declare -A results=([base]="" [wired]="")
port=$((30000 + ($$ % 50) * 100))
for round in 1 2 3; do
  for which in base wired; do
    aegis=${bin[$which]}
    dir="$work/$which-$round"; port=$((port + 100))
    drop_schemas
    STORAGE=$storage start_aegis_cluster "$dir" "$port"
    urls=$(for i in 0 1 2 3; do printf 'http://127.0.0.1:%d,' $((port + 1 + 10 * i)); done)
    tps=$($client bench --url "${urls%,}" --batch "$batch" --clients "$clients" --duration "$duration" 2>/dev/null | sed -n 's/^throughput: \([0-9]*\) tx\/s.*/\1/p')
    echo "round $round $which: $tps tx/s"
    results[$which]="${results[$which]} $tps"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=()
  done
done
median() { printf '%s\n' $1 | sort -n | sed -n 2p; }
echo "median committed tx/s, 4 validators, $storage, --batch $batch --clients $clients --duration $duration: base $(median "${results[base]}") / wired $(median "${results[wired]}")"
