#!/bin/bash
# The static release binary copied ALONE into an empty directory used as a
# chroot (no /lib, /usr, /etc; /proc only for the subcase that needs it) must
# find what the dynamic build finds outside it:
#   scan of a few fixture jars (plain, nested in a tar.gz, a tar.xz and a zip)
#   hunt of a generated log, plain and gzip/bzip2/xz/zstd, a zip of them, and
#        gzip on stdin (ISA-L's streaming inflater)
#   scan --processes with /proc mounted in a private mount namespace
#   probe by host name (libcurl through the wrapped getaddrinfo), no /etc
#   fleet import on SQLite, and on PostgreSQL at localhost (libpq)
# Findings and detections JSON are compared with tool/host/timestamps/timings
# removed.
#
# Usage: tests/static/chroot_test.sh BINARY DYNAMIC_BINARY FIXTURES SCRATCH
# Exit 0 pass, 1 fail, 77 skipped (not root, or no fixtures).
set -uo pipefail
static=$(realpath "$1") dynamic=$(realpath "$2") fixtures=$(realpath "$3") scratch=$(realpath -m "$4")
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: chroot needs root"; exit 77; }
[ -d "$fixtures/jars" ] || { echo "SKIP: no fixtures at $fixtures"; exit 77; }
file "$static" | grep -q 'statically linked' || { echo "FAIL: $static is not statically linked"; exit 1; }

rm -rf "$scratch"
root=$scratch/root        # the chroot: the binary and the inputs, nothing else
out=$scratch/outside      # the same inputs for the dynamic build
mkdir -p "$root" "$out"
cp "$static" "$root/log4shield"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- inputs (identical relative paths in both trees) ----
make_inputs() {
  local d=$1
  mkdir -p "$d/data/jars" "$d/data/nested" "$d/logs"
  local j
  for j in \
    pfichtner-log4shell-hunter/src/test/resources/log4jars/log4j-core-2.8.1.jar \
    pfichtner-log4shell-hunter/src/test/resources/log4jars/log4j-core-2.0-beta4.jar \
    pfichtner-log4shell-hunter/src/test/resources/log4jars/log4j-core-2.23.0.jar \
    debian/x/liblog4j1.2-java/usr/share/java/log4j-1.2-1.2.17.jar \
    debian/x/liblogback-java/usr/share/java/logback-classic.jar \
    debian/x/liblog4j2-java/usr/share/java/log4j-api.jar; do
    [ -f "$fixtures/jars/$j" ] && cp "$fixtures/jars/$j" "$d/data/jars/"
  done
  (cd "$d/data/jars" && tar czf ../nested/app.tar.gz log4j-core-2.8.1.jar log4j-1.2-1.2.17.jar 2>/dev/null)
  (cd "$d/data/jars" && tar cJf ../nested/app.tar.xz log4j-core-2.0-beta4.jar 2>/dev/null)
  (cd "$d/data/jars" && zip -q -0 ../nested/app.war log4j-core-2.23.0.jar logback-classic.jar 2>/dev/null)
  cp "$scratch/app.log" "$d/logs/app.log"
  gzip -6 -c "$scratch/app.log" >"$d/logs/app.log.1.gz"
  bzip2 -c "$scratch/app.log" >"$d/logs/app.log.2.bz2"
  xz -c "$scratch/app.log" >"$d/logs/app.log.3.xz"
  zstd -q -c "$scratch/app.log" >"$d/logs/app.log.4.zst"
  (cd "$d/logs" && zip -q bundle.zip app.log app.log.1.gz)
}
python3 "$here/../../bench/gen_hunt_logs.py" "$scratch/app.log" 4 42 --attacks 300 >/dev/null
make_inputs "$root"
make_inputs "$out"
[ "$(ls "$out/data/jars" | wc -l)" -ge 3 ] || { echo "SKIP: fixture jars missing"; exit 77; }

# normalize FILE: the JSON without what differs between runs and hosts.
normalize() {
  python3 - "$1" <<'PY'
import json, sys
# bytes_read counts what libarchive's format bidders peeked too: the static
# libarchive registers no lz4 bidder, so a tar.gz reads a few bytes fewer.
DROP = {"tool", "host", "started", "finished", "seconds", "elapsed", "duration", "wall_seconds",
        "mib_per_s", "throughput", "gzip_inflater", "bytes_read"}
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
with open(sys.argv[1]) as f:
    print(json.dumps(clean(json.load(f)), indent=1, sort_keys=True))
PY
}

# compare NAME ARGS...: the same command in the chroot (static) and outside
# (dynamic), same relative paths, same exit code, same normalized JSON.
compare() {
  local name=$1; shift
  chroot "$root" /log4shield "$@" >"$scratch/$name.static.json" 2>"$scratch/$name.static.err"
  local rs=$?
  (cd "$out" && "$dynamic" "$@" >"$scratch/$name.dynamic.json" 2>"$scratch/$name.dynamic.err")
  local rd=$?
  if [ "$rs" != "$rd" ]; then fail "$name: exit $rs static, $rd dynamic ($(head -c 300 "$scratch/$name.static.err"))"; return; fi
  if ! normalize "$scratch/$name.static.json" >"$scratch/$name.static.norm" 2>"$scratch/$name.norm.err"; then
    fail "$name: static output is not JSON ($(head -c 300 "$scratch/$name.static.err"))"; return
  fi
  normalize "$scratch/$name.dynamic.json" >"$scratch/$name.dynamic.norm"
  if ! diff -q "$scratch/$name.static.norm" "$scratch/$name.dynamic.norm" >/dev/null; then
    fail "$name: static and dynamic differ:"
    diff "$scratch/$name.static.norm" "$scratch/$name.dynamic.norm" | head -20
    return
  fi
  echo "ok: $name (exit $rs, $(wc -c <"$scratch/$name.static.norm") bytes of JSON)"
}

