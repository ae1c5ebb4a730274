#!/usr/bin/env bash
# Debian's Chromium for the dashboard test (tests/Aegis.Cluster.Tests/Dashboard), driven by Microsoft.Playwright: its
# driver ships inside the NuGet package and is pointed at /usr/bin/chromium, so no browser is ever downloaded.
# fonts-dejavu-core gives the page (and the README screenshot) real glyphs without the recommended font bundle.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "ci: installing chromium"
  ci_apt chromium fonts-dejavu-core
fi
