#!/bin/bash
# hunt throughput beside baselines on the same files, warm cache, same run:
#   grep -c -F '${'   the literal prefilter baseline (plain text)
#   gzip -dc          decompression alone (gzip files)
#   unzip -p          the same logs in one zip
#   log4shield hunt   with 1 thread and with all cores
# The corpus: FILES_EACH clean and FILES_EACH attack-sprinkled logs of
# FILE_MB MiB each (default 8 + 8 x 64 MiB = 1 GiB of text), plain and gzip -6.
# MB/s are of decompressed text (MiB/s); each figure is the best of REPEAT runs.
# Usage: bench/hunt_bench.sh [SCRATCH_DIR=build/hunt-bench]
#   env: FILES_EACH=8 FILE_MB=64 REPEAT=3 LOG4SHIELD=build/log4shield
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
dir=${1:-$here/../build/hunt-bench}
each=${FILES_EACH:-8}
file_mb=${FILE_MB:-64}
repeat=${REPEAT:-3}
cores=$(nproc)
[ -x "$bin" ] || { echo "build first: ./scripts/build (or set LOG4SHIELD)" >&2; exit 1; }
mkdir -p "$dir/plain" "$dir/gz"

# Generate (once; kept for later runs) ------------------------------------------
params="$each $file_mb $(cksum < "$here/gen_hunt_logs.py" | cut -d' ' -f1)"
if [ ! -f "$dir/planted" ] || [ "$(cat "$dir/params" 2>/dev/null)" != "$params" ]; then
  rm -f "$dir"/plain/* "$dir"/gz/* "$dir/planted"
  echo "generating $((2 * each)) x $file_mb MiB in $dir ..."
  for i in $(seq -w 1 "$each"); do
    echo "python3 '$here/gen_hunt_logs.py' '$dir/plain/clean-$i.log' $file_mb $((10#$i)) > /dev/null"
    echo "python3 '$here/gen_hunt_logs.py' '$dir/plain/attack-$i.log' $file_mb $((100 + 10#$i)) --attacks 1000 >> '$dir/planted.parts.$i'"
  done | xargs -P "$cores" -I{} sh -c '{}'
  cat "$dir"/planted.parts.* | awk '{s+=$1} END {print s}' > "$dir/planted"
  rm -f "$dir"/planted.parts.*
  ls "$dir"/plain | xargs -P "$cores" -I{} sh -c "gzip -6 -c '$dir/plain/{}' > '$dir/gz/{}.gz'"
  echo "$params" > "$dir/params"
fi

plain_bytes=$(cat "$dir"/plain/* | wc -c)
gz_bytes=$(cat "$dir"/gz/* | wc -c)
mib=$(echo "$plain_bytes / 1048576" | bc -l)
cat "$dir"/plain/* "$dir"/gz/* > /dev/null  # warm the page cache

# Best wall time of $repeat runs, in seconds. `best file CMD` sends the output
# to a file (GNU grep stops at the first match when its output is /dev/null),
# `best null CMD` to /dev/null.
best() {
  local b="" s e t out=/dev/null
  [ "$1" = file ] && out="$dir/out"
  shift
  for _ in $(seq "$repeat"); do
    s=$(date +%s%N)
    "$@" > "$out" 2>/dev/null || true
    e=$(date +%s%N)
    t=$(( e - s ))
    if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b / 1000000000" | bc -l
}
row() { printf '%-40s %7.3f s %8.0f MB/s\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)"; }

echo "corpus: $((2 * each)) files, $(printf '%.0f' "$mib") MiB of text ($(echo "$gz_bytes / 1048576" | bc) MiB gzip), $cores cores, best of $repeat"
echo "-- plain text"
g1=$(best file sh -c "grep -c -F '\${' $dir/plain/*")
h1=$(best null "$bin" hunt -j1 -f jsonl -o "$dir/hunt.jsonl" "$dir/plain")
gn=$(best file sh -c "ls $dir/plain/* | xargs -P $cores -n 1 grep -c -F '\${'")
hn=$(best null "$bin" hunt -j"$cores" -f jsonl -o "$dir/hunt.jsonl" "$dir/plain")
row "grep -c -F '\${' (1 core)" "$g1"
row "log4shield hunt -j1" "$h1"
row "grep -c -F '\${' (xargs -P $cores)" "$gn"
row "log4shield hunt -j$cores" "$hn"
printf 'hunt/grep: %.2fx on one core, %.2fx on %d cores\n' "$(echo "$g1 / $h1" | bc -l)" "$(echo "$gn / $hn" | bc -l)" "$cores"
echo "-- gzip"
z1=$(best null sh -c "gzip -dc $dir/gz/*")
hz1=$(best null "$bin" hunt -j1 -f jsonl -o "$dir/hunt-gz.jsonl" "$dir/gz")
zn=$(best null sh -c "ls $dir/gz/* | xargs -P $cores -n 1 gzip -dc")
hzn=$(best null "$bin" hunt -j"$cores" -f jsonl -o "$dir/hunt-gz.jsonl" "$dir/gz")
row "gzip -dc (1 core)" "$z1"
row "log4shield hunt -j1 (.gz)" "$hz1"
row "gzip -dc (xargs -P $cores)" "$zn"
row "log4shield hunt -j$cores (.gz)" "$hzn"
printf 'hunt/gzip -dc: %.2fx on one core, %.2fx on %d cores\n' "$(echo "$z1 / $hz1" | bc -l)" "$(echo "$zn / $hzn" | bc -l)" "$cores"

summary() { tail -n 1 "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["attempts"], s["stats"]["errors"])'; }

# One zip holding every log (deflate -6): a zip is one input, hunted member by
# member on one core, beside unzip -p of the same archive.
zip_attempts=skipped
if command -v zip > /dev/null && command -v unzip > /dev/null; then
  [ -f "$dir/logs.zip" ] && [ "$dir/logs.zip" -nt "$dir/params" ] || { rm -f "$dir/logs.zip"; zip -q -6 -j "$dir/logs.zip" "$dir"/plain/*; }
  cat "$dir/logs.zip" > /dev/null
  echo "-- zip ($(( $(wc -c < "$dir/logs.zip") / 1048576 )) MiB, $((2 * each)) members)"
  u1=$(best null unzip -p "$dir/logs.zip")
  hu1=$(best null "$bin" hunt -f jsonl -o "$dir/hunt-zip.jsonl" "$dir/logs.zip")
  row "unzip -p" "$u1"
  row "log4shield hunt (.zip)" "$hu1"
  printf 'hunt/unzip -p: %.2fx\n' "$(echo "$u1 / $hu1" | bc -l)"
  read -r zip_attempts _ <<< "$(summary "$dir/hunt-zip.jsonl")"
fi

# The same answer from all: every planted payload line found, nothing in the clean files.
read -r attempts errors <<< "$(summary "$dir/hunt.jsonl")"
read -r attempts_gz errors_gz <<< "$(summary "$dir/hunt-gz.jsonl")"
clean_hits=$(grep -c '"file":"[^"]*/clean-' "$dir/hunt.jsonl" || true)
echo "planted payload lines: $(cat "$dir/planted"); hunt attempts: $attempts plain, $attempts_gz gzip, $zip_attempts zip; errors: $errors/$errors_gz; in clean files: $clean_hits"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "hunt -j$cores peak RSS (.gz): %M KiB" "$bin" hunt -j"$cores" -o /dev/null "$dir/gz" 2>&1 >/dev/null | tail -1 || true
fi
