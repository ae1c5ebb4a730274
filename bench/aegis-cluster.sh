# Sourced by the bench scripts: build AEGIS and run a 4-validator SQLite testnet on 127.0.0.1.
# The caller owns `pids` (every PID started is appended, for its cleanup trap); node i's PID is in node_pid[i].
# Optional: MAX_BLOCKS_IN_FLIGHT sets consensus.max_blocks_in_flight on every node; STORAGE=postgresql makes the
# testnet use PostgreSQL at AEGIS_DATABASE_URL (schemas aegis_node0..3); AEGIS_BIN names another build's
# output directory (the one holding aegis.dll) to run instead of this tree's, and SKIP_BUILD=1 skips the build.

aegis="dotnet ${AEGIS_BIN:-src/Aegis.Cli/bin/Release/net10.0}/aegis.dll"
declare -a node_pid

build_aegis() {
  [ -n "${SKIP_BUILD:-}" ] && return 0
  echo "building AEGIS (Release)"
  dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null
}

# start_aegis_node DIR I: start validator I of the testnet in DIR, logging to DIR/node<I>.log (appending).
start_aegis_node() {
  $aegis run --config "$1/node$2/config.yaml" >>"$1/node$2.log" 2>&1 &
  node_pid[$2]=$!
  pids+=($!)
}

# start_aegis_cluster DIR BASE_PORT: a fresh testnet in DIR (node i: p2p BASE+10i, API BASE+10i+1), all four
# started and ready, or exit 1.
start_aegis_cluster() {
  local dir=$1 base=$2 ready=0
  $aegis testnet --validators 4 --dir "$dir" --base-port "$base" --storage "${STORAGE:-sqlite}" >/dev/null
  if [ -n "${MAX_BLOCKS_IN_FLIGHT:-}" ]; then
    for i in 0 1 2 3; do
      sed -i "s/^consensus:$/consensus:\n  max_blocks_in_flight: $MAX_BLOCKS_IN_FLIGHT/" "$dir/node$i/config.yaml"
    done
  fi
  for i in 0 1 2 3; do start_aegis_node "$dir" "$i"; done
  for _ in $(seq 1 120); do
    ready=0
    for i in 0 1 2 3; do curl -sf "http://127.0.0.1:$((base + 1 + 10 * i))/ready" >/dev/null && ready=$((ready + 1)); done
    [ "$ready" -eq 4 ] && return 0
    sleep 0.5
  done
  echo "AEGIS did not become ready; see $dir/node*.log" >&2
  exit 1
}
