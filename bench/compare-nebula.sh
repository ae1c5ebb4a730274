#!/usr/bin/env bash
# AegisRay against Debian's nebula 1.6.1 in the same namespace topology (a lighthouse/coordinator L and two nodes A, B
# on one bridge), with the same iperf3 and ping commands, one system after the other:
#   - single-stream TCP throughput A→B over the mesh (iperf3 -t $DURATION), and over the raw underlay for reference
#   - added ping latency (median mesh RTT minus median underlay RTT, 50 pings at 0.1 s)
#   - time to first packet on a new tunnel: the first A→B ping's RTT once both nodes are ready (AegisRay: /health
#     healthy and /status peers ≥ 1, i.e. TUN up and joined to the coordinator; Nebula: nebula1 up and the lighthouse
#     answering a ping), so it includes the A↔B lookup and handshake and nothing of the start-up
#   - throughput with all UDP dropped by nftables (Nebula: none, it is UDP only)
# RUNS repetitions each (default 3), medians reported. Memory per idle peer: `aegis mesh bench-idle --peers 5000` (at 1,000 the RSS signal, ~3 MB, is within the noise of the GC and glibc returning memory).
# Usage: bench/compare-nebula.sh  (root; DURATION=10 RUNS=3 SYSTEMS="nebula aegisray")
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
SYSTEMS=${SYSTEMS:-"nebula aegisray"}
for tool in ip nft iperf3 nebula nebula-cert ping curl; do command -v "$tool" >/dev/null || { echo "bench: $tool missing (apt-get install iproute2 nftables iperf3 nebula iputils-ping curl)" >&2; exit 1; }; done
dotnet build -c Release src/Aegis.Cli -v quiet -nologo >/dev/null
AEGIS="dotnet $PWD/src/Aegis.Cli/bin/Release/net10.0/aegis.dll"
P="arb-$$"
WORK=$(mktemp -d /tmp/aegisray-bench-XXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for ns in L A B hub; do ip netns del "$P-$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

topology() {
  ip netns add "$P-hub"; ip -n "$P-hub" link add br0 type bridge; ip -n "$P-hub" link set br0 up
  local i=1
  for ns in L A B; do
    ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up
    ip link add "v$$$i" netns "$P-$ns" type veth peer name "h$$$i" netns "$P-hub"
    ip -n "$P-$ns" link set "v$$$i" name eth0
    ip -n "$P-$ns" addr add "10.201.0.$i/24" dev eth0; ip -n "$P-$ns" link set eth0 up
    ip -n "$P-hub" link set "h$$$i" master br0; ip -n "$P-hub" link set "h$$$i" up
    i=$((i+1))
  done
}

start() { # ns, command...
  local ns=$1; shift
  ip netns exec "$P-$ns" "$@" >>"$WORK/$ns.log" 2>&1 &
  PIDS+=($!)
}

stop_all() { for pid in "${PIDS[@]:-}"; do kill "$pid" 2>/dev/null || true; done; for pid in "${PIDS[@]:-}"; do wait "$pid" 2>/dev/null || true; done; PIDS=(); sleep 0.5; }

wait_ping() { for _ in $(seq 1 100); do ip netns exec "$P-A" ping -c1 -W1 "$1" >/dev/null 2>&1 && return 0; done; return 1; }

iperf_bps() { # target
  ip netns exec "$P-B" iperf3 -s -1 -D --pidfile "$WORK/iperf.pid" >/dev/null; sleep 0.3
  ip netns exec "$P-A" iperf3 -c "$1" -t "$DURATION" -J 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6)' || echo 0
}

# The median of 50 pings' RTTs (0.1 s apart): on this shared 2-core machine a few pings wait milliseconds for a core,
# and the mean is mostly those; the median is the path's own latency, for the underlay and both systems alike.
avg_rtt() { ip netns exec "$P-A" ping -c 50 -i 0.1 "$1" | awk -F'time=' '/time=/ {split($2,a," "); print a[1]}' | median; }

# Both nodes up and joined (see the header); waits up to 60 s. Prints the seconds it took.
wait_ready() { # system
  local t0=$SECONDS
  for _ in $(seq 1 120); do
    local ok=1
    for ns in A B; do
      if [ "$1" = nebula ]; then
        ip netns exec "$P-$ns" ping -c1 -W1 100.65.0.1 >/dev/null 2>&1 || ok=0
      else
        ip netns exec "$P-$ns" curl -sf -m 1 http://127.0.0.1:8080/health >/dev/null 2>&1 || ok=0
        [ "$(ip netns exec "$P-$ns" curl -s -m 1 http://127.0.0.1:8080/status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["peers"])' 2>/dev/null || echo 0)" -ge 1 ] || ok=0
      fi
    done
    [ $ok = 1 ] && { echo $((SECONDS - t0)); return 0; }
    sleep 0.5
  done
  echo "bench: $1 not ready after 60 s" >&2; return 1
}

first_rtt() { ip netns exec "$P-A" ping -c 1 -W 10 "$1" | awk -F'time=' '/time=/ {split($2,a," "); print a[1]}'; }

