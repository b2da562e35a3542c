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

// A capture file read with pread, once libpcap has stopped at a damaged
// record: the byte order and the file's size, for the readers below.
class RawFile {
 public:
  RawFile() = default;
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;
  ~RawFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Opens `path` and reads its first n bytes into `head`.
  bool open(const std::string& path, uint8_t* head, size_t n) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return false;
    struct stat st {};
    if (fstat(fd_, &st) != 0 || !read(0, head, n)) return false;
    size_ = static_cast<uint64_t>(st.st_size);
    return true;
  }
  void set_big_endian(bool big) { big_ = big; }

  uint64_t size() const { return size_; }
  bool read(uint64_t at, uint8_t* out, size_t n) const {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(at + done));
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }
  // Fills *out from `at` (its size says how many bytes).
  bool read(uint64_t at, std::string* out) const {
    return read(at, reinterpret_cast<uint8_t*>(out->data()), out->size());
  }
  // Fields in the file's byte order.
  uint32_t u32(const uint8_t* p) const {
    return big_ ? uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]
                : uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }
  uint16_t u16(const uint8_t* p) const { return static_cast<uint16_t>(big_ ? p[0] << 8 | p[1] : p[0] | p[1] << 8); }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool big_ = false;
};

// The read loop both formats share. From `from` (the end of the last record
// or block libpcap read) each unit that makes sense is consumed; a stretch
// that does not is skipped up to the next unit that is followed by another
// one, or by the end of the file, within 64 MiB. Returns the bytes skipped.
//
// A Format has: kMinUnit, the smallest unit's size; a Unit with its `length`;
// unit_at(pos, prev, &unit), whether a sane unit lies at pos (prev: the unit
// before it when checking what follows a candidate, else null); resumable(unit),
// whether reading may resume there; consume(pos, unit), false to stop.
template <typename Format>
uint64_t read_on(Format& format, uint64_t from) {
  using Unit = typename Format::Unit;
  constexpr uint64_t kMaxSearch = 64ull << 20;
  const uint64_t size = format.file().size();
  auto find = [&](uint64_t start) {
    for (uint64_t pos = start; pos + Format::kMinUnit <= size && pos - start < kMaxSearch; ++pos) {
      Unit u, next;
      if (!format.unit_at(pos, nullptr, &u) || !format.resumable(u)) continue;
      const uint64_t after = pos + u.length;
      if (after == size || format.unit_at(after, &u, &next)) return pos;
    }
    return UINT64_MAX;
  };
  uint64_t skipped = 0;
  uint64_t pos = from;
  while (pos + Format::kMinUnit <= size) {
    Unit u;
    if (!format.unit_at(pos, nullptr, &u)) {
      uint64_t next = find(pos + 1);
      if (next == UINT64_MAX) return skipped + (size - pos);
      skipped += next - pos;
      pos = next;
      continue;
    }
    if (!format.consume(pos, u)) break;
    pos += u.length;
  }
  return skipped;
}

// A classic pcap file: a record counts when its header makes sense (and its
// time is within a day of the record before it).
class ClassicResync {
 public:
  static std::unique_ptr<ClassicResync> open(const std::string& path) {
    auto r = std::unique_ptr<ClassicResync>(new ClassicResync());
    uint8_t h[24];
    if (!r->file_.open(path, h, sizeof h)) return nullptr;
    uint32_t magic = uint32_t{h[0]} | uint32_t{h[1]} << 8 | uint32_t{h[2]} << 16 | uint32_t{h[3]} << 24;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) r->file_.set_big_endian(false);
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) r->file_.set_big_endian(true);
    else return nullptr;  // pcapng or unknown: no resynchronisation
    r->nano_ = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    return r;
  }

  // Reads on from `from` to the end of the file; returns the bytes skipped
  // over corrupt stretches.
  uint64_t read_rest(uint64_t from, double last_time, CaptureAnalyzer* analyzer) {
    last_time_ = last_time;
    analyzer_ = analyzer;
    return read_on(*this, from);
  }

  // The Format of read_on: records.
  static constexpr uint64_t kMinUnit = 16;
  struct Unit {
    uint64_t length = 0;
    double time = 0;
    uint32_t caplen = 0, len = 0;
  };
  const RawFile& file() const { return file_; }
  bool resumable(const Unit&) const { return true; }

  // A record header at `pos` whose record fits in the file.
  bool unit_at(uint64_t pos, const Unit* prev, Unit* h) const {
    uint8_t b[16];
    if (pos + 16 > file_.size() || !file_.read(pos, b, 16)) return false;
    uint32_t sec = file_.u32(b), frac = file_.u32(b + 4);
    h->caplen = file_.u32(b + 8);
    h->len = file_.u32(b + 12);
    if (frac >= (nano_ ? 1000000000u : 1000000u) || h->caplen > kMaxCaplen || h->caplen > h->len ||
        h->len > 16 * kMaxCaplen || pos + 16 + h->caplen > file_.size())
      return false;
    h->time = sec + frac * (nano_ ? 1e-9 : 1e-6);
    h->length = 16 + uint64_t{h->caplen};
    const double last_time = prev ? prev->time : last_time_;
    if (last_time > 0 && (h->time < last_time - 86400 || h->time > last_time + 86400)) return false;
    return true;
  }

  bool consume(uint64_t pos, const Unit& h) {
    frame_.resize(h.caplen);
    if (!file_.read(pos + 16, &frame_)) return false;
    analyzer_->add_frame(h.time, net::as_bytes(frame_), h.len);
    last_time_ = h.time;
    return true;
  }

 private:
  static constexpr uint32_t kMaxCaplen = 262144;

  ClassicResync() = default;

  RawFile file_;
  bool nano_ = false;
  double last_time_ = 0;
  CaptureAnalyzer* analyzer_ = nullptr;
  std::string frame_;
};

