#!/usr/bin/env bash
# Replay join, timed: a 4-validator SQLite chain of BLOCKS generated blocks (`Aegis.Benchmarks chain-gen`, as
# bench/join-100k.sh builds it), then ROUNDS rounds of: validators 0-2 started on their stores, validator 3 wiped and
# started with storage.snapshot_sync false (block sync replays every block from genesis), timed from process start until
# /ready is 200 and its height is at least node 0's. No client load: the rate is the replay alone.
#
#   bench/replay-join.sh [BLOCKS]      # default 10000; ROUNDS=3, JOIN_TIMEOUT=1800
#   BUILDS="/tmp/main-build $PWD/src/Aegis.Cli/bin/Release/net10.0"   # build output dirs, alternated within each round
#   CHAIN_DIR=/tmp/chains                                               # keep the generated chain there and reuse it
# Every wait has a timeout; nodes are stopped by PID and the temp dir removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/timing.sh
blocks=${1:-10000}
rounds=${ROUNDS:-3}
join_timeout=${JOIN_TIMEOUT:-1800}
branch=$PWD/src/Aegis.Cli/bin/Release/net10.0
read -r -a builds <<<"${BUILDS:-$branch}"
dotnet build -c Release src/Aegis.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/Aegis.Benchmarks -v q -nologo >/dev/null
bench=$PWD/bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll
dir=$(mktemp -d /tmp/aegis-replay-XXXXXX)
declare -a node_pid=("" "" "" "")
stop_node() { stop_pid "${node_pid[$1]}"; node_pid[$1]=; }
cleanup() { for i in 0 1 2 3; do stop_node "$i"; done; rm -rf "$dir"; }
trap cleanup EXIT

# The chain: generated once per BLOCKS (and kept in CHAIN_DIR when set: the testnet's ports come with it).
cached=${CHAIN_DIR:+$CHAIN_DIR/net-$blocks}
if [ -n "$cached" ] && [ -f "$cached/genesis.json" ]; then
  cp -r "$cached" "$dir/net"
  echo "chain: $blocks blocks from $cached"
else
  port=$((24000 + RANDOM % 4000))
  dotnet "$branch/aegis.dll" testnet --validators 4 --dir "$dir/net" --base-port "$port" >/dev/null
  sed -i -e "s/^storage:$/storage:\n  snapshot_sync: false/" "$dir/net/node3/config.yaml"
  t0=$(date +%s.%N)
  dotnet "$bench" chain-gen --testnet "$dir/net" --blocks "$blocks" | tail -1
  echo "chain-gen: $(echo "$(date +%s.%N) - $t0" | bc) s"
  if [ -n "$cached" ]; then mkdir -p "$CHAIN_DIR"; rm -rf "$cached"; cp -r "$dir/net" "$cached"; fi
fi
port=$(sed -nE '/^p2p:/,/^[a-z]/ s/^  port: ([0-9]+)$/\1/p' "$dir/net/node0/config.yaml" | head -1)
[ -n "$port" ] || { echo "cannot read node 0's p2p port from its config" >&2; exit 1; }
api() { echo "http://127.0.0.1:$((port + 10 * $1 + 1))"; }
height() { curl -s --max-time 2 "$(api "$1")/status" | sed -nE 's/.*"block_height":([0-9]+).*/\1/p'; }
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(api "$1")/ready")" = 200 ]; }
start_node() { dotnet "$2/aegis.dll" run --config "$dir/net/node$1/config.yaml" >>"$dir/node$1.log" 2>&1 & node_pid[$1]=$!; }
echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

for round in $(seq "$rounds"); do
  for build in "${builds[@]}"; do
    for i in 0 1 2; do start_node "$i" "$build"; done
    for i in 0 1 2; do
      for _ in $(seq 600); do ready "$i" && break; sleep 0.2; done
      ready "$i" || { echo "node $i was not ready within 120 s" >&2; tail -20 "$dir/node$i.log" >&2; exit 1; }
    done
    rm -rf "$dir/net/node3/data"
    : >"$dir/node3.log"
    t0=$(date +%s.%N)
    start_node 3 "$build"
    done_s=$(at_tip 3 "$t0" "$join_timeout" 0.25)
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/${node_pid[3]}/status")
    h=$(height 3)
    printf 'replay round %s, build %s: %.1f s to height %s, %.0f blocks/min, RSS %s MiB, load %s\n' "$round" "$build" "$done_s" "$h" "$(echo "$h * 60 / $done_s" | bc -l)" "$rss" "$(cut -d' ' -f1-3 /proc/loadavg)"
    for i in 3 2 1 0; do stop_node "$i"; done
  done
done
