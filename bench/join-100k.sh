#!/usr/bin/env bash
# Joining a long 4-validator chain: replay from genesis vs snapshot; backup/verify/restore of that chain
# (docs in bench/README.md, "Joining a 100k-block chain").
#
#   bench/join-100k.sh [BLOCKS] [STORAGE]     # default 100000 sqlite; STORAGE=postgresql needs AEGIS_DATABASE_URL
#   (ROUNDS=3 join rounds; SKIP_BACKUP=1 leaves out step 3)
#
# 1. `aegis testnet` (4 validators on 127.0.0.1), then `Aegis.Benchmarks chain-gen` writes BLOCKS blocks (2 puts each,
#    50,000 keys, 100-byte values, real certificates) into the four stores through the production store API.
# 2. Starts the four validators (they verify their stores at start) under light load (`aegis bench --rate 10`).
# 3. Validator 3, stopped: backup, verify, restore, three times each (medians).
# 4. Three rounds (ROUNDS), alternating: wipe validator 3 and time until it is ready and at node 0's tip, once with
#    storage.snapshot_sync true (snapshot join) and once false (block sync replays every block from genesis).
# Every wait has a timeout; the nodes and the load are stopped by PID and the temp dir is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/timing.sh
blocks=${1:-100000}
storage=${2:-sqlite}
join_timeout=${JOIN_TIMEOUT:-2400}
if [ "$storage" = postgresql ] && [ -z "${AEGIS_DATABASE_URL:-}" ]; then
  echo "STORAGE=postgresql needs AEGIS_DATABASE_URL (e.g. from scripts/test-postgres.sh start)" >&2
  exit 2
fi
dotnet build -c Release src/Aegis.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/Aegis.Benchmarks -v q -nologo >/dev/null
aegis=$PWD/src/Aegis.Cli/bin/Release/net10.0/aegis
bench=$PWD/bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll
dir=$(mktemp -d /tmp/aegis-join100k-XXXXXX)
port=$((24000 + RANDOM % 4000))
schema_prefix="aegis_j${port}_"
declare -a node_pid=("" "" "" "")
load_pid=

sql() { psql "$AEGIS_DATABASE_URL" -v ON_ERROR_STOP=1 -qtAc "$1"; }
stop_node() { stop_pid "${node_pid[$1]}"; node_pid[$1]=; }
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for i in 0 1 2 3; do stop_node "$i"; done
  if [ "$storage" = postgresql ]; then
    for s in $(sql "SELECT nspname FROM pg_namespace WHERE nspname LIKE '${schema_prefix}%'" 2>/dev/null); do sql "DROP SCHEMA $s CASCADE" || true; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

"$aegis" testnet --validators 4 --dir "$dir/net" --base-port "$port" --storage "$storage" >/dev/null
# The join option, off for now, is rewritten per round; PostgreSQL schemas get this run's prefix (several runs may share a server).
for i in 0 1 2 3; do
  sed -i -e "s/^storage:$/storage:\n  snapshot_sync: false/" -e "s/schema: \"aegis_node$i\"/schema: \"${schema_prefix}node$i\"/" "$dir/net/node$i/config.yaml"
