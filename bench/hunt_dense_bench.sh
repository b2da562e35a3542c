#!/bin/bash
# hunt on the logs that used to be slow, each beside its baseline in the same
# run, one core (--threads 1), warm cache, best of REPEAT:
#   benign   an access log (BENIGN_MB MiB) where 5 % of the lines carry a
#            harmless '$' or '%24' (OData $filter/%24top, prices %2450, $HOME)
#            and 0.2 % an attempt; baseline `grep -c -F '${'` (target >= 0.5x)
#   dense    every line an attempt (DENSE_MB MiB, the forms seen in the wild);
#            attempt lines per second per core (target >= 150,000/s) and peak
#            RSS (flat: it must not grow with the attempts)
# Usage: bench/hunt_dense_bench.sh [SCRATCH_DIR=build/hunt-dense-bench]
#   env: BENIGN_MB=480 DENSE_MB=64 REPEAT=3 LOG4SHIELD=build/log4shield
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
dir=${1:-$here/../build/hunt-dense-bench}
benign_mb=${BENIGN_MB:-480}
dense_mb=${DENSE_MB:-64}
repeat=${REPEAT:-3}
[ -x "$bin" ] || { echo "build first: ./scripts/build (or set LOG4SHIELD)" >&2; exit 1; }
mkdir -p "$dir"

params="$benign_mb $dense_mb $(cksum < "$here/gen_hunt_logs.py" | cut -d' ' -f1)"
if [ "$(cat "$dir/params" 2>/dev/null)" != "$params" ]; then
  echo "generating $benign_mb + $dense_mb MiB in $dir ..."
  python3 "$here/gen_hunt_logs.py" "$dir/benign.log" "$benign_mb" 7 --attacks 500 --benign-triggers 5 \
    --access-only > "$dir/benign.planted" &
  python3 "$here/gen_hunt_logs.py" "$dir/dense.log" "$dense_mb" 8 --attacks 1 > "$dir/dense.planted"
  wait
  echo "$params" > "$dir/params"
fi
cat "$dir/benign.log" "$dir/dense.log" > /dev/null  # warm the page cache

best() {  # best wall time of $repeat runs, seconds; output to a file (grep -c reads everything anyway)
  local b="" s e t
  for _ in $(seq "$repeat"); do
    s=$(date +%s%N)
    "$@" > "$dir/out" 2>/dev/null || true
    e=$(date +%s%N)
    t=$(( e - s ))
    if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b / 1000000000" | bc -l
}
hunt=("$bin" hunt --threads 1 --format jsonl -o "$dir/hunt.jsonl")

mib=$(echo "$(stat -c %s "$dir/benign.log") / 1048576" | bc -l)
lines=$(wc -l < "$dir/benign.log")
trigger_lines=$(grep -c -E '\$|%24' "$dir/benign.log" || true)
echo "== benign triggers: $(printf '%.0f' "$mib") MiB, $lines lines, $trigger_lines with '\$' or '%24', $(cat "$dir/benign.planted") attempts"
g=$(best grep -c -F '${' "$dir/benign.log")
h=$(best "${hunt[@]}" "$dir/benign.log")
found=$(grep -c '"type":"detection"' "$dir/hunt.jsonl" || true)
printf '%-34s %7.3f s %8.0f MB/s\n' "grep -c -F '\${'" "$g" "$(echo "$mib / $g" | bc -l)"
printf '%-34s %7.3f s %8.0f MB/s  %.2fx grep, %s detections\n' "log4shield hunt --threads 1" "$h" \
  "$(echo "$mib / $h" | bc -l)" "$(echo "$g / $h" | bc -l)" "$found"

dmib=$(echo "$(stat -c %s "$dir/dense.log") / 1048576" | bc -l)
dlines=$(wc -l < "$dir/dense.log")
echo "== every line an attempt: $(printf '%.0f' "$dmib") MiB, $dlines lines"
g=$(best grep -c -F '${' "$dir/dense.log")
h=$(best "${hunt[@]}" "$dir/dense.log")
found=$(grep -c '"type":"detection"' "$dir/hunt.jsonl" || true)
/usr/bin/time -f '%M' -o "$dir/rss" "${hunt[@]}" "$dir/dense.log" > /dev/null 2>&1 || true
rss=$(tail -1 "$dir/rss")
printf '%-34s %7.3f s %8.0f MB/s\n' "grep -c -F '\${'" "$g" "$(echo "$dmib / $g" | bc -l)"
printf '%-34s %7.3f s %8.0f lines/s/core, %s detections, peak RSS %s KiB\n' "log4shield hunt --threads 1" "$h" \
  "$(echo "$dlines / $h" | bc -l)" "$found" "$rss"