# The chroot holds nothing but the binary and the inputs.
for d in lib lib64 usr etc bin proc; do [ ! -e "$root/$d" ] || fail "chroot has /$d"; done

compare scan_jars scan --format json -j1 data/jars
compare scan_nested scan --format json -j1 data
compare hunt_plain hunt --format json -j1 logs/app.log
compare hunt_compressed hunt --format json -j1 logs
# gzip on stdin streams through ISA-L's igzip.
gz_stdin() {
  chroot "$root" /log4shield hunt --format json - <"$out/logs/app.log.1.gz" >"$scratch/hunt_stdin.static.json" 2>&1
  local rs=$?
  "$dynamic" hunt --format json - <"$out/logs/app.log.1.gz" >"$scratch/hunt_stdin.dynamic.json" 2>&1
  local rd=$?
  if [ "$rs" != "$rd" ] || ! diff -q <(normalize "$scratch/hunt_stdin.static.json") \
        <(normalize "$scratch/hunt_stdin.dynamic.json") >/dev/null; then
    fail "hunt_stdin: static (exit $rs) and dynamic (exit $rd) differ"
  else
    echo "ok: hunt_stdin (exit $rs)"
  fi
}
gz_stdin
grep -q '"line"' "$scratch/hunt_plain.static.json" || fail "hunt found no detection at all"
grep -q '"vulnerable"' "$scratch/scan_jars.static.json" || fail "scan found nothing vulnerable"

# ---- /proc: scan --processes in a private mount namespace ----
if unshare -m true 2>/dev/null; then
  mkdir -p "$root/proc"
  unshare -m sh -c "mount -t proc proc '$root/proc' && chroot '$root' /log4shield scan --processes --format json" \
    >"$scratch/processes.json" 2>"$scratch/processes.err"
  rc=$?
  rmdir "$root/proc" 2>/dev/null
  if [ "$rc" -gt 2 ] || ! normalize "$scratch/processes.json" >/dev/null 2>&1; then
    fail "scan --processes in the chroot: exit $rc ($(head -c 300 "$scratch/processes.err"))"
  else
    echo "ok: scan --processes with /proc (exit $rc)"
  fi
else
  echo "skip: scan --processes (unshare -m not permitted here)"
fi

# ---- host names without NSS (users and groups: core/accounts_test) ----
# probe through libcurl (threaded resolver -> the wrapped getaddrinfo) with
# no /etc at all: "localhost" and a numeric host reach a loopback HTTP server,
# a name without DNS is unreachable, not a crash.
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$scratch" >/dev/null 2>&1 &
httpd=$!
sleep 1
chroot "$root" /log4shield probe --db /probe.db --wait 0 --timeout 5 \
  "http://localhost:$port/" "http://127.0.0.1:$port/" "http://no-such-host.invalid:$port/" \
  >"$scratch/probe.out" 2>&1
rc=$?
kill "$httpd" 2>/dev/null; wait "$httpd" 2>/dev/null
rm -f "$root/probe.db"
if [ "$(grep -c 'HTTP 200' "$scratch/probe.out")" -ne 2 ] || ! grep -q 'invalid.*UNREACHABLE' "$scratch/probe.out"; then
  fail "probe by name in the chroot (exit $rc): $(tail -c 400 "$scratch/probe.out")"
else
  echo "ok: probe localhost and 127.0.0.1 answered, an unknown name unreachable (exit $rc)"
fi

# ---- fleet on SQLite and on PostgreSQL by host name (libpq through the
# wrapped getaddrinfo and getpwuid), from the chroot ----
cp "$scratch/scan_jars.static.json" "$root/web01.json"
if chroot "$root" /log4shield fleet import --db /fleet.db /web01.json >"$scratch/fleet_sqlite.out" 2>&1; then
  echo "ok: fleet import on SQLite"
else
  fail "fleet import on SQLite: $(tail -c 300 "$scratch/fleet_sqlite.out")"
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
if [ -n "$pgbin" ] && id postgres >/dev/null 2>&1; then
  pg=$scratch/pg pgport=$((20000 + RANDOM % 20000))
  mkdir -p "$pg" && chown postgres "$pg"
  if su postgres -c "$pgbin/initdb -D $pg/data -A trust -U postgres >/dev/null && $pgbin/pg_ctl -D $pg/data -o '-p $pgport -k $pg -c listen_addresses=127.0.0.1' -l $pg/log -w start >/dev/null"; then
    url=postgresql://postgres@localhost:$pgport/postgres
    chroot "$root" /log4shield fleet import --db "$url" /web01.json >"$scratch/fleet_pg.out" 2>&1
    rc=$?
    # status exits 1 when a host is exposed (web01 is)
    chroot "$root" /log4shield fleet status --db "$url" --format json >"$scratch/fleet_pg.json" 2>>"$scratch/fleet_pg.out"
    su postgres -c "$pgbin/pg_ctl -D $pg/data -m fast -w stop" >/dev/null
    if [ "$rc" -eq 0 ] && grep -q '"hosts_exposed": 1' "$scratch/fleet_pg.json"; then
      echo "ok: fleet import and status on PostgreSQL at localhost"
    else
      fail "fleet on PostgreSQL (exit $rc): $(tail -c 300 "$scratch/fleet_pg.out")"
    fi
  else
    echo "skip: fleet on PostgreSQL (initdb or pg_ctl failed)"
  fi
else
  echo "skip: fleet on PostgreSQL (no PostgreSQL server binaries)"
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s); outputs in $scratch"
  exit 1
fi
echo "PASS: static binary alone in a chroot matches the dynamic build"
