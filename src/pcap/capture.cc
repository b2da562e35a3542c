#include "pcap/capture.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "pcap/packet.h"

namespace l4s::pcap {

CaptureFormat sniff_capture(std::string_view h) {
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

CaptureFormat sniff_capture_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char buf[4] = {};
  if (!in.read(buf, 4)) return CaptureFormat::kNone;
  return sniff_capture(std::string_view(buf, 4));
}

namespace {

// A classic pcap file read with our own parser once libpcap has stopped at a
// corrupt record: the next record header that makes sense (and is followed by
// another one, or by the end of the file) is where reading resumes.
class ClassicResync {
 public:
  static std::unique_ptr<ClassicResync> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    auto r = std::unique_ptr<ClassicResync>(new ClassicResync(fd));
    uint8_t h[24];
    struct stat st {};
    if (fstat(fd, &st) != 0 || !r->read(0, h, 24)) return nullptr;
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
  uint64_t read_rest(uint64_t from, double last_time, CaptureAnalyzer* analyzer) {
    uint64_t skipped = 0;
    uint64_t pos = from;
    std::string frame;
    while (pos + 16 <= size_) {
      Header h;
      if (!header_at(pos, last_time, &h)) {
        uint64_t next = find(pos + 1, last_time);
        if (next == UINT64_MAX) return skipped + (size_ - pos);
        skipped += next - pos;
        pos = next;
        continue;
      }
      frame.resize(h.caplen);
      if (!read(pos + 16, reinterpret_cast<uint8_t*>(frame.data()), h.caplen)) break;
      analyzer->add_frame(h.time, net::as_bytes(frame), h.len);
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

  bool read(uint64_t at, uint8_t* out, size_t n) const {
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
  bool header_at(uint64_t pos, double last_time, Header* h) const {
    uint8_t b[16];
    if (pos + 16 > size_ || !read(pos, b, 16)) return false;
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
  uint64_t find(uint64_t from, double last_time) const {
    for (uint64_t pos = from; pos + 16 <= size_ && pos - from < kMaxSearch; ++pos) {
      Header h, next;
      if (!header_at(pos, last_time, &h)) continue;
      uint64_t after = pos + 16 + h.caplen;
      if (after == size_ || header_at(after, h.time, &next)) return pos;
    }
    return UINT64_MAX;
  }

  int fd_;
  uint64_t size_ = 0;
  bool swapped_ = false;
  bool nano_ = false;
};

// The same for pcapng: blocks are walked from the start to learn the byte
// order and each interface's link type and timestamp resolution up to where
// libpcap stopped; from there, a block counts when its type is known and its
// leading and trailing lengths agree, and the next block (or the end) follows.
class NgResync {
 public:
  static std::unique_ptr<NgResync> open(const std::string& path, int link_type) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    auto r = std::unique_ptr<NgResync>(new NgResync(fd, link_type));
    struct stat st {};
    uint8_t h[12];
    if (fstat(fd, &st) != 0 || !r->read(0, h, 12)) return nullptr;
    r->size_ = static_cast<uint64_t>(st.st_size);
    if (!(h[0] == 0x0a && h[1] == 0x0d && h[2] == 0x0d && h[3] == 0x0a)) return nullptr;
    if (h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a) r->big_ = false;
    else if (h[8] == 0x1a && h[9] == 0x2b && h[10] == 0x3c && h[11] == 0x4d) r->big_ = true;
    else return nullptr;
    return r;
  }
  ~NgResync() { ::close(fd_); }

  uint64_t read_rest(uint64_t from, CaptureAnalyzer* analyzer) {
    // Learn the interfaces from the blocks libpcap read.
    for (uint64_t pos = 0; pos < from;) {
      uint32_t type = 0, len = 0;
      if (!block_at(pos, &type, &len)) break;
      learn(pos, type, len);
      pos += len;
    }
    uint64_t skipped = 0;
    uint64_t pos = from;
    std::string frame;
    while (pos + 12 <= size_) {
      uint32_t type = 0, len = 0;
      if (!block_at(pos, &type, &len)) {
        uint64_t next = find(pos + 1);
        if (next == UINT64_MAX) return skipped + (size_ - pos);
        skipped += next - pos;
        pos = next;
        continue;
      }
      learn(pos, type, len);
      packet(pos, type, len, &frame, analyzer);
      pos += len;
    }
    return skipped;
  }

 private:
  struct Interface {
    int link_type = 0;
    double unit = 1e-6;
    uint32_t snaplen = 0;
  };

  NgResync(int fd, int link_type) : fd_(fd), link_type_(link_type) {}

  bool read(uint64_t at, uint8_t* out, size_t n) const {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(at + done));
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }
  uint32_t U32(const uint8_t* p) const {
    return big_ ? uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]
                : uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  uint16_t U16(const uint8_t* p) const {
    return static_cast<uint16_t>(big_ ? p[0] << 8 | p[1] : p[0] | p[1] << 8);
  }

  // A well-formed block at `pos`: known type, sane length, trailer matches.
  bool block_at(uint64_t pos, uint32_t* type, uint32_t* len) const {
    uint8_t h[8], t[4];
    if (pos + 12 > size_ || !read(pos, h, 8)) return false;
    *type = U32(h);
    *len = U32(h + 4);
    bool known = *type == 0x0a0d0d0a || (*type >= 1 && *type <= 10) || *type == 0x0bad;
    if (!known || *len < 12 || *len % 4 != 0 || *len > (16u << 20) || pos + *len > size_) return false;
    if (!read(pos + *len - 4, t, 4) || U32(t) != *len) return false;
    return true;
  }

  uint64_t find(uint64_t from) const {
    constexpr uint64_t kMaxSearch = 64ull << 20;
    for (uint64_t pos = from; pos + 12 <= size_ && pos - from < kMaxSearch; ++pos) {
      uint32_t type, len, t2, l2;
      if (!block_at(pos, &type, &len)) continue;
      if (type == 0x0a0d0d0a) continue;  // a new section needs its own byte order; not resumed
      if (pos + len == size_ || block_at(pos + len, &t2, &l2)) return pos;
    }
    return UINT64_MAX;
  }

  void learn(uint64_t pos, uint32_t type, uint32_t len) {
    if (type == 0x0a0d0d0a) {
      interfaces_.clear();
      return;
    }
    if (type != 1 || len < 20) return;
    std::string b(len - 12, '\0');
    if (!read(pos + 8, reinterpret_cast<uint8_t*>(b.data()), b.size())) return;
    const uint8_t* d = reinterpret_cast<const uint8_t*>(b.data());
    Interface itf;
    itf.link_type = U16(d);
    itf.snaplen = U32(d + 4);
    for (size_t o = 8; o + 4 <= b.size();) {  // options: code, length, value padded to 4
      uint16_t code = U16(d + o), olen = U16(d + o + 2);
      if (code == 0 || o + 4 + olen > b.size()) break;
      if (code == 9 && olen >= 1) {
        uint8_t v = d[o + 4];
        itf.unit = v & 0x80 ? std::ldexp(1.0, -(v & 0x7f)) : std::pow(10.0, -static_cast<int>(v));
      }
      o += 4 + ((olen + 3u) & ~3u);
    }
    interfaces_.push_back(itf);
  }

  void packet(uint64_t pos, uint32_t type, uint32_t len, std::string* frame, CaptureAnalyzer* analyzer) {
    if (type != 6 && type != 3) return;
    std::string b(len - 12, '\0');
    if (!read(pos + 8, reinterpret_cast<uint8_t*>(b.data()), b.size())) return;
    const uint8_t* d = reinterpret_cast<const uint8_t*>(b.data());
    uint32_t ifid = 0, caplen = 0, origlen = 0;
    double time = 0;
    size_t data_at = 0;
    if (type == 6) {
      if (b.size() < 20) return;
      ifid = U32(d);
      uint64_t ts = uint64_t{U32(d + 4)} << 32 | U32(d + 8);
      caplen = U32(d + 12);
      origlen = U32(d + 16);
      data_at = 20;
      if (ifid < interfaces_.size()) time = static_cast<double>(ts) * interfaces_[ifid].unit;
    } else {
      if (b.size() < 4 || interfaces_.empty()) return;
      origlen = U32(d);
      caplen = std::min<uint32_t>(origlen, static_cast<uint32_t>(b.size() - 4));
      if (interfaces_[0].snaplen) caplen = std::min(caplen, interfaces_[0].snaplen);
      data_at = 4;
    }
    if (ifid >= interfaces_.size() || interfaces_[ifid].link_type != link_type_) return;
    if (data_at + caplen > b.size()) return;
    frame->assign(b, data_at, caplen);
    analyzer->add_frame(time, net::as_bytes(*frame), std::max(origlen, caplen));
  }

  int fd_;
  int link_type_;
  uint64_t size_ = 0;
  bool big_ = false;
  std::vector<Interface> interfaces_;
};

}  // namespace

namespace {

// Reads every packet of an opened capture into the analyser. `resync_path`,
// when not empty, is the file to reopen for reading on past a damaged record.
CaptureResult analyse_capture(pcap_t* p, const std::string& resync_path, const AnalyzerOptions& options) {
  const std::string& name = options.capture_name;
  int link = pcap_datalink(p);
  // libpcap reports DLT values; map the ones that differ from LINKTYPE values.
  if (link == DLT_RAW) link = kLinkRaw;
#ifdef DLT_LINUX_SLL2
  if (link == DLT_LINUX_SLL2) link = kLinkLinuxSll2;
#endif
  CaptureAnalyzer analyzer(link, options);
  std::string error;
  if (!is_supported_link_type(link)) {
    error = name + ": unsupported link type " + link_type_name(link) + " (" +
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
        analyzer.add_frame(t, net::Bytes(data, hdr->caplen), hdr->len);
        if (file) good_end = static_cast<uint64_t>(ftell(file));
        last_time = t;
        continue;
      }
      if (rc == PCAP_ERROR_BREAK) break;  // end of file
      if (rc == PCAP_ERROR) {
        error = name + ": " + pcap_geterr(p) + " (the packets before it were analysed";
        uint64_t skipped = UINT64_MAX;
        if (!resync_path.empty()) {
          if (std::unique_ptr<ClassicResync> classic = ClassicResync::open(resync_path))
            skipped = classic->read_rest(good_end, last_time, &analyzer);
          else if (std::unique_ptr<NgResync> ng = NgResync::open(resync_path, link))
            skipped = ng->read_rest(good_end, &analyzer);
        }
        if (skipped != UINT64_MAX)
          error += "; " + std::to_string(skipped) + " byte(s) from offset " + std::to_string(good_end) +
                   " skipped, the records after them read";
        error += ")";
      }
      break;
    }
  }
  pcap_close(p);
  CaptureResult r = analyzer.finish();
  if (!error.empty()) r.errors.push_back(error);
  return r;
}

CaptureResult cannot_open(const std::string& name, const char* err) {
  CaptureResult r;
  r.path = name;
  r.errors.push_back(name + ": " + (err[0] ? err : "cannot open capture"));
  return r;
}

}  // namespace

CaptureResult hunt_capture(const std::string& path, AnalyzerOptions options) {
  if (options.capture_name.empty()) options.capture_name = path;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) return cannot_open(options.capture_name, err);
  return analyse_capture(p, path, options);
}

CaptureResult hunt_capture_stream(FILE* file, const AnalyzerOptions& options) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    fclose(file);
    return cannot_open(options.capture_name, err);
  }
  return analyse_capture(p, "", options);
}

}  // namespace l4s::pcap
