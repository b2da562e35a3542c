#include "pcap/capture.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "pcap/packet.h"

namespace l4s::pcap {

CaptureFormat SniffCapture(std::string_view h) {
  if (h.size() < 4) return CaptureFormat::kNone;
  auto is = [&](uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return static_cast<uint8_t>(h[0]) == a && static_cast<uint8_t>(h[1]) == b && static_cast<uint8_t>(h[2]) == c &&
           static_cast<uint8_t>(h[3]) == d;
  };
  if (is(0xd4, 0xc3, 0xb2, 0xa1) || is(0xa1, 0xb2, 0xc3, 0xd4)) return CaptureFormat::kPcap;
  if (is(0x4d, 0x3c, 0xb2, 0xa1) || is(0xa1, 0xb2, 0x3c, 0x4d)) return CaptureFormat::kPcapNanosecond;
  if (is(0x0a, 0x0d, 0x0d, 0x0a)) return CaptureFormat::kPcapng;
  return CaptureFormat::kNone;
}

CaptureFormat SniffCaptureFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char buf[4] = {};
  if (!in.read(buf, 4)) return CaptureFormat::kNone;
  return SniffCapture(std::string_view(buf, 4));
}

CaptureResult HuntCapture(const std::string& path, AnalyzerOptions options) {
  if (options.capture_name.empty()) options.capture_name = path;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    CaptureResult r;
    r.path = options.capture_name;
    r.errors.push_back(path + ": " + (err[0] ? err : "cannot open capture"));
    return r;
  }
  int link = pcap_datalink(p);
  // libpcap reports DLT values; map the ones that differ from LINKTYPE values.
  if (link == DLT_RAW) link = kLinkRaw;
#ifdef DLT_LINUX_SLL2
  if (link == DLT_LINUX_SLL2) link = kLinkLinuxSll2;
#endif
  CaptureAnalyzer analyzer(link, options);
  std::string error;
  if (!IsSupportedLinkType(link)) {
    error = path + ": unsupported link type " + LinkTypeName(link) + " (" +
            (pcap_datalink_val_to_name(pcap_datalink(p)) ? pcap_datalink_val_to_name(pcap_datalink(p)) : "?") + ")";
  } else {
    struct pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    while (true) {
      int rc = pcap_next_ex(p, &hdr, &data);
      if (rc == 1) {
        double t = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) * 1e-9;
        analyzer.AddFrame(t, net::Bytes(data, hdr->caplen), hdr->len);
        continue;
      }
      if (rc == PCAP_ERROR_BREAK) break;  // end of file
      if (rc == PCAP_ERROR) error = path + ": " + pcap_geterr(p) + " (the packets before it were analysed)";
      break;
    }
  }
  pcap_close(p);
  CaptureResult r = analyzer.Finish();
  if (!error.empty()) r.errors.push_back(error);
  return r;
}

}  // namespace l4s::pcap
