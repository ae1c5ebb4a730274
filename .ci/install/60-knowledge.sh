# Knowledge service: Qdrant's JavaScript client for tests/Aegis.Knowledge.Tests (QdrantClientTests), from the
# committed package-lock.json. Node is on the CI machine; a bare Debian gets it from its own packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ci_apt nodejs npm
fi
(cd tests/Aegis.Knowledge.Tests/Qdrant/client && npm ci --no-audit --no-fund --loglevel=error)
