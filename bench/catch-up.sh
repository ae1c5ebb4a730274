#!/usr/bin/env bash
# Catch-up speed: a 4-validator AEGIS cluster (SQLite) on 127.0.0.1 under wrk + put.lua load; one follower (node3)
# is stopped for DOWN seconds while the others keep committing, then restarted with the load still running. Prints how
# many blocks it had to fetch and how fast it reached the height the leader had when it came back (process start
# included). Bounded: the load runs for WARM + DOWN + CATCHUP_LIMIT seconds at most; every process it starts is stopped
# by PID on exit. Raw logs stay in bench/results/<timestamp>-catch-up/.
set -euo pipefail
cd "$(dirname "$0")/.."

WARM=${WARM:-20}              # seconds of load before the follower stops
DOWN=${DOWN:-60}              # seconds the follower is down
CATCHUP_LIMIT=${CATCHUP_LIMIT:-300}  # give up after this many seconds
CONNECTIONS=${CONNECTIONS:-32}
results="bench/results/$(date +%Y%m%d-%H%M%S)-catch-up"
mkdir -p "$results"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

echo "building AEGIS (Release)"
dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null
aegis="dotnet src/Aegis.Cli/bin/Release/net10.0/aegis.dll"
height() { curl -sf "http://127.0.0.1:$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["block_height"])'; }

$aegis testnet --validators 4 --dir "$results/net" --base-port 27800 >/dev/null
declare -A node
for i in 0 1 2 3; do
  $aegis run --config "$results/net/node$i/config.yaml" >"$results/node$i.log" 2>&1 &
  node[$i]=$!; pids+=($!)
done
for _ in $(seq 1 120); do
  ready=0
  for i in 0 1 2 3; do curl -sf "http://127.0.0.1:$((27801 + 10 * i))/ready" >/dev/null && ready=$((ready + 1)); done
  [ "$ready" -eq 4 ] && break
  sleep 0.5
done
[ "$ready" -eq 4 ] || { echo "AEGIS did not become ready; see $results/node*.log" >&2; exit 1; }

TARGET=aegis wrk -t2 -c"$CONNECTIONS" -d"$((WARM + DOWN + CATCHUP_LIMIT))s" --timeout 10s -s bench/put.lua http://127.0.0.1:27801 >"$results/wrk.txt" 2>&1 &
load=$!; pids+=($load)
sleep "$WARM"
kill "${node[3]}"; wait "${node[3]}" 2>/dev/null || true
echo "node3 stopped after ${WARM}s of load; down for ${DOWN}s"
sleep "$DOWN"

target=$(height 27801)
start=$(date +%s.%N)
$aegis run --config "$results/net/node3/config.yaml" >>"$results/node3.log" 2>&1 &
node[3]=$!; pids+=($!)
reached=""
deadline=$(( $(date +%s) + CATCHUP_LIMIT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  h=$(height 27831 2>/dev/null || echo 0)
  if [ -n "$h" ] && [ "$h" -ge "$target" ]; then reached=$(date +%s.%N); break; fi
  sleep 0.1
done
[ -n "$reached" ] || { echo "node3 did not reach height $target within ${CATCHUP_LIMIT}s; see $results/node3.log" >&2; exit 1; }

# The height node3 restarted from is the tip its store held, which the node logs as it starts.
from=$(grep -o 'consensus started at height [0-9]*' "$results/node3.log" | tail -n1 | awk '{print $5}')
python3 - "$from" "$target" "$start" "$reached" <<'PY' | tee "$results/result.txt"
import sys
start_height, target, t0, t1 = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
blocks, seconds = target - start_height, t1 - t0
print(f"node3 restarted at height {start_height}, reached the leader's height at restart ({target}) in {seconds:.1f} s "
      f"including process start: {blocks} blocks, {blocks / seconds * 60:,.0f} blocks/min")
PY
