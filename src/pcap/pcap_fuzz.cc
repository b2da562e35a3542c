// Packet decoding, IP fragment and TCP reassembly, stream recognition and the
// protocol parsers behind them, fed arbitrary frames.
//
// Input: byte 0 picks the link type; then records of [u16 length][u8 dt][frame].
// Frames are arbitrary, so most are rejected early; the corpus grows towards
// valid headers quickly because every length is checked where it is read.
#include <cstddef>
#include <cstdint>

#include "pcap/analyzer.h"
#include "pcap/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace l4s::pcap;
  static constexpr int kLinks[] = {kLinkEthernet, kLinkRaw, kLinkLinuxSll, kLinkLinuxSll2, kLinkNull, kLinkLoop};
  if (size < 1) return 0;
  AnalyzerOptions options;
  options.max_stream_buffer = 64 * 1024;  // small caps reach the eviction paths
  options.max_flows = 8;
  options.max_body = 4096;
  CaptureAnalyzer analyzer(kLinks[data[0] % 6], options);
  size_t pos = 1;
  double t = 1.0;
  while (pos + 3 <= size) {
    size_t len = size_t{data[pos]} << 8 | data[pos + 1];
    t += data[pos + 2] * 0.5;
    pos += 3;
    if (len > size - pos) len = size - pos;
    analyzer.add_frame(t, l4s::net::Bytes(data + pos, len), static_cast<uint32_t>(len));
    pos += len;
  }
  CaptureResult r = analyzer.finish();
  for (const Incident& i : r.incidents) {
    if (i.detection >= r.detections.size() || i.event >= r.events.size()) __builtin_trap();
  }
  return 0;
}