nebula_pki() {
  mkdir -p "$WORK/nebula"; cd "$WORK/nebula"
  nebula-cert ca -name bench >/dev/null
  nebula-cert sign -name L -ip 100.65.0.1/16 >/dev/null
  nebula-cert sign -name A -ip 100.65.0.2/16 >/dev/null
  nebula-cert sign -name B -ip 100.65.0.3/16 >/dev/null
  for n in L A B; do
    lh=$([ "$n" = L ] && echo true || echo false)
    hosts=$([ "$n" = L ] && echo "[]" || echo '["100.65.0.1"]')
    cat > "$n.yml" <<YML
pki: { ca: $WORK/nebula/ca.crt, cert: $WORK/nebula/$n.crt, key: $WORK/nebula/$n.key }
static_host_map: { "100.65.0.1": ["10.201.0.1:4242"] }
lighthouse: { am_lighthouse: $lh, interval: 60, hosts: $hosts }
listen: { host: 0.0.0.0, port: 4242 }
punchy: { punch: true }
tun: { dev: nebula1, mtu: 1300 }
logging: { level: warning }
firewall:
  outbound: [ { port: any, proto: any, host: any } ]
  inbound: [ { port: any, proto: any, host: any } ]
YML
  done
  cd - >/dev/null
}

aegis_pki() {
  mkdir -p "$WORK/aegis"; cd "$WORK/aegis"
  $AEGIS mesh ca --name bench --out ca >/dev/null
  i=1
  for n in L A B; do
    $AEGIS mesh cert --ca ca --name "$n" --ip "100.64.0.$i/16" --out . >/dev/null
    type=$([ "$n" = L ] && echo coordinator || echo node)
    coords=$([ "$n" = L ] && echo "[]" || echo '["10.201.0.1:443"]')
    cat > "$n.yaml" <<YML
node_name: "$n"
node_type: $type
listen_port: 443
udp_port: 4242
network: { name: bench, cidr: "100.64.0.0/16" }
coordinators: $coords
pki: { ca_file: $WORK/aegis/ca/ca.crt, cert_file: $WORK/aegis/$n.crt, key_file: $WORK/aegis/$n.key }
security: { use_tls: true, stealth_mode: true, sni: "www.example.com" }
storage: { type: sqlite, path: $WORK/aegis/$n.db }
api: { listen: "127.0.0.1:8080" }
logging: { level: warning }
tun: { mtu: 1300 }
firewall:
  inbound:
    - { proto: any, groups: [any] }
YML
    i=$((i+1))
  done
  cd - >/dev/null
}

run_system() { # system → prints results lines
  local sys=$1 target
  if [ "$sys" = nebula ]; then target=100.65.0.3; else target=100.64.0.3; fi
  local tput=() lat=() first=() blocked=()
  for r in $(seq 1 "$RUNS"); do
    if [ "$sys" = nebula ]; then
      for n in L A B; do start "$n" nebula -config "$WORK/nebula/$n.yml"; done
    else
      for n in L A B; do start "$n" $AEGIS mesh run --config "$WORK/aegis/$n.yaml"; done
    fi
    wait_ready "$sys" >/dev/null || true
    first+=("$(first_rtt "$target" || echo 10000)")
    wait_ping "$target" || true
    tput+=("$(iperf_bps "$target")")
    lat+=("$(avg_rtt "$target")")
    stop_all
    # UDP blocked in all three namespaces, fresh start: Nebula cannot connect; AegisRay falls back to TLS on 443.
    for ns in L A B; do ip netns exec "$P-$ns" nft -f - <<NFT
table inet noudp {
 chain in { type filter hook input priority 0; meta l4proto udp drop; }
 chain out { type filter hook output priority 0; meta l4proto udp drop; }
}
NFT
    done
    if [ "$sys" = nebula ]; then
      for n in L A B; do start "$n" nebula -config "$WORK/nebula/$n.yml"; done
    else
      for n in L A B; do start "$n" $AEGIS mesh run --config "$WORK/aegis/$n.yaml"; done
    fi
    sleep 3
    if ip netns exec "$P-A" ping -c 1 -W 15 "$target" >/dev/null 2>&1; then blocked+=("$(iperf_bps "$target")"); else blocked+=(0); fi
    stop_all
    for ns in L A B; do ip netns exec "$P-$ns" nft delete table inet noudp; done
  done
  echo "$sys throughput_mbit $(printf '%s\n' "${tput[@]}" | median) runs: ${tput[*]}"
  echo "$sys mesh_rtt_ms $(printf '%s\n' "${lat[@]}" | median) runs: ${lat[*]}"
  echo "$sys first_packet_ms $(printf '%s\n' "${first[@]}" | median) runs: ${first[*]}"
  echo "$sys udp_blocked_mbit $(printf '%s\n' "${blocked[@]}" | median) runs: ${blocked[*]}"
}

topology
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); duration ${DURATION}s, runs $RUNS"
under=(); urtt=()
for r in $(seq 1 "$RUNS"); do under+=("$(iperf_bps 10.201.0.3)"); urtt+=("$(avg_rtt 10.201.0.3)"); done
echo "underlay throughput_mbit $(printf '%s\n' "${under[@]}" | median) runs: ${under[*]}"
echo "underlay rtt_ms $(printf '%s\n' "${urtt[@]}" | median) runs: ${urtt[*]}"
nebula_pki
aegis_pki
for sys in $SYSTEMS; do run_system "$sys"; done
echo "aegisray idle peers: $($AEGIS mesh bench-idle --peers 5000)"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
