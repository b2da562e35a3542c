#include "pcap/capture.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

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

namespace {

// A classic pcap file read with our own parser once libpcap has stopped at a
// corrupt record: the next record header that makes sense (and is followed by
// another one, or by the end of the file) is where reading resumes.
class ClassicResync {
 public:
  static std::unique_ptr<ClassicResync> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    auto r = std::unique_ptr<ClassicResync>(new ClassicResync(fd));
    uint8_t h[24];
    struct stat st {};
    if (fstat(fd, &st) != 0 || !r->Read(0, h, 24)) return nullptr;
    r->size_ = static_cast<uint64_t>(st.st_size);
    uint32_t magic = uint32_t{h[0]} | uint32_t{h[1]} << 8 | uint32_t{h[2]} << 16 | uint32_t{h[3]} << 24;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) r->swapped_ = false;
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) r->swapped_ = true;
    else return nullptr;  // pcapng or unknown: no resynchronisation
    r->nano_ = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    return r;
  }
  ~ClassicResync() { ::close(fd_); }

  // Reads on from `from` (the end of the last good record) to the end of the
  // file; returns the bytes skipped over corrupt stretches.
  uint64_t ReadRest(uint64_t from, double last_time, CaptureAnalyzer* analyzer) {
    uint64_t skipped = 0;
    uint64_t pos = from;
    std::string frame;
    while (pos + 16 <= size_) {
      Header h;
      if (!HeaderAt(pos, last_time, &h)) {
        uint64_t next = Find(pos + 1, last_time);
        if (next == UINT64_MAX) return skipped + (size_ - pos);
        skipped += next - pos;
        pos = next;
        continue;
      }
      frame.resize(h.caplen);
      if (!Read(pos + 16, reinterpret_cast<uint8_t*>(frame.data()), h.caplen)) break;
      analyzer->AddFrame(h.time, net::as_bytes(frame), h.len);
      last_time = h.time;
      pos += 16 + h.caplen;
    }
    return skipped;
  }

 private:
  struct Header {
    double time = 0;
    uint32_t caplen = 0, len = 0;
  };
  static constexpr uint32_t kMaxCaplen = 262144;
  static constexpr uint64_t kMaxSearch = 64ull << 20;

  explicit ClassicResync(int fd) : fd_(fd) {}

  bool Read(uint64_t at, uint8_t* out, size_t n) const {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(at + done));
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }

  uint32_t U32(const uint8_t* p) const {
    return swapped_ ? uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]
                    : uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }

  // A record header at `pos` whose record fits in the file.
  bool HeaderAt(uint64_t pos, double last_time, Header* h) const {
    uint8_t b[16];
    if (pos + 16 > size_ || !Read(pos, b, 16)) return false;
    uint32_t sec = U32(b), frac = U32(b + 4);
    h->caplen = U32(b + 8);
    h->len = U32(b + 12);
    if (frac >= (nano_ ? 1000000000u : 1000000u) || h->caplen > kMaxCaplen || h->caplen > h->len ||
        h->len > 16 * kMaxCaplen || pos + 16 + h->caplen > size_)
      return false;
    h->time = sec + frac * (nano_ ? 1e-9 : 1e-6);
    if (last_time > 0 && (h->time < last_time - 86400 || h->time > last_time + 86400)) return false;
    return true;
  }

  // The next offset after `from` holding a header followed by another header or the end.
  uint64_t Find(uint64_t from, double last_time) const {
    for (uint64_t pos = from; pos + 16 <= size_ && pos - from < kMaxSearch; ++pos) {
      Header h, next;
      if (!HeaderAt(pos, last_time, &h)) continue;
      uint64_t after = pos + 16 + h.caplen;
      if (after == size_ || HeaderAt(after, h.time, &next)) return pos;
    }
    return UINT64_MAX;
  }

  int fd_;
  uint64_t size_ = 0;
  bool swapped_ = false;
  bool nano_ = false;
};

}  // namespace

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
    FILE* file = pcap_file(p);
    uint64_t good_end = file ? static_cast<uint64_t>(ftell(file)) : 0;  // end of the last good record
    double last_time = 0;
    while (true) {
      int rc = pcap_next_ex(p, &hdr, &data);
      if (rc == 1) {
        double t = static_cast<double>(hdr->ts.tv_sec) + static_cast<double>(hdr->ts.tv_usec) * 1e-9;
        analyzer.AddFrame(t, net::Bytes(data, hdr->caplen), hdr->len);
        if (file) good_end = static_cast<uint64_t>(ftell(file));
        last_time = t;
        continue;
      }
      if (rc == PCAP_ERROR_BREAK) break;  // end of file
      if (rc == PCAP_ERROR) {
        error = path + ": " + pcap_geterr(p) + " (the packets before it were analysed";
        std::unique_ptr<ClassicResync> resync = ClassicResync::Open(path);
        if (resync) {
          uint64_t skipped = resync->ReadRest(good_end, last_time, &analyzer);
          error += "; " + std::to_string(skipped) + " byte(s) from offset " + std::to_string(good_end) +
                   " skipped, the records after them read";
        }
        error += ")";
      }
      break;
    }
  }
  pcap_close(p);
  CaptureResult r = analyzer.Finish();
  if (!error.empty()) r.errors.push_back(error);
  return r;
}

}  // namespace l4s::pcap
