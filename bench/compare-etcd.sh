#!/usr/bin/env bash
# Side-by-side: a 3-member etcd (Debian's etcd-server 3.4, default fsync durability) and a 4-validator AEGIS
# cluster (SQLite), both on 127.0.0.1, never loaded at the same time, driven by the same wrk + Lua put script
# (100-byte values, a new key per request) at 8, 32 and 128 connections for DURATION each. Prints one table and
# leaves the raw wrk outputs in bench/results/<timestamp>/. Every process it starts is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-"8 32 128"}
# Both systems get the same unrecorded warm-up first: .NET compiles its hot paths in tiers during the first seconds,
# and a cold run measures the compiler rather than the system.
WARMUP=${WARMUP:-10s}
SYSTEMS=${SYSTEMS:-"etcd aegis"}
# MAX_BLOCKS_IN_FLIGHT (optional): consensus.max_blocks_in_flight for the AEGIS nodes (see bench/aegis-cluster.sh).
results="bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] || continue
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# shellcheck source=bench/aegis-cluster.sh
source bench/aegis-cluster.sh
build_aegis

warm_up() { # system url
  [ "$WARMUP" = "0" ] && return 0
  TARGET=$1 wrk -t2 -c32 -d"$WARMUP" --timeout 10s -s bench/put.lua "$2" >"$results/warmup-$1.txt" 2>&1 || true
}

run_wrk() { # system url connections
  local out="$results/wrk-$1-$3.txt"
  TARGET=$1 wrk -t2 -c"$3" -d"$DURATION" --timeout 10s --latency -s bench/put.lua "$2" >"$out" 2>&1 || true
  echo "  $1 at $3 connections: $(grep -E '^Requests/sec' "$out" | awk '{print $2}') req/s"
}

# ---- etcd: 3 members ----
if [[ " $SYSTEMS " == *" etcd "* ]]; then
echo "starting etcd (3 members)"
cluster="e0=http://127.0.0.1:23800,e1=http://127.0.0.1:23810,e2=http://127.0.0.1:23820"
for i in 0 1 2; do
  etcd --name "e$i" --data-dir "$results/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
    --listen-peer-urls "http://127.0.0.1:238${i}0" --initial-advertise-peer-urls "http://127.0.0.1:238${i}0" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token aegis-bench \
    >"$results/etcd-$i.log" 2>&1 &
  pids+=($!)
done
leader=""
for _ in $(seq 1 60); do
  for i in 0 1 2; do
    status=$(ETCDCTL_API=3 etcdctl --endpoints="http://127.0.0.1:2379$i" endpoint status -w json 2>/dev/null || true)
    if [ -n "$status" ] && python3 -c 'import json,sys; s=json.loads(sys.argv[1])[0]["Status"]; sys.exit(0 if s["leader"] == s["header"]["member_id"] and s["leader"] != 0 else 1)' "$status" 2>/dev/null; then
      leader="http://127.0.0.1:2379$i"
    fi
  done
  [ -n "$leader" ] && break
  sleep 0.5
done
[ -n "$leader" ] || { echo "etcd did not elect a leader; see $results/etcd-*.log" >&2; exit 1; }
echo "  etcd leader at $leader"
warm_up etcd "$leader"
for c in $CONNECTIONS; do run_wrk etcd "$leader" "$c"; done
cleanup; pids=()
fi

# ---- AEGIS: 4 validators ----
if [[ " $SYSTEMS " == *" aegis "* ]]; then
echo "starting AEGIS (4 validators, SQLite)"
start_aegis_cluster "$results/aegis" 27600
echo "  AEGIS ready; primary of view 0 is node-0 at http://127.0.0.1:27601"
warm_up aegis http://127.0.0.1:27601
for c in $CONNECTIONS; do run_wrk aegis http://127.0.0.1:27601 "$c"; done
for i in 0 1 2 3; do echo "  node$i RSS after the run: $(grep VmRSS /proc/${node_pid[$i]}/status | awk '{print $2 " " $3}')"; done
cleanup; pids=()
fi

# ---- the table ----
field() { [ -f "$1" ] && grep -E "$2" "$1" | head -n1 | awk '{print $2}' || true; }
ms() { # wrk latency like 4.52ms / 1.20s / 850.00us -> milliseconds
  awk -v v="$1" 'BEGIN { if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'
}
{
  echo
  printf "%-6s | %12s %9s %9s | %12s %9s %9s | %8s\n" conns "etcd req/s" "p50 ms" "p99 ms" "aegis req/s" "p50 ms" "p99 ms" "ratio"
  for c in $CONNECTIONS; do
    e="$results/wrk-etcd-$c.txt"; a="$results/wrk-aegis-$c.txt"
    er=$(field "$e" '^Requests/sec'); ar=$(field "$a" '^Requests/sec')
    printf "%-6s | %12s %9s %9s | %12s %9s %9s | %8s\n" "$c" "$er" "$(ms "$(field "$e" '^ +50%')")" "$(ms "$(field "$e" '^ +99%')")" \
      "$ar" "$(ms "$(field "$a" '^ +50%')")" "$(ms "$(field "$a" '^ +99%')")" "$(awk -v a="$ar" -v e="$er" 'BEGIN { if (e > 0) printf "%.2fx", a / e; else print "-" }')"
  done
  echo
  echo "raw outputs: $results"
} | tee "$results/table.txt"
