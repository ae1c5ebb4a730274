# SecureChat / content store tests: Debian's chromium (Playwright drives it), nginx (the static-site test), ipfs-cid
# (a CID oracle), Node.js with the npm oracles and the kubo-rpc-client suite (locked in package-lock.json).
ci_apt chromium nginx ipfs-cid nodejs npm
# nginx's package may start a server on :80 under an init system; the tests start their own by PID.
(cd tests/Aegis.Content.Tests/npm && npm ci --no-audit --no-fund --loglevel=error)
