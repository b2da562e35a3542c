#!/bin/bash
# Capture analysis throughput beside tshark and tcpdump on the same file, same run:
#   tcpdump -r FILE -w /dev/null   reads and rewrites every packet (libpcap's floor)
#   tshark -r FILE -q              reads every packet, prints nothing (dissects only what -q needs)
#   tshark -Y http.request ...     reassembles and dissects HTTP, prints every request's headers
#   ours                           decode, reassemble, examine HTTP with the Log4j evaluator,
#                                  recognise LDAP/RMI/DNS, correlate
# Usage: bench/pcap_bench.sh [SIZE_MB=300] [SCRATCH=build/pcap-bench]
#   LOG4SHIELD=path overrides the binary (default: build/log4shield); it runs hunt --pcap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
size=${1:-300}
scratch=${2:-$here/../build/pcap-bench}
mkdir -p "$scratch"
file="$scratch/http-${size}MB.pcap"
[ -f "$file" ] || python3 "$here/gen_pcap.py" "$file" "$size" 500

bin=${LOG4SHIELD:-$here/../build/log4shield}
ours=("$bin" hunt --format jsonl --pcap)
[ -x "${ours[0]}" ] || { echo "build first: ${ours[0]} missing" >&2; exit 1; }

bytes=$(stat -c %s "$file")
mib=$(echo "$bytes / 1048576" | bc -l)
cat "$file" > /dev/null  # warm the page cache
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
row() { printf '%-40s %8.2f s %9.0f MB/s\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)"; }

echo "capture: $(printf '%.0f' "$mib") MiB, $(capinfos -c -M "$file" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}') packets, $(nproc) cores"
command -v tcpdump > /dev/null && row "tcpdump -r FILE -w /dev/null" "$(t tcpdump -r "$file" -w /dev/null)"
if command -v tshark > /dev/null; then
  row "tshark -r FILE -q" "$(t tshark -r "$file" -q)"
  # The same job as ours for HTTP: reassemble and dissect every request with its headers.
  row "tshark -Y http.request -T fields" "$(t tshark -r "$file" -Y http.request -T fields -e http.request.line)"
fi
row "ours: ${ours[*]##*/}" "$(t "${ours[@]}" "$file")"
if [ -x /usr/bin/time ]; then
  { /usr/bin/time -f "ours: peak RSS %M KiB" "${ours[@]}" "$file" 2>&1 >/dev/null || true; } | tail -1
fi
"${ours[@]}" "$file" 2>/dev/null | grep -c '"type":"detection"' | sed 's/^/detections: /' || true
"${ours[@]}" "$file" 2>/dev/null | grep -c '"type":"incident"' | sed 's/^/incidents: /' || true