// The same for pcapng: blocks are walked from the start to learn the byte
// order and each interface's link type and timestamp resolution up to where
// libpcap stopped; from there, a block counts when its type is known and its
// leading and trailing lengths agree.
class NgResync {
 public:
  static std::unique_ptr<NgResync> open(const std::string& path, int link_type) {
    auto r = std::unique_ptr<NgResync>(new NgResync(link_type));
    uint8_t h[12];
    if (!r->file_.open(path, h, sizeof h)) return nullptr;
    if (!(h[0] == 0x0a && h[1] == 0x0d && h[2] == 0x0d && h[3] == 0x0a)) return nullptr;
    if (h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a) r->file_.set_big_endian(false);
    else if (h[8] == 0x1a && h[9] == 0x2b && h[10] == 0x3c && h[11] == 0x4d) r->file_.set_big_endian(true);
    else return nullptr;
    return r;
  }

  uint64_t read_rest(uint64_t from, CaptureAnalyzer* analyzer) {
    // Learn the interfaces from the blocks libpcap read.
    for (uint64_t pos = 0; pos < from;) {
      Unit b;
      if (!unit_at(pos, nullptr, &b)) break;
      learn(pos, b);
      pos += b.length;
    }
    analyzer_ = analyzer;
    return read_on(*this, from);
  }

  // The Format of read_on: blocks.
  static constexpr uint64_t kMinUnit = 12;
  struct Unit {
    uint64_t length = 0;
    uint32_t type = 0;
  };
  const RawFile& file() const { return file_; }
  // A new section needs its own byte order: reading does not resume there.
  bool resumable(const Unit& b) const { return b.type != kSectionHeader; }

  // A well-formed block at `pos`: known type, sane length, trailer matches.
  bool unit_at(uint64_t pos, const Unit*, Unit* b) const {
    uint8_t h[8], t[4];
    if (pos + 12 > file_.size() || !file_.read(pos, h, 8)) return false;
    b->type = file_.u32(h);
    const uint32_t len = file_.u32(h + 4);
    b->length = len;
    bool known = b->type == kSectionHeader || (b->type >= 1 && b->type <= 10) || b->type == 0x0bad;
    if (!known || len < 12 || len % 4 != 0 || len > (16u << 20) || pos + len > file_.size()) return false;
    if (!file_.read(pos + len - 4, t, 4) || file_.u32(t) != len) return false;
    return true;
  }

  bool consume(uint64_t pos, const Unit& b) {
    learn(pos, b);
    packet(pos, b);
    return true;
  }

 private:
  static constexpr uint32_t kSectionHeader = 0x0a0d0d0a;
  struct Interface {
    int link_type = 0;
    double unit = 1e-6;
    uint32_t snaplen = 0;
  };

  explicit NgResync(int link_type) : link_type_(link_type) {}

  // The block's body (between its type and length and its trailing length).
  bool body(uint64_t pos, const Unit& b, std::string* out) const {
    out->assign(b.length - 12, '\0');
    return file_.read(pos + 8, out);
  }

  void learn(uint64_t pos, const Unit& block) {
    if (block.type == kSectionHeader) {
      interfaces_.clear();
      return;
    }
    std::string b;
    if (block.type != 1 || block.length < 20 || !body(pos, block, &b)) return;
    const uint8_t* d = reinterpret_cast<const uint8_t*>(b.data());
    Interface itf;
    itf.link_type = file_.u16(d);
    itf.snaplen = file_.u32(d + 4);
    for (size_t o = 8; o + 4 <= b.size();) {  // options: code, length, value padded to 4
      uint16_t code = file_.u16(d + o), olen = file_.u16(d + o + 2);
      if (code == 0 || o + 4 + olen > b.size()) break;
      if (code == 9 && olen >= 1) {
        uint8_t v = d[o + 4];
        itf.unit = v & 0x80 ? std::ldexp(1.0, -(v & 0x7f)) : std::pow(10.0, -static_cast<int>(v));
      }
      o += 4 + ((olen + 3u) & ~3u);
    }
    interfaces_.push_back(itf);
  }

  void packet(uint64_t pos, const Unit& block) {
    std::string b;
    if ((block.type != 6 && block.type != 3) || !body(pos, block, &b)) return;
    const uint8_t* d = reinterpret_cast<const uint8_t*>(b.data());
    uint32_t ifid = 0, caplen = 0, origlen = 0;
    double time = 0;
    size_t data_at = 0;
    if (block.type == 6) {
      if (b.size() < 20) return;
      ifid = file_.u32(d);
      uint64_t ts = uint64_t{file_.u32(d + 4)} << 32 | file_.u32(d + 8);
      caplen = file_.u32(d + 12);
      origlen = file_.u32(d + 16);
      data_at = 20;
      if (ifid < interfaces_.size()) time = static_cast<double>(ts) * interfaces_[ifid].unit;
    } else {
      if (b.size() < 4 || interfaces_.empty()) return;
      origlen = file_.u32(d);
      caplen = std::min<uint32_t>(origlen, static_cast<uint32_t>(b.size() - 4));
      if (interfaces_[0].snaplen) caplen = std::min(caplen, interfaces_[0].snaplen);
      data_at = 4;
    }
    if (ifid >= interfaces_.size() || interfaces_[ifid].link_type != link_type_) return;
    if (data_at + caplen > b.size()) return;
    frame_.assign(b, data_at, caplen);
    analyzer_->add_frame(time, net::as_bytes(frame_), std::max(origlen, caplen));
  }

  RawFile file_;
  int link_type_;
  std::vector<Interface> interfaces_;
  CaptureAnalyzer* analyzer_ = nullptr;
  std::string frame_;
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
