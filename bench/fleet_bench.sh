#!/bin/bash
# Fleet store benchmark: import the scan reports of N simulated hosts (one
# real `log4shield scan` report of the fixtures, its host renamed per file),
# then time `fleet status` beside a plain sqlite3 count on the same file.
# Usage: bench/fleet_bench.sh [HOSTS=10000] [WORK_DIR=build/bench-fleet]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
hosts=${1:-10000}
work=${2:-$here/../build/bench-fleet}
jars=${FIXTURES:-$here/../../shared/fixtures}/jars/mergebase-log4j-samples
[ -x "$bin" ] || { echo "build first: ./scripts/build" >&2; exit 1; }
[ -d "$jars" ] || { echo "fixtures absent: $jars" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing: apt-get install sqlite3" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/reports"
"$bin" scan --quiet --format json -o "$work/base.json" "$jars" || true
# One file per host: the same report, its "host" line renamed.
awk -v n="$hosts" -v dir="$work/reports" '
  { line[NR] = $0 }
  END {
    for (i = 1; i <= n; i++) {
      f = sprintf("%s/host%05d.json", dir, i)
      for (k = 1; k <= NR; k++) {
        if (line[k] ~ /^  "host": /) print "  \"host\": \"host" sprintf("%05d", i) "\"," > f
        else print line[k] > f
      }
      close(f)
    }
  }' "$work/base.json"
per_host=$(grep -c '"location"' "$work/base.json" || true)
bytes=$(du -sb "$work/reports" | cut -f1)

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
db="$work/fleet.db"
import_s=$(t sh -c "'$bin' fleet import -q --db '$db' '$work'/reports/*.json")
rows=$(sqlite3 "$db" 'select (select count(*) from reports) + (select count(*) from findings) + (select count(*) from scan_errors)')
reimport_s=$(t sh -c "'$bin' fleet import -q --db '$db' '$work'/reports/*.json")
rows_after=$(sqlite3 "$db" 'select (select count(*) from reports) + (select count(*) from findings) + (select count(*) from scan_errors)')
status_s=$(t "$bin" fleet status --db "$db" --format json)
status_text_s=$(t "$bin" fleet status --db "$db")
count_s=$(t sqlite3 "$db" 'select count(*) from findings')
group_s=$(t sqlite3 "$db" "select status, count(distinct host) from findings group by status")

echo "hosts: $hosts, findings per host: $per_host, reports: $(printf '%.0f' "$(echo "$bytes / 1048576" | bc -l)") MiB, $(nproc) cores, $(stat -c %s "$db" | awk '{printf "%.0f", $1/1048576}') MiB store"
printf '%-44s %8.2f s %10.0f rows/s %8.0f reports/s\n' "fleet import (SQLite, $rows rows)" "$import_s" \
  "$(echo "$rows / $import_s" | bc -l)" "$(echo "$hosts / $import_s" | bc -l)"
printf '%-44s %8.2f s %10s\n' "fleet import again (idempotent: +$((rows_after - rows)) rows)" "$reimport_s" ""
printf '%-44s %8.3f s\n' "fleet status --format json" "$status_s"
printf '%-44s %8.3f s\n' "fleet status (text)" "$status_text_s"
printf '%-44s %8.3f s\n' "sqlite3 'select count(*) from findings'" "$count_s"
printf '%-44s %8.3f s\n' "sqlite3 'select status, count(distinct host)'" "$group_s"
echo "exposed hosts: status says $("$bin" fleet status --db "$db" --format json | grep -m1 '"hosts_exposed"' | tr -dc 0-9)," \
  "sqlite3 says $(sqlite3 "$db" "select count(distinct host) from findings where status='vulnerable'")"

# The same on a throwaway PostgreSQL server (unix socket only), when its binaries are here.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ "${FLEET_BENCH_PG:-1}" != 0 ]; then
  pg="$work/pg"
  mkdir -p "$pg"
  as=""
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg"; as="runuser -u postgres --"; fi
  $as "$pgbin/initdb" -D "$pg/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
  $as "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-k $pg -c listen_addresses='' -p 5432 -F" start >/dev/null
  trap '$as "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
  uri="postgresql:///postgres?host=$pg&port=5432&user=postgres"
  pg_import_s=$(t sh -c "'$bin' fleet import -q --db '$uri' '$work'/reports/*.json")
  pg_status_s=$(t "$bin" fleet status --db "$uri")
  pg_count_s=$(t psql -h "$pg" -U postgres -Atc 'select count(*) from findings')
  printf '%-44s %8.2f s %10.0f rows/s %8.0f reports/s\n' "fleet import (PostgreSQL $(basename "$(dirname "$pgbin")"))" \
    "$pg_import_s" "$(echo "$rows / $pg_import_s" | bc -l)" "$(echo "$hosts / $pg_import_s" | bc -l)"
  printf '%-44s %8.3f s\n' "fleet status (text, PostgreSQL)" "$pg_status_s"
  printf '%-44s %8.3f s\n' "psql 'select count(*) from findings'" "$pg_count_s"
fi
