#!/usr/bin/env bash
# AegisRay: its namespace tests and bench/compare-nebula.sh need iproute2 (namespaces, veth, bridges), nftables
# (UDP blocking, cut links, NAT), ping, curl (the management API from inside a namespace), iperf3 (TCP across the
# mesh), Debian's nebula 1.6.1 (the benchmark's anchor) and promtool (prometheus: checks the /metrics exposition). The tests run as root and use /dev/net/tun.
set -euo pipefail
missing=()
for pkg in iproute2 nftables iputils-ping curl iperf3 nebula procps prometheus; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci: installing ${missing[*]}"
  ci_apt "${missing[@]}"
fi
