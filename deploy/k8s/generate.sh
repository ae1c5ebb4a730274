#!/usr/bin/env bash
# Writes what kustomization.yaml needs and the repository never holds: a genesis and one identity key per pod
# (`aegis testnet --hosts 'aegis-{i}.aegis'`: validator i is pod aegis-<i> under the headless Service "aegis"), and
# secrets.env with a random JWT secret. Run once per cluster; rerunning refuses to replace an existing chain.
# AEGIS names the aegis executable (default: `aegis` on PATH).
set -euo pipefail
cd "$(dirname "$0")"
aegis="${AEGIS:-aegis}"
if [ -f testnet/genesis.json ]; then
  echo "generate.sh: testnet/genesis.json exists; delete testnet/ and secrets.env to start a new chain" >&2
  exit 1
fi
"$aegis" testnet --validators 4 --hosts 'aegis-{i}.aegis' --base-port 26600 --dir testnet
umask 077
printf 'AEGIS_JWT_SECRET=%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > secrets.env
echo "wrote testnet/ and secrets.env; now: kubectl apply -k $(pwd)"
