#!/usr/bin/env bash
# Catch-up side by side: bench/catch-up.sh (a follower stopped under load, restarted) and bench/replay-join.sh (a wiped
# validator replaying a generated chain from genesis), each ROUNDS times per build, alternating BASE and this tree, in
# one run; medians of the rounds. BASE names another build's output directory (e.g. a copy of main's
# src/Aegis.Cli/bin/Release/net10.0); without it only this tree runs.
#
#   BASE=/tmp/main-build bench/catch-up-compare.sh        # ROUNDS=3 DOWN=60 JOIN_BLOCKS=10000; SKIP_CATCHUP=1 / SKIP_JOIN=1
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/timing.sh
rounds=${ROUNDS:-3}
branch=$PWD/src/Aegis.Cli/bin/Release/net10.0
dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null
declare -a names=(branch) bins=("$branch")
if [ -n "${BASE:-}" ]; then
  [ -f "$BASE/aegis.dll" ] || { echo "BASE=$BASE holds no aegis.dll" >&2; exit 2; }
  names=(base branch) bins=("$BASE" "$branch")
fi
echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A rate join
if [ -z "${SKIP_CATCHUP:-}" ]; then
  for round in $(seq "$rounds"); do
    for i in "${!names[@]}"; do
      out=$(AEGIS_BIN=${bins[$i]} SKIP_BUILD=1 bench/catch-up.sh 2>&1 | tail -1)
      r=$(echo "$out" | sed -nE 's/.* ([0-9,]+) blocks\/min$/\1/p' | tr -d ,)
      echo "catch-up round $round, ${names[$i]}: $out (load $(cut -d' ' -f1-3 /proc/loadavg))"
      rate[${names[$i]}]+="${r:-0} "
    done
  done
fi
if [ -z "${SKIP_JOIN:-}" ]; then
  # shellcheck disable=SC2086 # one word per build
  out=$(BUILDS="${bins[*]}" ROUNDS=$rounds bench/replay-join.sh "${JOIN_BLOCKS:-10000}")
  echo "$out"
  for i in "${!names[@]}"; do
    join[${names[$i]}]=$(echo "$out" | sed -nE "s|^replay .* build ${bins[$i]}: ([0-9.]+) s.*|\1|p" | tr '\n' ' ')
  done
fi
# shellcheck disable=SC2086 # the list is split on purpose
med() { printf "%s\n" $1 | median; }
echo
echo "| build | catch-up blocks/min, median (rounds) | replay join of ${JOIN_BLOCKS:-10000} blocks, s, median (rounds) |"
echo "|---|---|---|"
for n in "${names[@]}"; do
  echo "| $n | $( [ -n "${rate[$n]:-}" ] && echo "$(med "${rate[$n]}") (${rate[$n]% })" || echo -) | $( [ -n "${join[$n]:-}" ] && echo "$(med "${join[$n]}") (${join[$n]% })" || echo -) |"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
