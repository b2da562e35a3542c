#!/bin/bash
# The static release binary beside the dynamic build, same data, same run
# (issue 14): stripped size, `--version` start time, scan and hunt throughput.
# Runs alternate static/dynamic so machine load hits both alike; each figure
# is the best of REPEAT runs.
# Usage: bench/static_bench.sh STATIC_BINARY [DYNAMIC_BINARY=build/log4shield] [SCRATCH=build/static-bench]
#   env: SCALE=2 (scan corpus, see make_corpus.sh) HUNT_MB=128 REPEAT=3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
static=$(realpath "${1:?usage: static_bench.sh STATIC [DYNAMIC] [SCRATCH]}")
dynamic=$(realpath "${2:-$here/../build/log4shield}")
dir=${3:-$here/../build/static-bench}
scale=${SCALE:-2}
hunt_mb=${HUNT_MB:-128}
repeat=${REPEAT:-3}
mkdir -p "$dir"

echo "static:  $static"
echo "dynamic: $dynamic"
file -b "$static" | cut -d, -f1-6
stripped=$dir/dynamic.stripped
strip --strip-all -o "$stripped" "$dynamic"
printf 'size stripped: static %.1f MiB, dynamic %.1f MiB (+ %d shared libraries)\n' \
  "$(echo "$(stat -c %s "$static") / 1048576" | bc -l)" "$(echo "$(stat -c %s "$stripped") / 1048576" | bc -l)" \
  "$(ldd "$dynamic" | grep -c '=>')"

# --version start time
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs 200 --export-markdown "$dir/version.md" \
    -n static "$static --version" -n dynamic "$dynamic --version" >/dev/null 2>&1 ||
  hyperfine --warmup 20 --runs 200 --export-markdown "$dir/version.md" \
    -n static "$static --version" -n dynamic "$dynamic --version" >/dev/null
  cat "$dir/version.md"
else
  for b in "$static" "$dynamic"; do
    s=$(date +%s%N); for _ in $(seq 200); do "$b" --version >/dev/null; done; e=$(date +%s%N)
    echo "$b --version: $(( (e - s) / 200000 )) us mean over 200"
  done
fi

# Data (kept for later runs)
[ -d "$dir/corpus" ] || "$here/make_corpus.sh" "$dir/corpus" "$scale" >/dev/null
if [ ! -f "$dir/logs/done" ]; then
  mkdir -p "$dir/logs"
  python3 "$here/gen_hunt_logs.py" "$dir/logs/clean.log" $((hunt_mb / 2)) 1 >/dev/null
  python3 "$here/gen_hunt_logs.py" "$dir/logs/attack.log" $((hunt_mb / 2)) 2 --attacks 2000 >/dev/null
  gzip -6 -c "$dir/logs/clean.log" >"$dir/gz-clean.log.gz"
  gzip -6 -c "$dir/logs/attack.log" >"$dir/gz-attack.log.gz"
  mkdir -p "$dir/gz" && mv "$dir"/gz-*.gz "$dir/gz/"
  touch "$dir/logs/done"
fi
corpus_mib=$(echo "$(du -sb "$dir/corpus" | cut -f1) / 1048576" | bc -l)
log_mib=$(echo "$(du -sb --exclude=done "$dir/logs" | cut -f1) / 1048576" | bc -l)
find "$dir/corpus" "$dir/logs" "$dir/gz" -type f -print0 | xargs -0 cat >/dev/null

best() {  # best of REPEAT wall seconds of "$@"
  local b="" s e t
  for _ in $(seq "$repeat"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
row() {  # name mib static_s dynamic_s
  printf '| %s | %.0f MiB | %.2f s (%.0f MiB/s) | %.2f s (%.0f MiB/s) | %+.1f %% |\n' "$1" "$2" "$3" \
    "$(echo "$2 / $3" | bc -l)" "$4" "$(echo "$2 / $4" | bc -l)" "$(echo "($3 - $4) * 100 / $4" | bc -l)"
}
echo
echo "| benchmark | data | static | dynamic | static vs dynamic (time) |"
echo "|---|---:|---:|---:|---:|"
for args in "scan --quiet -j1 --format json" "scan --quiet --format json"; do
  s=$(best "$static" $args "$dir/corpus"); d=$(best "$dynamic" $args "$dir/corpus")
  row "\`$args\`" "$corpus_mib" "$s" "$d"
done
for args in "hunt -j1 --format json" "hunt --format json"; do
  s=$(best "$static" $args "$dir/logs"); d=$(best "$dynamic" $args "$dir/logs")
  row "\`$args\` (plain)" "$log_mib" "$s" "$d"
done
s=$(best "$static" hunt -j1 --format json "$dir/gz"); d=$(best "$dynamic" hunt -j1 --format json "$dir/gz")
row "\`hunt -j1\` (gzip, libdeflate)" "$log_mib" "$s" "$d"
s=$(best sh -c "'$static' hunt --format json - < '$dir/gz/gz-attack.log.gz'")
d=$(best sh -c "'$dynamic' hunt --format json - < '$dir/gz/gz-attack.log.gz'")
row "\`hunt -\` (gzip stdin, igzip)" "$(echo "$log_mib / 2" | bc -l)" "$s" "$d"
