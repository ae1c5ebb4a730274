#!/usr/bin/env bash
# The knowledge service's figures, all in one run on this machine (bench/README.md "Knowledge service"):
#   1. retrieval quality on Cranfield (../shared/data/cranfield, read in place) for bm25, dense, aiss (the original's
#      recipe) and hybrid (ours), on all 150 dev queries and on the tune (odd) / holdout (even) halves;
#   2. ingest throughput (chunks/s: chunk + embed + index, measured on the first dense run, which embeds every chunk);
#   3. query latency with 20,000 chunks indexed; 4. HNSW recall@10 against exact search on 100,000 vectors.
# Usage: bench/retrieval.sh            (REPEAT=3 repeats the throughput run and prints each, for a median)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${CRANFIELD_DIR:-../shared/data/cranfield}
out=bench/results/retrieval
mkdir -p "$out"
repeat=${REPEAT:-1}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
dotnet build -c Release src/Aegis.Cli/Aegis.Cli.csproj bench/Aegis.Knowledge.Bench/Aegis.Knowledge.Bench.csproj -v quiet -nologo >/dev/null
aegis() { dotnet src/Aegis.Cli/bin/Release/net10.0/aegis.dll "$@"; }
evaluate() {
  aegis knowledge eval --corpus "$data/cran.all.1400" --queries "$data/queries.dev.txt" --qrels "$data/qrels.dev.txt" \
    --embedding-cache "$out/embeddings.bin" --json "$@"
}

for i in $(seq "$repeat"); do
  rm -f "$out/embeddings.bin"
  echo "== throughput run $i (dense, every chunk embedded)"
  evaluate --mode dense --split all --run "$out/dense.run" | head -n 1
done

for mode in bm25 dense aiss hybrid; do
  for split in all tune holdout; do
    printf '%-7s %-8s ' "$mode" "$split"
    evaluate --mode "$mode" --split "$split" | tail -n 1
  done
done
evaluate --mode hybrid --split all --run "$out/hybrid.run" >/dev/null

echo "== query latency, 20,000 chunks"
dotnet bench/Aegis.Knowledge.Bench/bin/Release/net10.0/Aegis.Knowledge.Bench.dll query-latency \
  "$data/cran.all.1400" "$data/queries.dev.txt" "$out/embeddings.bin" 20000
echo "== ANN recall, 100,000 synthetic vectors"
dotnet bench/Aegis.Knowledge.Bench/bin/Release/net10.0/Aegis.Knowledge.Bench.dll ann-recall 100000 384 200
