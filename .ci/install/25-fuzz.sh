#!/usr/bin/env bash
# afl++ and the SharpFuzz instrumentation tool for the fuzzing smoke run (tests/Aegis.Fuzz.Tests, fuzz/run.sh).
# The tool is a local dotnet tool pinned in fuzz/.config/dotnet-tools.json.
set -euo pipefail
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "ci: installing afl++"
  ci_apt afl++
fi
(cd fuzz && dotnet tool restore >/dev/null)
