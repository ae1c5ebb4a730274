#!/usr/bin/env bash
# The state tree's node table in SQLite, BASE (a git revision, default main) and this checkout side by side, in one run.
# Part 1: `Aegis.Benchmarks state-tree --sqlite` per-block cost at 100k and 1M keys (each run prints medians of 3
# blocks, split by phase, and the pruning of those blocks), base and this checkout alternating per key count; the base
# is built with this checkout's bench/Aegis.Benchmarks/StateTreeCost.cs, so one harness measures both stores (it uses
# only SqliteTreeNodeStore's public surface). Part 2: bench/state-wiring.sh BASE (committed tx/s of a 4-validator
# testnet, alternating, 3 rounds, medians), on SQLite, then on PostgreSQL when AEGIS_DATABASE_URL is set.
# Usage: bench/state-rekey.sh [BASE_REV]   (env: KEYS="100000 1000000" BLOCKS=1000,10000 SKIP_WIRING=1 AEGIS_DATABASE_URL=postgresql://…)
# Bounded: each benchmark runs a fixed number of blocks; state-wiring.sh stops every node it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-main}
keys=${KEYS:-"100000 1000000"} blocks=${BLOCKS:-1000,10000}
work=$(mktemp -d /tmp/aegis-state-rekey.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
# BASE_BUILD=DIR: reuse a tree of BASE_REV (with this harness copied in) instead of building one in $work/base.
base_dir=${BASE_BUILD:-$work/base}
echo "building $base_rev ($(git rev-parse --short "$base_rev")) in $base_dir"
if [ -z "${BASE_BUILD:-}" ]; then mkdir -p "$base_dir" && git archive "$base_rev" | tar -x -C "$base_dir"; fi
cp bench/Aegis.Benchmarks/StateTreeCost.cs "$base_dir/bench/Aegis.Benchmarks/StateTreeCost.cs"
(cd "$base_dir" && dotnet build -c Release bench/Aegis.Benchmarks -v quiet -nologo >/dev/null && dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null)
export BASE_BUILD=$base_dir
dotnet build -c Release bench/Aegis.Benchmarks -v quiet -nologo >/dev/null
declare -A bench=([base]="$base_dir/bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll" [this]="bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll")
for n in $keys; do
  for which in base this; do
    echo "== state-tree $which: --keys $n --blocks $blocks --sqlite --cache-mib 64 (load $(cut -d' ' -f1-3 /proc/loadavg))"
    dotnet "${bench[$which]}" state-tree --keys "$n" --blocks "$blocks" --sqlite --cache-mib 64
  done
done
if [ -z "${SKIP_WIRING:-}" ]; then
  echo "== bench/state-wiring.sh $base_rev (load $(cut -d' ' -f1-3 /proc/loadavg))"
  bench/state-wiring.sh "$base_rev"
  if [ -n "${AEGIS_DATABASE_URL:-}" ]; then
    echo "== STORAGE=postgresql bench/state-wiring.sh $base_rev (load $(cut -d' ' -f1-3 /proc/loadavg))"
    STORAGE=postgresql bench/state-wiring.sh "$base_rev"
  fi
fi
echo "end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
