#!/bin/bash
# Builds a reproducible scan corpus from the real fixture jars:
#   - SCALE*100 plain jars (every fixture jar, cycled, some renamed without .jar),
#   - SCALE*5 Spring-Boot-like fat jars (20 jars nested STORED under BOOT-INF/lib),
#   - SCALE*2 wars with compressed nested jars, and a tar.gz distribution,
#   - SCALE*1000 ordinary files (text and binary) between 1 KiB and 1 MiB.
# Usage: bench/make_corpus.sh OUT_DIR [SCALE=10] [FIXTURES=../shared/fixtures]
set -euo pipefail
out=${1:?usage: make_corpus.sh OUT_DIR [SCALE] [FIXTURES]}
scale=${2:-10}
fixtures=${3:-$(dirname "$0")/../../shared/fixtures}
[ -f "$fixtures/MANIFEST.tsv" ] || { echo "fixtures not found at $fixtures" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"/{jars,fat,wars,dist,other}
# The anti-scanner fixtures (zip bombs, a jar behind a 400 MB deflated
# prefix) are left out: each costs a full 400 MB inflate, so a few copies
# would make this a zlib benchmark. scan_bench.sh times them on their own.
mapfile -t jars < <(find "$fixtures/jars" -name '*.jar' -size +20k -not -path '*/zipbombs/*' -not -name '400mb*' | sort)
RANDOM=42
n=0
for ((i = 0; i < scale * 100; i++)); do
  src=${jars[i % ${#jars[@]}]}
  name=$(basename "$src" .jar)-$i
  [ $((i % 7)) -eq 0 ] && dst="$out/jars/$name.bin" || dst="$out/jars/$name.jar"
  cp "$src" "$dst"; n=$((n + 1))
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < scale * 5; i++)); do
  rm -rf "$work/BOOT-INF" && mkdir -p "$work/BOOT-INF/lib" "$work/BOOT-INF/classes"
  for ((k = 0; k < 20; k++)); do cp "${jars[(i * 20 + k) % ${#jars[@]}]}" "$work/BOOT-INF/lib/lib$k.jar"; done
  head -c 200000 /dev/urandom > "$work/BOOT-INF/classes/app.dat"
  (cd "$work" && zip -q -0 -r "$out/fat/app-$i.jar" BOOT-INF)
done
for ((i = 0; i < scale * 2; i++)); do
  rm -rf "$work/WEB-INF" && mkdir -p "$work/WEB-INF/lib"
  for ((k = 0; k < 10; k++)); do cp "${jars[(i * 10 + k + 3) % ${#jars[@]}]}" "$work/WEB-INF/lib/w$k.jar"; done
  (cd "$work" && zip -q -r "$out/wars/site-$i.war" WEB-INF)
done
tar -C "$out" -czf "$out/dist/release.tar.gz" wars
for ((i = 0; i < scale * 1000; i++)); do
  size=$(( (RANDOM % 1024 + 1) * 1024 ))
  if (( i % 2 )); then head -c "$size" /dev/urandom > "$out/other/blob$i.bin"
  else head -c "$size" < <(yes "2021-12-10 12:00:00 INFO request handled in 3 ms for client $i") > "$out/other/log$i.txt"; fi  # no pipe: yes would die of SIGPIPE under pipefail
done
echo "corpus: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1) in $out"
