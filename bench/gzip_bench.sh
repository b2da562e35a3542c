#!/bin/bash
# hunt of one large single-member .gz, from the file and from a pipe, beside
# `gzip -dc > /dev/null` of the same file in the same run (warm cache).
# The log: bench/gen_hunt_logs.py, MB MiB (default 500) with one attack line
# in about a thousand, gzip -6 into one member. Each figure is the best of
# REPEAT runs; MB/s are MiB of decompressed text per second.
# Usage: bench/gzip_bench.sh [SCRATCH_DIR=build/gzip-bench]
#   env: MB=500 REPEAT=3 LOG4SHIELD=build/log4shield
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
dir=${1:-$here/../build/gzip-bench}
mb=${MB:-500}
repeat=${REPEAT:-3}
[ -x "$bin" ] || { echo "build first: ./scripts/build (or set LOG4SHIELD)" >&2; exit 1; }
mkdir -p "$dir"

params="$mb $(cksum < "$here/gen_hunt_logs.py" | cut -d' ' -f1)"
if [ ! -f "$dir/big.log.gz" ] || [ "$(cat "$dir/params" 2>/dev/null)" != "$params" ]; then
  echo "generating $mb MiB in $dir ..."
  python3 "$here/gen_hunt_logs.py" "$dir/big.log" "$mb" 7 --attacks 1000 > "$dir/planted"
  gzip -6 -c "$dir/big.log" > "$dir/big.log.gz"  # one member
  rm -f "$dir/big.log"
  echo "$params" > "$dir/params"
fi
gz="$dir/big.log.gz"
text_bytes=$(gzip -dc "$gz" | wc -c)
mib=$(echo "$text_bytes / 1048576" | bc -l)
cat "$gz" > /dev/null  # warm the page cache

# Best wall time of $repeat runs, in seconds (output to a file: the hunt
# report; `gzip -dc` to /dev/null).
best() {
  local b="" s e t
  for _ in $(seq "$repeat"); do
    s=$(date +%s%N)
    "$@" 2>/dev/null || true
    e=$(date +%s%N)
    t=$(( e - s ))
    if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b / 1000000000" | bc -l
}
row() { printf '%-44s %7.3f s %8.0f MB/s\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)"; }

echo "$(printf '%.0f' "$mib") MiB of text in one gzip member ($(( $(wc -c < "$gz") / 1048576 )) MiB), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), best of $repeat"
z=$(best sh -c "gzip -dc '$gz' > /dev/null")
hf=$(best sh -c "'$bin' hunt -f jsonl -o '$dir/file.jsonl' '$gz'")
hp=$(best sh -c "cat '$gz' | '$bin' hunt -f jsonl -o '$dir/pipe.jsonl' -")
row "gzip -dc > /dev/null" "$z"
row "log4shield hunt FILE.gz" "$hf"
row "cat FILE.gz | log4shield hunt -" "$hp"
printf 'hunt/gzip -dc: %.2fx from the file, %.2fx from a pipe\n' "$(echo "$z / $hf" | bc -l)" "$(echo "$z / $hp" | bc -l)"

summary() { tail -n 1 "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["attempts"], s["stats"]["errors"])'; }
read -r af ef <<< "$(summary "$dir/file.jsonl")"
read -r ap ep <<< "$(summary "$dir/pipe.jsonl")"
echo "planted payload lines: $(cat "$dir/planted"); attempts: $af file, $ap pipe; errors: $ef/$ep"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "peak RSS (file): %M KiB" "$bin" hunt -o /dev/null "$gz" 2>&1 >/dev/null | tail -1 || true
fi
