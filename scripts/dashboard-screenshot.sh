#!/usr/bin/env bash
# Regenerates docs/dashboard.png (the README's screenshot): runs the Chromium dashboard test against a real 4-validator
# cluster under load, which saves a full-page screenshot right after it has killed one validator. Needs Debian's
# chromium (apt-get install chromium, or .ci/install/20-browser.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/dashboard.png}"
mkdir -p "$(dirname "$out")"
AEGIS_DASHBOARD_SCREENSHOT="$(realpath "$out")" dotnet test tests/Aegis.Cluster.Tests -c Release \
  --filter "FullyQualifiedName~Aegis.Cluster.Tests.Dashboard.DashboardBrowserTests" --logger "console;verbosity=normal"
echo "wrote $out"
