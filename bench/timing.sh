# Sourced by the bench scripts: the median of the numbers on stdin (the middle one of 3), a command's wall time in
# seconds, stopping a process this shell started (TERM, up to 20 s, then KILL; an empty PID is a no-op), and waiting
# for a joining node to reach the tip.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# at_tip NODE T0 TIMEOUT POLL: the seconds from T0 (date +%s.%N) until node NODE is ready and at least at node 0's
# height, printed; exits the script with NODE's log tail if it exits or is not there within TIMEOUT s. Uses the
# caller's `ready` and `height` functions, `node_pid` and `dir`.
# shellcheck disable=SC2154
at_tip() {
  local n=$1 t0=$2 timeout=$3 poll=$4 tip
  while [ "$(echo "$(date +%s.%N) - $t0 < $timeout" | bc)" = 1 ]; do
    tip=$(height 0)
    if ready "$n" && [ "$(height "$n")" -ge "${tip:-1}" ] 2>/dev/null; then echo "$(date +%s.%N) - $t0" | bc; return 0; fi
    kill -0 "${node_pid[$n]}" 2>/dev/null || { echo "node $n exited:" >&2; tail -20 "$dir/node$n.log" >&2; exit 1; }
    sleep "$poll"
  done
  echo "node $n was not at the tip within $timeout s (height $(height "$n"))" >&2
  tail -20 "$dir/node$n.log" >&2
  exit 1
}
