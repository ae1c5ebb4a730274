#!/usr/bin/env bash
# Sums the fuzzing done so far, from the runs fuzz/run.sh recorded in fuzz/.work/runs.tsv (or FUZZ_WORK/runs.tsv).
# afl-fuzz resumes a findings folder with its counters, so each target's latest line is its running total; the
# family lines add those up. Prints a Markdown table (the one in fuzz/README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${FUZZ_WORK:-$here/.work}/runs.tsv"
[ -f "$runs" ] || { echo "fuzz: no runs recorded yet ($runs)" >&2; exit 1; }
awk -F'\t' '
  { for (i = 4; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] = kv[2] } family[$2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
  END {
    print "| target | family | executions | crashes | hangs | seconds |"
    print "|---|---|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      t = order[i]; f = family[t]
      printf "| %s | %s | %\047d | %s | %s | %s |\n", t, f, v[t, "execs"], v[t, "crashes"], v[t, "hangs"], v[t, "seconds"]
      fe[f] += v[t, "execs"]; fs[f] += v[t, "seconds"]; fc[f] += v[t, "crashes"]; if (!(f in fseen)) { fseen[f] = 1; forder[++m] = f }
    }
    print ""
    print "| family | executions | crashes | seconds |"
    print "|---|---:|---:|---:|"
    for (i = 1; i <= m; i++) printf "| %s | %\047d | %d | %d |\n", forder[i], fe[forder[i]], fc[forder[i]], fs[forder[i]]
  }' "$runs"
