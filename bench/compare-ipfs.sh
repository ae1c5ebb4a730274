#!/usr/bin/env bash
# SecureChat's content store against js-ipfs 0.66 with the same client (kubo-rpc-client), side by side in one run:
# add and cat MB/s at 1 MiB and 10 MiB, 1 KiB add latency p50/p99 — ROUNDS rounds alternating the two systems,
# medians reported. Then end-to-end chat latency (send on one member's page → verified and decrypted on another's)
# at RATE messages/s on a 4-validator cluster, the members on different nodes.
# js-ipfs runs strictly offline: --offline (libp2p is not started), empty Bootstrap and Delegates, no swarm
# listeners, MDNS and webRTCStar off, preload off. Everything listens on 127.0.0.1.
# Usage: bench/compare-ipfs.sh   (ROUNDS=3 SMALL=300 RATE=20 MESSAGES=200; SKIP_CHAT=1 for the store part only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; SMALL=${SMALL:-300}; RATE=${RATE:-20}; MESSAGES=${MESSAGES:-200}
work=$(mktemp -d /tmp/aegis-bench-ipfs.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck source=bench/aegis-cluster.sh
. bench/aegis-cluster.sh
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[ -d bench/ipfs/node_modules/ipfs ] || (cd bench/ipfs && npm ci --no-audit --no-fund --loglevel=error)
build_aegis

# --- js-ipfs 0.66, offline -----------------------------------------------------------------------------------------
js_port=$(free_port)
export IPFS_PATH="$work/jsipfs"
bench/ipfs/node_modules/.bin/jsipfs init --empty-repo >/dev/null 2>&1
python3 - "$IPFS_PATH/config" "$js_port" <<'PY'
import json, sys
path, port = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["Bootstrap"] = []
c["Addresses"].update({"Swarm": [], "Delegates": [], "API": f"/ip4/127.0.0.1/tcp/{port}", "Gateway": "", "RPC": ""})
c["Discovery"] = {"MDNS": {"Enabled": False, "Interval": 10}, "webRTCStar": {"Enabled": False}}
json.dump(c, open(path, "w"), indent=2)
PY
node --import ./bench/ipfs/node20-polyfill.mjs bench/ipfs/node_modules/ipfs/src/cli.js daemon --offline --enable-preload=false >"$work/jsipfs.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -sf -X POST "http://127.0.0.1:$js_port/api/v0/version" >/dev/null && break; sleep 0.5; done
curl -sf -X POST "http://127.0.0.1:$js_port/api/v0/version" >/dev/null || { echo "js-ipfs did not start:"; cat "$work/jsipfs.log"; exit 1; }

# --- AEGIS: one validator (js-ipfs is one node too) ----------------------------------------------------------------
base=$(( 21000 + (RANDOM % 800) * 10 ))
$aegis testnet --validators 1 --dir "$work/one" --base-port "$base" >/dev/null
start_aegis_node "$work/one" 0
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$((base + 1))/ready" >/dev/null && break; sleep 0.5; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); .NET $(dotnet --version); node $(node --version)"
results="$work/results.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  for sys in aegis js-ipfs; do
    if [ $sys = aegis ]; then url="http://127.0.0.1:$((base + 1))/ipfs-api"; else url="http://127.0.0.1:$js_port"; fi
    line=$(node bench/ipfs/store-bench.mjs "$url" "$SMALL")
    echo "round $r $sys $line"
    echo "{\"system\":\"$sys\",\"r\":$line}" >>"$results"
  done
done
kill "${node_pid[0]}"

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {s: {k: statistics.median(r["r"][k] for r in rows if r["system"] == s) for k in rows[0]["r"]} for s in ("aegis", "js-ipfs")}
print()
print("| metric (median of rounds) | AEGIS /ipfs-api | js-ipfs 0.66 | ratio |")
print("|---|---|---|---|")
for k, name, higher in [("add1m", "add 1 MiB, MB/s", True), ("cat1m", "cat 1 MiB, MB/s", True), ("add10m", "add 10 MiB, MB/s", True),
                        ("cat10m", "cat 10 MiB, MB/s", True), ("p50", "add 1 KiB p50, ms", False), ("p99", "add 1 KiB p99, ms", False)]:
    a, j = med["aegis"][k], med["js-ipfs"][k]
    ratio = a / j if higher else j / a
    print(f"| {name} | {a:.2f} | {j:.2f} | {ratio:.2f}× |")
PY

# --- chat end to end on 4 validators -------------------------------------------------------------------------------
if [ -z "${SKIP_CHAT:-}" ]; then
  base4=$(( 29000 + (RANDOM % 300) * 10 ))
  start_aegis_cluster "$work/four" "$base4"
  line=$(node bench/ipfs/chat-latency.mjs "http://127.0.0.1:$((base4 + 1))" "http://127.0.0.1:$((base4 + 11))" "$RATE" "$MESSAGES")
  echo
  echo "chat end to end (A on node0, B on node1, 4 validators): $line"
fi
