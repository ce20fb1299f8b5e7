#!/usr/bin/env bash
# Restore drill: load a dump into a scratch database and print every table's row count,
# to compare with production (docs/deploy.md, Backups). Run it as a MariaDB administrator:
#
#   deploy/restore-drill.sh /var/backups/hub/hub-2026-05-01.sql.zst [scratch database]
#
# HUB_RESTORE_CNF names an option file for the connection (default: the caller's own,
# e.g. root over the socket). The scratch database is replaced, never the live one.
set -euo pipefail

dump=$1
scratch=${2:-hub_restore_drill}
if [[ ! $scratch =~ ^[A-Za-z0-9_]+$ || $scratch == hub ]]; then
  echo "restore-drill: the scratch database must be a plain name other than hub" >&2
  exit 2
fi
sql=(mariadb)
[[ -n ${HUB_RESTORE_CNF:-} ]] && sql=(mariadb --defaults-extra-file="$HUB_RESTORE_CNF")

"${sql[@]}" -e "DROP DATABASE IF EXISTS \`$scratch\`;
  CREATE DATABASE \`$scratch\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
zstd -dc "$dump" | "${sql[@]}" --default-character-set=utf8mb4 "$scratch"

tables=$("${sql[@]}" -N -B -e "SELECT table_name FROM information_schema.tables
  WHERE table_schema = '$scratch' ORDER BY table_name")
for table in $tables; do
  printf '%s\t%s\n' "$table" "$("${sql[@]}" -N -B -e "SELECT COUNT(*) FROM \`$scratch\`.\`$table\`")"
done
echo "restore-drill: $dump restored into $scratch" >&2
