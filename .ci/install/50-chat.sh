#!/usr/bin/env bash
# SecureChat / content store tests: Debian's chromium (Playwright drives it), nginx (the static-site test), ipfs-cid
# (a CID oracle), and Node.js with the npm oracles and the kubo-rpc-client suite, locked by package-lock.json.
ci_apt chromium nginx ipfs-cid
# Node.js 20 is part of the machine image; Debian's own (18) only where none is installed.
command -v node >/dev/null 2>&1 || ci_apt nodejs npm
(cd tests/Aegis.Content.Tests/npm && npm ci --no-audit --no-fund --loglevel=error)
