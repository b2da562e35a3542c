#!/bin/bash
# Scan throughput beside baselines on the same corpus, warm cache, same run:
#   cat      reads every byte of every file (what "I/O speed" means here)
#   unzip -l lists every archive (zip/jar/war) at the top level only
#   log4shield scan with 1 thread and with all cores
# Usage: bench/scan_bench.sh [CORPUS_DIR=build/bench-corpus] [SCALE=10]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${LOG4SHIELD:-$here/../build/log4shield}
corpus=${1:-$here/../build/bench-corpus}
[ -x "$bin" ] || { echo "build first: ./scripts/build" >&2; exit 1; }
[ -d "$corpus" ] || "$here/make_corpus.sh" "$corpus" "${2:-10}"
files=$(find "$corpus" -type f | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)
mib=$(echo "$bytes / 1048576" | bc -l)
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null  # warm the page cache

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
row() { printf '%-28s %8.2f s %10.0f files/s %9.0f MB/s\n' "$1" "$2" "$(echo "$files / $2" | bc -l)" "$(echo "$mib / $2" | bc -l)"; }

echo "corpus: $files files, $(printf '%.0f' "$mib") MiB, $(nproc) cores"
row "cat (every byte)" "$(t sh -c "find '$corpus' -type f -print0 | xargs -0 cat")"
row "unzip -l (every archive)" "$(t sh -c "find '$corpus' -type f \\( -name '*.jar' -o -name '*.war' -o -name '*.bin' \\) -print0 | xargs -0 -n1 unzip -l")"
row "log4shield scan -j1" "$(t "$bin" scan --quiet -j1 --format json "$corpus")"
row "log4shield scan -j$(nproc)" "$(t "$bin" scan --quiet --format json "$corpus")"
if [ -x /usr/bin/time ]; then
  { /usr/bin/time -f "log4shield peak RSS: %M KiB" "$bin" scan --quiet --format json "$corpus" 2>&1 >/dev/null || true; } | tail -1
fi
# The pathological case left out of the corpus: a nested jar behind a 400 MB
# deflated prefix must be inflated whole to reach its central directory.
bomb="$(dirname "$corpus")/../../shared/fixtures/jars/google-log4jscanner/jar/testdata/400mb_jar_in_jar.jar"
[ -f "$bomb" ] || bomb="$here/../../shared/fixtures/jars/google-log4jscanner/jar/testdata/400mb_jar_in_jar.jar"
if [ -f "$bomb" ]; then
  printf '%-28s %8.2f s\n' "unzip -p 400mb_jar_in_jar" "$(t sh -c "unzip -p '$bomb' > /dev/null")"
  printf '%-28s %8.2f s\n' "scan 400mb_jar_in_jar" "$(t "$bin" scan --quiet --format json "$bomb")"
fi
"$bin" scan --quiet --format json "$corpus" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("findings:", len(r["findings"]), "errors:", len(r["errors"]), "archives:", r["stats"]["archives"])' 2>/dev/null || true
