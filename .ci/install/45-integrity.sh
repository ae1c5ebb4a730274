#!/usr/bin/env bash
# Integrity tests (tests/Aegis.Cluster.Tests IntegrityTests): Debian's sqlite3 CLI rewrites a stopped node's value;
# mount/umount (util-linux, essential) mount the size-limited tmpfs of the disk-full test (CI runs as root).
set -euo pipefail
command -v sqlite3 >/dev/null 2>&1 || ci_apt sqlite3
