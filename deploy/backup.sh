#!/usr/bin/env bash
# Nightly dump of hub's MariaDB database to one zstd file per day (docs/deploy.md, Backups).
#
#   HUB_BACKUP_CNF=/etc/hub/backup.cnf HUB_BACKUP_DIR=/var/backups/hub deploy/backup.sh
#
# The option file holds the `backup` account ([client] host, user, password), so the password
# never shows in `ps`. A dump, compression or check that fails exits non-zero and leaves no
# new file: an empty or cut-off dump must never pass for a backup.
set -euo pipefail

cnf=${HUB_BACKUP_CNF:-/etc/hub/backup.cnf}
database=${HUB_BACKUP_DATABASE:-hub}
dir=${HUB_BACKUP_DIR:-/var/backups/hub}
keep_days=${HUB_BACKUP_KEEP_DAYS:-7}

out="$dir/$database-$(date +%F).sql.zst"
partial=$(mktemp "$dir/.$database.XXXXXX")
trap 'rm -f "$partial"' EXIT

# --single-transaction: a consistent InnoDB snapshot without locking hub's tables.
# --no-tablespaces: hub has none, and dumping them needs the PROCESS privilege on MySQL 8.
mariadb-dump --defaults-extra-file="$cnf" --single-transaction --quick --triggers \
    --no-tablespaces --default-character-set=utf8mb4 "$database" \
  | zstd -q -T0 -o "$partial" -f

# mariadb-dump's last line says it finished; a dump cut short lacks it.
zstd -q -t "$partial"
last=$(zstd -dc "$partial" | tail -n 1)
if [[ $last != "-- Dump completed"* ]]; then
  echo "backup: $out: the dump is incomplete (last line: ${last:0:80})" >&2
  exit 1
fi

mv "$partial" "$out"
find "$dir" -maxdepth 1 -name "$database-*.sql.zst" -mtime +"$keep_days" -delete
echo "backup: $out ($(stat -c %s "$out") bytes)"
