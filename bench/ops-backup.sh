#!/usr/bin/env bash
# Backup / verify / restore time and size for a long chain (docs in bench/README.md, "Operations").
#
#   bench/ops-backup.sh [TARGET_BLOCKS] [STORAGE]     # default 100000 sqlite; STORAGE=postgresql needs AEGIS_DATABASE_URL
#
# Builds a one-validator chain (quorum of one: blocks as fast as the disk commits them) with `aegis bench` until the
# tip reaches TARGET_BLOCKS, stops the node, then runs backup (plain and encrypted), verify and restore three times
# each and prints the medians, with the sizes. Everything lives under a temp dir that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-100000}
storage=${2:-sqlite}
dotnet build -c Release src/Aegis.Cli -v q -nologo >/dev/null
aegis=$PWD/src/Aegis.Cli/bin/Release/net10.0/aegis
dir=$(mktemp -d /tmp/aegis-opsbench-XXXXXX)
port=$((24000 + RANDOM % 4000))
node_pid=
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

"$aegis" testnet --validators 1 --dir "$dir/net" --base-port "$port" --storage "$storage" >/dev/null
config=$dir/net/node0/config.yaml
url=http://127.0.0.1:$((port + 1))
"$aegis" run --config "$config" >"$dir/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 600); do curl -sf "$url/ready" >/dev/null && break; kill -0 "$node_pid" || { cat "$dir/node.log"; exit 1; }; sleep 0.2; done
curl -sf "$url/ready" >/dev/null || { echo "the node was not ready within 120 s" >&2; cat "$dir/node.log"; exit 1; }

start=$(date +%s)
height=0
while [ "$height" -lt "$target" ]; do
  # Two closed-loop clients: one or two transactions per block, so the chain grows by blocks, not by block size.
  "$aegis" bench --url "$url" --clients 2 --duration 20s --warmup 0s --keys 50000 --json >/dev/null
  before=$height
  height=$(curl -s "$url/status" | sed -E 's/.*"block_height":([0-9]+).*/\1/')
  echo "height $height after $(( $(date +%s) - start )) s"
  # Bounded: a round that adds no block means the node stopped committing; stop rather than loop for ever.
  [ "$height" -gt "$before" ] || { echo "no block committed in 20 s (height $height)" >&2; cat "$dir/node.log"; exit 1; }
done
kill "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=

. bench/timing.sh

echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$aegis" verify --config "$config" | tail -2
plain=() sealed=() restore=() verify=()
for _ in 1 2 3; do
  plain+=("$(timed "$aegis" backup --config "$config" --out "$dir/plain.bak" --no-encrypt)")
  sealed+=("$(AEGIS_ENCRYPTION_KEY=bench-passphrase timed "$aegis" backup --config "$config" --out "$dir/sealed.bak")")
  verify+=("$(timed "$aegis" verify --config "$config")")
  restore+=("$(AEGIS_ENCRYPTION_KEY=bench-passphrase timed "$aegis" restore --config "$config" --from "$dir/sealed.bak")")
  rm -rf "$dir"/net/node0/data/pre-restore-*
done
db=$(du -b "$dir/net/node0/data/aegis.db" 2>/dev/null | cut -f1 || echo "-")
echo "chain: $height blocks ($storage); store aegis.db: $db bytes"
echo "backup plain:     median $(printf '%s\n' "${plain[@]}" | median) s  (${plain[*]}), $(stat -c %s "$dir/plain.bak") bytes"
echo "backup encrypted: median $(printf '%s\n' "${sealed[@]}" | median) s  (${sealed[*]}), $(stat -c %s "$dir/sealed.bak") bytes"
echo "verify:           median $(printf '%s\n' "${verify[@]}" | median) s  (${verify[*]})"
echo "restore (sealed): median $(printf '%s\n' "${restore[@]}" | median) s  (${restore[*]})"
