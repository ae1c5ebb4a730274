#!/usr/bin/env bash
# Monitoring and deploy kits (tests/Aegis.Kits.Tests): promtool (Debian's prometheus), yamllint, shellcheck,
# systemd-analyze (systemd), logrotate, docker-compose (validates the compose files; no engine is needed),
# kubectl (Debian's kubernetes-client, when none is installed) for `kubectl kustomize`, and the Kubernetes Python
# client whose generated models are the API schema the manifests are checked against.
set -euo pipefail
kits_missing=()
command -v promtool >/dev/null 2>&1 || kits_missing+=(prometheus)
command -v yamllint >/dev/null 2>&1 || kits_missing+=(yamllint)
command -v shellcheck >/dev/null 2>&1 || kits_missing+=(shellcheck)
command -v systemd-analyze >/dev/null 2>&1 || kits_missing+=(systemd)
command -v logrotate >/dev/null 2>&1 || kits_missing+=(logrotate)
command -v docker-compose >/dev/null 2>&1 || kits_missing+=(docker-compose)
command -v kubectl >/dev/null 2>&1 || kits_missing+=(kubernetes-client)
/usr/bin/python3 -c 'import kubernetes, yaml' >/dev/null 2>&1 || kits_missing+=(python3-kubernetes python3-yaml)
if [ "${#kits_missing[@]}" -gt 0 ]; then
  echo "ci: installing ${kits_missing[*]}"
  ci_apt "${kits_missing[@]}"
fi
