#!/usr/bin/env bash
# The state tree's node table before and after re-keying by (version, hash), in one run: BASE (a git revision, default
# main) and this checkout, side by side. Part 1: `Aegis.Benchmarks state-tree --sqlite` per-block cost at 100k and 1M
# keys (each run prints medians of 3 blocks), base and this checkout alternating per key count. Part 2:
# bench/state-wiring.sh BASE (committed tx/s of a 4-validator SQLite testnet, alternating, 3 rounds, medians).
# Usage: bench/state-rekey.sh [BASE_REV]   (env: KEYS="100000 1000000" BLOCKS=1000,10000 SKIP_WIRING=1)
# Bounded: each benchmark runs a fixed number of blocks; state-wiring.sh stops every node it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:-main}
keys=${KEYS:-"100000 1000000"} blocks=${BLOCKS:-1000,10000}
work=$(mktemp -d /tmp/aegis-state-rekey.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "building $base_rev ($(git rev-parse --short "$base_rev")) in $work/base"
mkdir -p "$work/base" && git archive "$base_rev" | tar -x -C "$work/base"
(cd "$work/base" && dotnet build -c Release bench/Aegis.Benchmarks -v quiet -nologo >/dev/null)
dotnet build -c Release bench/Aegis.Benchmarks -v quiet -nologo >/dev/null
declare -A bench=([base]="$work/base/bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll" [rekeyed]="bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll")
for n in $keys; do
  for which in base rekeyed; do
    echo "== state-tree $which: --keys $n --blocks $blocks --sqlite --cache-mib 64 (load $(cut -d' ' -f1-3 /proc/loadavg))"
    dotnet "${bench[$which]}" state-tree --keys "$n" --blocks "$blocks" --sqlite --cache-mib 64
  done
done
if [ -z "${SKIP_WIRING:-}" ]; then
  echo "== bench/state-wiring.sh $base_rev (load $(cut -d' ' -f1-3 /proc/loadavg))"
  bench/state-wiring.sh "$base_rev"
fi
echo "end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
