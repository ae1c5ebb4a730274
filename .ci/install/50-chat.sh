#!/usr/bin/env bash
# SecureChat / content store tests: Debian's chromium (Playwright drives it), nginx (the static-site test), ipfs-cid
# (a CID oracle), and Node.js with the npm oracles and the kubo-rpc-client suite, locked by package-lock.json.
# Chromium comes from 20-browser.sh. Only what is missing is installed, so a machine that has it all skips apt.
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v ipfs-cid >/dev/null 2>&1 || missing+=(ipfs-cid)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci: installing ${missing[*]}"
  ci_apt "${missing[@]}"
fi
# Node.js 20 is part of the machine image; Debian's own (18) only where none is installed.
command -v node >/dev/null 2>&1 || ci_apt nodejs npm
(cd tests/Aegis.Content.Tests/npm && npm ci --no-audit --no-fund --loglevel=error)
