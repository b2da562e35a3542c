#!/bin/bash
# --max-read-rate: scan and hunt throughput under caps of 50 and 200 MiB/s,
# against the cap and against the uncapped run, same files, warm cache.
# Corpus (generated once under the build folder, kept): SIZE_MIB of logs as
# 64 MiB files for hunt; for scan as many 64 MiB tar.zst distributions of
# binaries (a compressed tar is read whole; of a loose log or a plain tar
# scan reads only what decides, which no cap slows).
# Throughput: the bytes the process read (rchar of /proc/PID/io, taken when
# it has exited and before it is reaped) over its wall time, start-up included.
# Usage: bench/throttle_bench.sh [SCRATCH_DIR=build/throttle-bench]
#   env: SIZE_MIB=1024 CAPS="50 200" LOG4SHIELD=build/log4shield
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
dir=${1:-$here/../build/throttle-bench}
size=${SIZE_MIB:-1024}
caps=${CAPS:-50 200}
[ -x "$bin" ] || { echo "build first: ./scripts/build (or set LOG4SHIELD)" >&2; exit 1; }
files=$((size / 64))
mkdir -p "$dir/logs" "$dir/dists"

if [ "$(cat "$dir/params" 2>/dev/null)" != "$size" ]; then
  rm -f "$dir"/logs/* "$dir"/dists/*
  echo "generating $files x 64 MiB of logs and of tar.zst in $dir ..." >&2
  python3 "$here/gen_hunt_logs.py" "$dir/seed.log" 64 1 --attacks 5000 > /dev/null
  for i in $(seq -w 1 "$files"); do
    cp "$dir/seed.log" "$dir/logs/app-$i.log"
    mkdir -p "$dir/tmp/opt/app-$i"
    head -c 64M /dev/urandom > "$dir/tmp/opt/app-$i/app.bin"
    tar -C "$dir/tmp" -cf - "opt/app-$i" | zstd -q -1 -o "$dir/dists/app-$i.tar.zst"
    rm -rf "$dir/tmp"
  done
  rm -f "$dir/seed.log"
  echo "$size" > "$dir/params"
fi

# measure CAP UNCAPPED_RATE CMD...: one table row.
measure() {
  python3 - "$@" <<'PY'
import os, subprocess, sys, time
cap, free, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: its counters stay
secs = time.monotonic() - t0
io = dict(line.split(": ") for line in open(f"/proc/{p.pid}/io").read().splitlines())
p.wait()
mib = int(io["rchar"]) / 1048576
rate = mib / secs
name = cmd[1]
if cap == "-":
    print(f"| {name} | uncapped | {mib:,.0f} | {secs:.2f} | {rate:,.1f} | - | - |")
else:
    print(f"| {name} | {cap} MiB/s | {mib:,.0f} | {secs:.2f} | {rate:,.1f} | {rate / float(cap):.3f} | {rate / free:.2f} |")
PY
}

cat "$dir"/logs/* "$dir"/dists/* > /dev/null  # warm the cache
echo "| command | cap | MiB read | seconds | MiB/s | of the cap | of uncapped |"
echo "|---|---|---:|---:|---:|---:|---:|"
for cmd in scan hunt; do
  if [ "$cmd" = scan ]; then args=(scan -q "$dir/dists"); else args=(hunt -f jsonl "$dir/logs"); fi
  row=$(measure - 0 "$bin" "${args[@]}")
  echo "$row"
  free=$(echo "$row" | awk -F'|' '{gsub(/[ ,]/, "", $6); print $6}')
  for cap in $caps; do
    measure "$cap" "$free" "$bin" "${args[@]}" --max-read-rate "$cap"
  done
done