done
config() { echo "$dir/net/node$1/config.yaml"; }
api() { echo "http://127.0.0.1:$((port + 10 * $1 + 1))"; }
height() { curl -s --max-time 2 "$(api "$1")/status" | sed -nE 's/.*"block_height":([0-9]+).*/\1/p'; }
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(api "$1")/ready")" = 200 ]; }
start_node() { "$aegis" run --config "$(config "$1")" >>"$dir/node$1.log" 2>&1 & node_pid[$1]=$!; }
wait_ready() { # node, timeout in s
  for _ in $(seq $(($2 * 5))); do
    ready "$1" && return 0
    kill -0 "${node_pid[$1]}" 2>/dev/null || { echo "node $1 exited:" >&2; tail -20 "$dir/node$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "node $1 was not ready within $2 s" >&2; tail -20 "$dir/node$1.log" >&2; return 1
}
store_bytes() {
  if [ "$storage" = postgresql ]; then
    sql "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema_prefix}node$1' AND c.relkind = 'r'"
  else
    du -sb "$dir/net/node$1/data" | cut -f1
  fi
}
wipe_node() {
  rm -rf "$dir/net/node$1/data"
  [ "$storage" = postgresql ] && sql "DROP SCHEMA IF EXISTS ${schema_prefix}node$1 CASCADE"
  return 0
}

echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
gen_start=$(date +%s.%N)
dotnet "$bench" chain-gen --testnet "$dir/net" --blocks "$blocks" | tail -1
gen_s=$(echo "$(date +%s.%N) - $gen_start" | bc)

start_s=$(date +%s.%N)
for i in 0 1 2 3; do start_node "$i"; done
for i in 0 1 2 3; do wait_ready "$i" 600; done
echo "4 validators ready on the generated chain in $(echo "$(date +%s.%N) - $start_s" | bc) s (each verified its newest blocks and its state root at start)"
# Light load for the rest of the run (bounded by its duration; stopped at the end), on validators 0-2 only.
"$aegis" bench --url "$(api 0),$(api 1),$(api 2)" --clients 4 --rate 10 --duration 7200s --warmup 0s --keys 50000 --json >"$dir/load.json" 2>&1 &
load_pid=$!
for _ in $(seq 300); do [ "$(height 3)" -gt "$blocks" ] 2>/dev/null && break; sleep 0.2; done
[ "$(height 3)" -gt "$blocks" ] || { echo "the cluster committed nothing above the generated tip within 60 s" >&2; tail -20 "$dir/node0.log" >&2; exit 1; }
echo "the cluster commits on top of it: height $(height 0)"

# Backup, verify and restore of validator 3's store (the generated chain plus what the cluster committed since), stopped
# as verify and restore want; first, since a snapshot-joined store holds no history below its window for backup/verify.
stop_node 3
backup=() verify=() restore=()
for _ in $(seq "$([ -n "${SKIP_BACKUP:-}" ] && echo 0 || echo 3)"); do
  backup+=("$(timed "$aegis" backup --config "$(config 3)" --out "$dir/node3.bak" --no-encrypt)")
  verify+=("$(timed "$aegis" verify --config "$(config 3)")")
  restore+=("$(timed "$aegis" restore --config "$(config 3)" --from "$dir/node3.bak")")
  rm -rf "$dir"/net/node3/data/pre-restore-*
  if [ "$storage" = postgresql ]; then
    for s in $(sql "SELECT nspname FROM pg_namespace WHERE nspname LIKE '${schema_prefix}node3_%'"); do sql "DROP SCHEMA $s CASCADE"; done
  fi
done
full_store=$(store_bytes 3)
echo "store of a full validator: $full_store bytes"
if [ -z "${SKIP_BACKUP:-}" ]; then
  backup_bytes=$(stat -c %s "$dir/node3.bak")
  rm -f "$dir/node3.bak"
  echo "backup (plain):  median $(printf '%s\n' "${backup[@]}" | median) s  (${backup[*]}), $backup_bytes bytes"
  echo "verify:          median $(printf '%s\n' "${verify[@]}" | median) s  (${verify[*]})"
  echo "restore:         median $(printf '%s\n' "${restore[@]}" | median) s  (${restore[*]})"
fi

# The joins: ROUNDS rounds (default 3), snapshot then replay, each from an empty store.
declare -A join rss size
for round in $(seq "${ROUNDS:-3}"); do
  for mode in true false; do
    stop_node 3
    wipe_node 3
    sed -i "s/^  snapshot_sync: .*/  snapshot_sync: $mode/" "$(config 3)"
    : >"$dir/node3.log"
    t0=$(date +%s.%N)
    start_node 3
    done_s=$(at_tip 3 "$t0" "$join_timeout" 0.5)
    how=replay
    grep -q "snapshot installed at height" "$dir/node3.log" && how=snapshot
    [ "$how" = "$([ "$mode" = true ] && echo snapshot || echo replay)" ] || { echo "snapshot_sync $mode joined by $how" >&2; tail -20 "$dir/node3.log" >&2; exit 1; }
    join[$mode]+="$done_s "
    rss[$mode]+="$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/${node_pid[3]}/status") "
    size[$mode]+="$(store_bytes 3) "
    echo "round $round, $how: at the tip (height $(height 3)) and ready after $done_s s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; load_pid=

# shellcheck disable=SC2086 # the list is split on purpose
med() { printf "%s\n" $1 | median; }
history=$(grep -rqs "keep_history" src/Aegis.Node/StateSync && echo "see storage.keep_history" || echo "storage.keep_history not on this branch: a snapshot-joined node keeps no history below its window")
echo
echo "chain: $blocks generated blocks + the live ones ($storage, 4 validators, 2 puts/block over 50,000 keys, 100-byte values)"
echo "chain-gen: $gen_s s"
echo "| join of validator 3 | time to tip and ready, median (3 runs) | store after join | RSS after join |"
echo "|---|---|---|---|"
for mode in false true; do
  name=$([ "$mode" = true ] && echo "snapshot (snapshot_sync: true)" || echo "replay from genesis (snapshot_sync: false)")
  echo "| $name | $(med "${join[$mode]}") s (${join[$mode]% }) | $(med "${size[$mode]}") bytes | $(med "${rss[$mode]}") MiB |"
done
echo "history backfill: $history"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); load: $(grep -o '"throughput_tx_s": [0-9.]*' "$dir/load.json" 2>/dev/null || echo "10 tx/s offered")"
