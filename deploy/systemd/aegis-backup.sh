#!/usr/bin/env bash
# Run by aegis-backup.service: one `aegis backup` into AEGIS_BACKUP_DIR, named by UTC time, then keeps the newest
# AEGIS_BACKUP_KEEP backups. A failed backup leaves no partial file behind and fails the unit (so it is visible in
# `systemctl --failed` and the journal).
set -euo pipefail
config="${AEGIS_CONFIG:-/etc/aegis/config.yaml}"
dir="${AEGIS_BACKUP_DIR:-/var/backups/aegis}"
keep="${AEGIS_BACKUP_KEEP:-14}"
aegis="${AEGIS:-/usr/local/bin/aegis}"
case "$keep" in
  '' | *[!0-9]*) echo "aegis-backup: AEGIS_BACKUP_KEEP=$keep is not a number" >&2; exit 2 ;;
esac
mkdir -p "$dir"
name="aegis-$(date -u +%Y%m%dT%H%M%SZ).backup"
tmp="$dir/.$name.partial"
trap 'rm -f "$tmp"' EXIT
"$aegis" backup --config "$config" --out "$tmp"
mv "$tmp" "$dir/$name"
echo "aegis-backup: wrote $dir/$name"
# Newest first; everything past the first $keep goes.
find "$dir" -maxdepth 1 -name 'aegis-*.backup' -printf '%T@ %p\n' | sort -rn | tail -n +"$((keep + 1))" | cut -d' ' -f2- |
  while IFS= read -r old; do
    rm -f -- "$old"
    echo "aegis-backup: removed $old"
  done
