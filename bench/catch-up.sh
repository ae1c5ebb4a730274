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

# shellcheck source=bench/aegis-cluster.sh
source bench/aegis-cluster.sh
build_aegis
height() { curl -sf "http://127.0.0.1:$1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["block_height"])'; }

start_aegis_cluster "$results/net" 27800

TARGET=aegis wrk -t2 -c"$CONNECTIONS" -d"$((WARM + DOWN + CATCHUP_LIMIT))s" --timeout 10s -s bench/put.lua http://127.0.0.1:27801 >"$results/wrk.txt" 2>&1 &
load=$!; pids+=($load)
sleep "$WARM"
kill "${node_pid[3]}"; wait "${node_pid[3]}" 2>/dev/null || true
echo "node3 stopped after ${WARM}s of load; down for ${DOWN}s"
sleep "$DOWN"

target=$(height 27801)
start=$(date +%s.%N)
start_aegis_node "$results/net" 3
reached=""
deadline=$(( $(date +%s) + CATCHUP_LIMIT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  h=$(height 27831 2>/dev/null || echo 0)
  if [ -n "$h" ] && [ "$h" -ge "$target" ]; then reached=$(date +%s.%N); break; fi
  sleep 0.1
done
[ -n "$reached" ] || { echo "node3 did not reach height $target within ${CATCHUP_LIMIT}s; see $results/net/node3.log" >&2; exit 1; }

# The height node3 restarted from is the tip its store held, which the node logs as it starts.
from=$(grep -o 'consensus started at height [0-9]*' "$results/net/node3.log" | tail -n1 | awk '{print $5}')
python3 - "$from" "$target" "$start" "$reached" <<'PY' | tee "$results/result.txt"
import sys
start_height, target, t0, t1 = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
blocks, seconds = target - start_height, t1 - t0
print(f"node3 restarted at height {start_height}, reached the leader's height at restart ({target}) in {seconds:.1f} s "
      f"including process start: {blocks} blocks, {blocks / seconds * 60:,.0f} blocks/min")
PY
