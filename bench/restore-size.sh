#!/usr/bin/env bash
# What `aegis restore` leaves on disk: the store restored from one backup by BASE's aegis and by this tree's, side by
# side (docs in bench/README.md, "Restore size").
#
#   BASE=/path/to/other/checkout bench/restore-size.sh [BLOCKS]     # default 3000; SQLite
#
# 1. `aegis testnet` (4 validators), `Aegis.Benchmarks chain-gen` writes BLOCKS blocks (2 puts each over 50,000 keys,
#    real certificates) into the stores; validator 3's store is backed up once (`aegis backup`, no node running).
# 2. Three rounds, alternating BASE then this tree: wipe validator 3, `aegis restore` the backup, record the time, the
#    store's bytes, its state-tree rows and SQLite's free pages, and check the restored store with `aegis verify`.
# BASE must hold a Release build of src/Aegis.Cli (dotnet build -c Release src/Aegis.Cli). The temp dir is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/timing.sh
blocks=${1:-3000}
base=${BASE:?set BASE to a checkout with a Release build of src/Aegis.Cli}
dotnet build -c Release src/Aegis.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/Aegis.Benchmarks -v q -nologo >/dev/null
aegis=$PWD/src/Aegis.Cli/bin/Release/net10.0/aegis
aegis_base=$base/src/Aegis.Cli/bin/Release/net10.0/aegis
bench=$PWD/bench/Aegis.Benchmarks/bin/Release/net10.0/Aegis.Benchmarks.dll
[ -x "$aegis_base" ] || { echo "no Release build at $aegis_base" >&2; exit 2; }
dir=$(mktemp -d /tmp/aegis-restore-size-XXXXXX)
trap 'rm -rf "$dir"' EXIT
port=$((24000 + RANDOM % 4000))

"$aegis" testnet --validators 4 --dir "$dir/net" --base-port "$port" --storage sqlite >/dev/null
config=$dir/net/node3/config.yaml
db=$dir/net/node3/data/aegis.db
echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$bench" chain-gen --testnet "$dir/net" --blocks "$blocks" | tail -1
echo "generated store: $(du -sb "$dir/net/node3/data" | cut -f1) bytes"
"$aegis" backup --config "$config" --out "$dir/node3.bak" --no-encrypt | tail -1

declare -A secs bytes rows free
for round in 1 2 3; do
  for who in base this; do
    bin=$([ "$who" = base ] && echo "$aegis_base" || echo "$aegis")
    rm -rf "$dir/net/node3/data"
    secs[$who]+="$(timed "$bin" restore --config "$config" --from "$dir/node3.bak") "
    rm -rf "$dir"/net/node3/data/pre-restore-*
    bytes[$who]+="$(du -sb "$dir/net/node3/data" | cut -f1) "
    rows[$who]+="$(sqlite3 "$db" 'SELECT count(*) FROM state_nodes') "
    free[$who]+="$(sqlite3 "$db" 'PRAGMA freelist_count') "
    "$aegis" verify --config "$config" | tail -1 | grep -q '^ok:' || { echo "$who: the restored store does not verify" >&2; exit 1; }
  done
  echo "round $round done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# shellcheck disable=SC2086 # the lists are split on purpose
med() { printf "%s\n" $1 | median; }
echo
echo "restore of a $blocks-block backup ($(stat -c %s "$dir/node3.bak") bytes), SQLite, medians of 3 alternating rounds"
echo "| restore by | time | store bytes | state_nodes rows | free pages |"
echo "|---|---|---|---|---|"
for who in base this; do
  echo "| $who | $(med "${secs[$who]}") s (${secs[$who]% }) | $(med "${bytes[$who]}") (${bytes[$who]% }) | $(med "${rows[$who]}") | $(med "${free[$who]}") |"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
