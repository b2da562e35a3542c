// ZIP parsing per APPNOTE.TXT 6.3.x (records as defined in zip_format.h).
// Every length read from the archive is hostile until checked against the
// source, so every record is read whole and bounds-checked before use, and
// every allocation is bounded by real sizes.

#include "archive/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "archive/zip_format.h"

namespace l4s::archive {
namespace {

using zip::kSat16;
using zip::kSat32;

// Deflate cannot expand more than ~1032:1; used to bound size hints.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr size_t kChunk = 64 * 1024;

using ZipResult = Result<ZipReader>;

bool in_bounds(uint64_t offset, uint64_t n, uint64_t size) {
  return offset <= size && n <= size - offset;
}

uint64_t sat_mul(uint64_t a, uint64_t b) {
  return (b != 0 && a > std::numeric_limits<uint64_t>::max() / b)
             ? std::numeric_limits<uint64_t>::max() : a * b;
}

uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// [offset, offset+n) of src without copying when it is resident, else copied
// into *scratch. nullptr if out of bounds or unreadable; the bounds check comes
// first so scratch is never sized from an unchecked length.
const uint8_t* fetch(const ByteSource& src, uint64_t offset, uint64_t n,
                     std::vector<uint8_t>* scratch) {
  static const uint8_t kEmpty = 0;
  if (!in_bounds(offset, n, src.size()) || n > std::numeric_limits<size_t>::max()) return nullptr;
  if (n == 0) return &kEmpty;  // an empty vector's data() may be null
  if (const uint8_t* base = src.data()) return base + offset;
  scratch->resize(n);
  return src.read_at(offset, scratch->data(), n) ? scratch->data() : nullptr;
}

bool has_sig_at(const ByteSource& src, uint64_t offset, uint32_t sig) {
  uint8_t b[4];
  return src.read_at(offset, b, 4) && zip::load32(b) == sig;
}

std::string entry_error(size_t index, const std::string& what) {
  return "central directory entry " + std::to_string(index) + ": " + what;
}

// What the end records say about the central directory.
struct EndInfo {
  uint64_t eocd_pos = 0;
  uint64_t cd_end = 0;  // where the directory must end: the zip64 or plain end record
  uint64_t entries = 0;
  uint64_t cd_size = 0;
  uint64_t cd_offset = 0;  // as declared, i.e. without any prefix
  bool zip64 = false;
  uint64_t zip64_pos = UINT64_MAX;  // the zip64 end record used, when zip64
};

// Scans the last 64 KiB + 22 bytes backwards for the end record. Prefers a
// record whose comment ends exactly at the end of the source; failing that,
// the last one whose comment fits (tolerates junk appended after the zip).
Result<uint64_t> find_eocd(const ByteSource& src) {
  const uint64_t size = src.size();
  constexpr uint64_t kEocdSize = sizeof(zip::Eocd);
  if (size < kEocdSize) return Result<uint64_t>::failure("too small to be a zip");
  const uint64_t tail_len = std::min<uint64_t>(size, kEocdSize + zip::kMaxComment);
  const uint64_t tail_start = size - tail_len;
  std::vector<uint8_t> scratch;
  const uint8_t* tail = fetch(src, tail_start, tail_len, &scratch);
  if (!tail) return Result<uint64_t>::failure("cannot read the end of the archive");
  uint64_t fallback = UINT64_MAX;
  for (uint64_t i = tail_len - kEocdSize + 1; i-- > 0;) {
    if (tail[i] != 'P' || zip::load32(tail + i) != zip::kEocdSig) continue;
    const uint64_t comment_len = zip::load_record<zip::Eocd>(tail + i).comment_len;
    const uint64_t end = tail_start + i + kEocdSize + comment_len;
    if (end == size) return tail_start + i;
    if (end < size && fallback == UINT64_MAX) fallback = tail_start + i;
  }
  if (fallback != UINT64_MAX) return fallback;
  return Result<uint64_t>::failure("no end of central directory record (not a zip or truncated)");
}

// Reads the zip64 end record the locator before the plain end record points
// at. Per the spec the 64-bit values apply where the 32-bit ones are saturated;
// like the JDK, a 32-bit value that is neither saturated nor equal means the
// zip64 record is not trustworthy and is ignored.
Status apply_zip64(const ByteSource& src, EndInfo* info, bool saturated) {
  constexpr uint64_t kZip64EocdSize = sizeof(zip::Zip64Eocd);
  const uint64_t locator_pos = info->eocd_pos - sizeof(zip::Zip64Locator);
  zip::Zip64Locator loc;  // signature checked by the caller
  if (!src.read_at(locator_pos, &loc, sizeof loc)) {
    return Status::failure("cannot read zip64 locator");
  }
  const uint64_t declared = loc.eocd_offset;

  // With a prefix, the declared offset is off by the prefix; the record
  // normally sits right before the locator, so try there too.
  uint64_t rec_pos = UINT64_MAX;
  if (declared <= locator_pos && locator_pos - declared >= kZip64EocdSize &&
      has_sig_at(src, declared, zip::kZip64EocdSig)) {
    rec_pos = declared;
  } else if (locator_pos >= kZip64EocdSize &&
             has_sig_at(src, locator_pos - kZip64EocdSize, zip::kZip64EocdSig)) {
    rec_pos = locator_pos - kZip64EocdSize;
  }
  if (rec_pos == UINT64_MAX) {
    if (saturated) return Status::failure("zip64 end of central directory record not found");
    return Status();  // a stray locator-like signature; the 32-bit values stand
  }
  zip::Zip64Eocd rec;
  if (!src.read_at(rec_pos, &rec, sizeof rec)) {
    return Status::failure("cannot read zip64 end record");
  }
  const uint64_t entries = rec.total_entries;
  const uint64_t cd_size = rec.cd_size;
  const uint64_t cd_offset = rec.cd_offset;

  auto agrees = [](uint64_t v32, uint64_t sat, uint64_t v64) { return v32 == sat || v32 == v64; };
  if (!agrees(info->entries, kSat16, entries) || !agrees(info->cd_size, kSat32, cd_size) ||
      !agrees(info->cd_offset, kSat32, cd_offset)) {
    if (saturated) return Status::failure("zip64 end record disagrees with end record");
    return Status();
  }
  info->entries = entries;
  info->cd_size = cd_size;
  info->cd_offset = cd_offset;
  info->cd_end = rec_pos;
  info->zip64 = true;
  info->zip64_pos = rec_pos;
  return Status();
}

Result<EndInfo> read_end(const ByteSource& src) {
  Result<uint64_t> pos = find_eocd(src);
  if (!pos.ok()) return Result<EndInfo>::failure(pos.error());
  EndInfo info;
  info.eocd_pos = info.cd_end = *pos;
  zip::Eocd eocd;
  if (!src.read_at(info.eocd_pos, &eocd, sizeof eocd)) {
    return Result<EndInfo>::failure("cannot read end of central directory record");
  }
  // The disk numbers are ignored like the JDK does; spanned archives are not supported.
  info.entries = eocd.total_entries;
  info.cd_size = eocd.cd_size;
  info.cd_offset = eocd.cd_offset;

  const bool saturated =
      info.entries == kSat16 || info.cd_size == kSat32 || info.cd_offset == kSat32;
  if (info.eocd_pos >= sizeof(zip::Zip64Locator) &&
      has_sig_at(src, info.eocd_pos - sizeof(zip::Zip64Locator), zip::kZip64LocatorSig)) {
    Status s = apply_zip64(src, &info, saturated);
    if (!s.ok()) return Result<EndInfo>::failure(s.error());
  }
  return info;
}

// Where the central directory really starts, and the prefix: bytes prepended
// to the archive (a launcher script) shift every offset the archive declares.
struct Placement {
  uint64_t cd_start = 0;
  uint64_t prefix = 0;
};

Result<Placement> place_directory(const ByteSource& src, const EndInfo& end) {
  if (end.cd_size > end.cd_end) {
    return Result<Placement>::failure("central directory size exceeds the archive");
  }
  const uint64_t actual = end.cd_end - end.cd_size;
  if (end.entries == 0) {
    // Nothing to validate against; an empty directory still reveals a prefix.
    return Placement{actual, actual >= end.cd_offset ? actual - end.cd_offset : 0};
  }
  if (in_bounds(end.cd_offset, end.cd_size, end.cd_end) &&
      has_sig_at(src, end.cd_offset, zip::kCentralHeaderSig)) {
    return Placement{end.cd_offset, 0};
  }
  if (actual > end.cd_offset && has_sig_at(src, actual, zip::kCentralHeaderSig)) {
    return Placement{actual, actual - end.cd_offset};
  }
  return Result<Placement>::failure("bad central directory offset");
}

// Applies the zip64 extended-information extra field: 64-bit values follow in
// the spec's order, present only for the fields saturated in the header.
Status apply_zip64_extra(const uint8_t* extra, size_t len, ZipEntry* e) {
  const bool need_usize = e->uncompressed_size == kSat32;
  const bool need_csize = e->compressed_size == kSat32;
  const bool need_offset = e->local_header_offset == kSat32;
  if (!need_usize && !need_csize && !need_offset) return Status();
  const zip::ExtraField f = zip::find_extra_field(extra, len, zip::kZip64ExtraId);
  if (!f.found) return Status::failure("missing zip64 extra field");  // or malformed
  const size_t needed = 8 * (size_t{need_usize} + need_csize + need_offset);
  if (needed > f.size) return Status::failure("truncated zip64 extra field");
  const uint8_t* v = extra + f.pos;
  auto next = [&v] {
    const uint64_t x = zip::load64(v);
    v += 8;
    return x;
  };
  if (need_usize) e->uncompressed_size = next();
  if (need_csize) e->compressed_size = next();
  if (need_offset) e->local_header_offset = next();
  return Status();
}

// Parses the central directory record at cd[*pos] (its signature checked by
// the caller) and moves *pos past it.
Status parse_central(const uint8_t* cd, size_t cd_size, size_t* pos, size_t index, ZipEntry* e) {
  const size_t left = cd_size - *pos;
  if (left < sizeof(zip::CentralHeader)) return Status::failure(entry_error(index, "truncated"));
  const auto h = zip::load_record<zip::CentralHeader>(cd + *pos);
  e->version_made_by = h.version_made_by;
  e->flags = h.flags;
  e->method = h.method;
  e->dos_time = uint32_t{h.dos_date} << 16 | h.dos_time;
  e->crc32 = h.crc32;
  e->compressed_size = h.compressed_size;
  e->uncompressed_size = h.uncompressed_size;
  e->external_attrs = h.external_attrs;
  e->local_header_offset = h.local_header_offset;
  const size_t variable = size_t{h.name_len} + h.extra_len + h.comment_len;
  if (variable > left - sizeof h) {
    return Status::failure(entry_error(index, "name or extra field exceeds the central directory"));
  }
  const uint8_t* name = cd + *pos + sizeof h;
  e->name.assign(reinterpret_cast<const char*>(name), h.name_len);
  Status s = apply_zip64_extra(name + h.name_len, h.extra_len, e);
  if (!s.ok()) return Status::failure(entry_error(index, s.error()));
  *pos += sizeof h + variable;
  return Status();
}

// Sorts entries by local header offset and checks each one's minimal extent
// (fixed header + compressed data: a true lower bound, since the local name
// and extra lengths are unknown until read) ends before the next one starts.
// Sets data_limit for the exact check at read time.
Status check_layout(std::vector<ZipEntry>& entries, uint64_t cd_start) {
  std::vector<uint32_t> order(entries.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return entries[a].local_header_offset < entries[b].local_header_offset;
  });
  for (size_t k = 0; k < order.size(); ++k) {
    ZipEntry& e = entries[order[k]];
    const uint64_t next =
        k + 1 < order.size() ? entries[order[k + 1]].local_header_offset : cd_start;
    e.data_limit = next;
    if (k + 1 == order.size()) break;  // running into the directory is a read-time error
    const uint64_t min_end = sat_add(e.local_header_offset, sat_add(sizeof(zip::LocalHeader), e.compressed_size));
    if (min_end > next) return Status::failure("overlapping entries (zip bomb)");
  }
  return Status();
}

Status check_supported(const ZipEntry& e) {
  if (e.encrypted()) return Status::failure("entry is encrypted");
  if (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated) {
    return Status::failure("unsupported compression method " + std::to_string(e.method));
  }
  return Status();
}

std::string too_big(uint64_t max_bytes) {
  return "entry exceeds " + std::to_string(max_bytes) + " bytes";
}

// How a size cap is applied while inflating.
enum class CapMode {
  kError,  // producing more than the cap fails (read, open_entry)
  kStop,   // stop quietly once the cap is reached (peek)
};

// Feeds [offset, offset+len) of a source to zlib: straight from resident
// memory when possible, else through a bounded buffer.
class InputFeeder {
 public:
  InputFeeder(const ByteSource& src, uint64_t offset, uint64_t len)
      : src_(src), base_(src.data()), offset_(offset), left_(len) {
    if (!base_) buf_.resize(std::min<uint64_t>(len, kChunk));
  }
  uint64_t left() const { return left_; }
  // Points zs at the next piece of input; false on a read error.
  bool refill(z_stream* zs) {
    const uint64_t n = std::min<uint64_t>(left_, base_ ? (1u << 30) : buf_.size());
    const uint8_t* p;
    if (base_) {
      p = base_ + offset_;
    } else {
      if (!src_.read_at(offset_, buf_.data(), n)) return false;
      p = buf_.data();
    }
    zs->next_in = const_cast<Bytef*>(p);
    zs->avail_in = static_cast<uInt>(n);
    offset_ += n;
    left_ -= n;
    return true;
  }

 private:
  const ByteSource& src_;
  const uint8_t* base_;
  uint64_t offset_;
  uint64_t left_;
  std::vector<uint8_t> buf_;
};

// Inflates the raw-deflate data at [offset, offset+csize) and hands the output
// to sink(const uint8_t*, size_t) -> bool in chunks; the sink returns false to
// stop (not an error here). Never produces more than cap (+1 byte to detect
// kError overflow). Every iteration consumes input or produces output, and
// both are bounded, so the loop terminates.
template <typename Sink>
Status inflate_range(const ByteSource& src, uint64_t offset, uint64_t csize, uint64_t cap,
                     CapMode mode, Sink&& sink) {
  if (mode == CapMode::kStop && cap == 0) return Status();
  zip::RawInflater inf;
  if (!inf.ok()) return Status::failure("inflate init failed");
  z_stream* zs = inf.stream();
  InputFeeder in(src, offset, csize);
  const size_t out_cap = static_cast<size_t>(std::min<uint64_t>(kChunk, sat_add(cap, 1)));
  std::unique_ptr<uint8_t[]> out(new uint8_t[out_cap]);
  uint64_t produced = 0;
  for (;;) {
    if (zs->avail_in == 0 && in.left() > 0 && !in.refill(zs)) {
      return Status::failure("read error in compressed data");
    }
    // produced <= cap holds here; kError asks for one byte more than allowed
    // so that overflowing the cap is detected, not silently truncated.
    const uint64_t room = cap - produced;
    const uint64_t ask = mode == CapMode::kError ? sat_add(room, 1) : room;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(out_cap, ask));
    const uInt in_before = zs->avail_in;
    zs->next_out = out.get();
    zs->avail_out = static_cast<uInt>(want);
    const int rc = inflate(zs, Z_NO_FLUSH);
    const size_t got = want - zs->avail_out;
    if (got > 0) {
      produced += got;
      if (produced > cap) return Status::failure(too_big(cap));
      if (!sink(out.get(), got)) return Status();
    }
    if (rc == Z_STREAM_END) return Status();
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::failure(std::string("invalid deflate data") +
                             (zs->msg ? ": " + std::string(zs->msg) : ""));
    }
    if (mode == CapMode::kStop && produced == cap) return Status();
    if (got == 0 && zs->avail_in == in_before) {
      // No progress: out of input (the output buffer always has room here).
      if (in.left() == 0) return Status::failure("truncated deflate data");
      if (zs->avail_in > 0) return Status::failure("inflate made no progress");
    }
  }
}

// An inferred prefix is only a guess from the directory's position; the
// first local header must then be where it says.
bool prefix_confirmed(const ZipReader& zr) {
  uint64_t first = UINT64_MAX;
  for (const ZipEntry& e : zr.entries()) first = std::min(first, e.local_header_offset);
  return has_sig_at(*zr.source(), first, zip::kLocalHeaderSig);
}

}  // namespace

Result<ZipReader> ZipReader::open(SourcePtr source) {
  if (!source) return ZipResult::failure("no source");
  Result<EndInfo> end = read_end(*source);
  if (!end.ok()) return ZipResult::failure(end.error());
  Result<Placement> place = place_directory(*source, *end);
  if (!place.ok()) return ZipResult::failure(place.error());
  const uint64_t cd_start = place->cd_start;
  const uint64_t cd_size = end->cd_size;
  if (!in_bounds(cd_start, cd_size, end->cd_end)) {
    return ZipResult::failure("central directory overlaps the end records");
  }
  // Each record is at least 46 bytes: a count the directory cannot hold is a
  // lie, and must not size any allocation.
  if (end->entries > cd_size / sizeof(zip::CentralHeader)) {
    return ZipResult::failure("entry count exceeds what the central directory can hold");
  }
  if (end->entries > kMaxEntries) return ZipResult::failure("too many entries");

  std::vector<uint8_t> scratch;
  const uint8_t* cd = fetch(*source, cd_start, cd_size, &scratch);
  if (!cd) return ZipResult::failure("cannot read the central directory");

  ZipReader zr;
  zr.source_ = std::move(source);
  zr.prefix_size_ = place->prefix;
  zr.entries_.reserve(end->entries);
  const size_t cd_len = static_cast<size_t>(cd_size);  // fetch() checked it fits
  size_t pos = 0;
  // Read records until the signature stops: plain archives with more than
  // 65535 entries wrap the 16-bit count, checked modulo 2^16 below.
  while (cd_len - pos >= 4 && zip::load32(cd + pos) == zip::kCentralHeaderSig) {
    if (zr.entries_.size() >= kMaxEntries) return ZipResult::failure("too many entries");
    ZipEntry& e = zr.entries_.emplace_back();
    e.central_offset = cd_start + pos;
    Status s = parse_central(cd, cd_len, &pos, zr.entries_.size() - 1, &e);
    if (!s.ok()) return ZipResult::failure(s.error());
    if (e.local_header_offset > cd_start - zr.prefix_size_ ||
        cd_start - zr.prefix_size_ - e.local_header_offset < sizeof(zip::LocalHeader)) {
      return ZipResult::failure(
          entry_error(zr.entries_.size() - 1, "local header offset out of range"));
    }
    e.local_header_offset += zr.prefix_size_;
  }
  const uint64_t n = zr.entries_.size();
  if (n != end->entries && (end->zip64 || (n & 0xFFFF) != end->entries)) {
    return ZipResult::failure("central directory holds " + std::to_string(n) +
                              " entries, end record says " + std::to_string(end->entries));
  }
  zr.layout_.cd_start = cd_start;
  zr.layout_.cd_size = cd_size;
  zr.layout_.eocd = end->eocd_pos;
  if (end->zip64) {
    zr.layout_.zip64_eocd = end->zip64_pos;
    zr.layout_.zip64_locator = end->eocd_pos - sizeof(zip::Zip64Locator);
  }
  Status layout = check_layout(zr.entries_, cd_start);
  if (!layout.ok()) return ZipResult::failure(layout.error());
  if (zr.prefix_size_ > 0 && !zr.entries_.empty() && !prefix_confirmed(zr)) {
    return ZipResult::failure(
        "bad central directory offset (no local header where the prefix puts it)");
  }
  return zr;
}

Result<uint64_t> ZipReader::data_offset(const ZipEntry& entry) const {
  zip::LocalHeader h;
  if (!source_->read_at(entry.local_header_offset, &h, sizeof h)) {
    return Result<uint64_t>::failure("local header out of bounds");
  }
  if (h.signature != zip::kLocalHeaderSig) return Result<uint64_t>::failure("bad local header signature");
  const uint64_t data = entry.local_header_offset + sizeof h + uint64_t{h.name_len} + h.extra_len;
  const uint64_t limit = std::min(entry.data_limit, source_->size());
  if (!in_bounds(data, entry.compressed_size, limit)) {
    return Result<uint64_t>::failure(entry.data_limit < source_->size()
        ? "entry data overruns the next entry or the central directory"
        : "entry data exceeds the archive");
  }
  return data;
}

Result<std::string> ZipReader::read(const ZipEntry& entry, uint64_t max_bytes) const {
  using R = Result<std::string>;
  if (Status s = check_supported(entry); !s.ok()) return R::failure(s.error());
  if (entry.uncompressed_size > max_bytes) return R::failure(too_big(max_bytes));
  Result<uint64_t> off = data_offset(entry);
  if (!off.ok()) return R::failure(off.error());

  std::string out;
  if (entry.method == 0) {
    if (entry.compressed_size != entry.uncompressed_size) {
      return R::failure("stored entry sizes disagree");
    }
    out.resize(entry.compressed_size);  // <= max_bytes and within the source
    if (!source_->read_at(*off, out.data(), out.size())) return R::failure("read error");
  } else {
    out.reserve(std::min({entry.uncompressed_size, max_bytes,
                          sat_mul(entry.compressed_size, kMaxDeflateRatio)}));
    Status s = inflate_range(*source_, *off, entry.compressed_size, max_bytes, CapMode::kError,
                             [&](const uint8_t* p, size_t n) {
                               out.append(reinterpret_cast<const char*>(p), n);
                               return true;
                             });
    if (!s.ok()) return R::failure(s.error());
    if (out.size() != entry.uncompressed_size) return R::failure("uncompressed size mismatch");
  }
  const uint32_t crc = static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size()));
  if (crc != entry.crc32) return R::failure("CRC mismatch");
  return out;
}

Status ZipReader::verify(const ZipEntry& entry) const {
  Result<std::unique_ptr<ZipEntryStream>> stream = ZipEntryStream::open(*this, entry);
  if (!stream.ok()) return Status::failure(stream.error());
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kChunk]);
  for (;;) {
    Result<size_t> n = (*stream)->read(buf.get(), kChunk);
    if (!n.ok()) return Status::failure(n.error());
    if (*n == 0) return Status();
  }
}

Result<std::string> ZipReader::peek(const ZipEntry& entry, size_t n) const {
  using R = Result<std::string>;
  if (Status s = check_supported(entry); !s.ok()) return R::failure(s.error());
  Result<uint64_t> off = data_offset(entry);
  if (!off.ok()) return R::failure(off.error());
  std::string out;
  if (entry.method == 0) {
    out.resize(std::min<uint64_t>(n, entry.compressed_size));
    if (!source_->read_at(*off, out.data(), out.size())) return R::failure("read error");
    return out;
  }
  out.reserve(std::min<uint64_t>({n, entry.uncompressed_size, kChunk}));
  Status s = inflate_range(*source_, *off, entry.compressed_size, n, CapMode::kStop,
                           [&](const uint8_t* p, size_t k) {
                             out.append(reinterpret_cast<const char*>(p), k);
                             return true;
                           });
  if (!s.ok()) return R::failure(s.error());
  return out;
}

Result<SourcePtr> ZipReader::open_entry(const ZipEntry& entry, MemoryBudget& budget,
                                        uint64_t max_bytes) const {
  using R = Result<SourcePtr>;
  if (Status s = check_supported(entry); !s.ok()) return R::failure(s.error());
  if (entry.uncompressed_size > max_bytes) return R::failure(too_big(max_bytes));
  Result<uint64_t> off = data_offset(entry);
  if (!off.ok()) return R::failure(off.error());
  if (entry.method == 0) {
    if (entry.compressed_size != entry.uncompressed_size) {
      return R::failure("stored entry sizes disagree");
    }
    return sub_source(source_, *off, entry.compressed_size);
  }
  SpillWriter writer(budget, std::min({entry.uncompressed_size, max_bytes,
                                       sat_mul(entry.compressed_size, kMaxDeflateRatio)}));
  uLong crc = 0;
  bool write_failed = false;
  Status s = inflate_range(*source_, *off, entry.compressed_size, max_bytes, CapMode::kError,
                           [&](const uint8_t* p, size_t n) {
                             crc = crc32_z(crc, p, n);
                             write_failed = !writer.append(p, n);
                             return !write_failed;
                           });
  if (!s.ok()) return R::failure(s.error());
  if (write_failed) return writer.finish();  // carries the I/O error
  if (writer.size() != entry.uncompressed_size) return R::failure("uncompressed size mismatch");
  if (static_cast<uint32_t>(crc) != entry.crc32) return R::failure("CRC mismatch");
  return writer.finish();
}

struct ZipEntryStream::Inflate {
  zip::RawInflater inflater;
  std::vector<uint8_t> input;
};

Result<std::unique_ptr<ZipEntryStream>> ZipEntryStream::open(const ZipReader& zip, const ZipEntry& entry) {
  using R = Result<std::unique_ptr<ZipEntryStream>>;
  if (Status s = check_supported(entry); !s.ok()) return R::failure(s.error());
  Result<uint64_t> off = zip.data_offset(entry);
  if (!off.ok()) return R::failure(off.error());
  if (entry.method == 0 && entry.compressed_size != entry.uncompressed_size) {
    return R::failure("stored entry sizes disagree");
  }
  std::unique_ptr<ZipEntryStream> stream(new ZipEntryStream(zip, entry, *off));
  if (entry.method == 8) {
    stream->inflate_ = std::make_unique<Inflate>();
    if (!stream->inflate_->inflater.ok()) return R::failure("inflate init failed");
    stream->inflate_->input.resize(static_cast<size_t>(std::min<uint64_t>(entry.compressed_size, kChunk)));
  }
  return stream;
}

ZipEntryStream::ZipEntryStream(const ZipReader& zip, const ZipEntry& entry, uint64_t data_offset)
    : source_(*zip.source()), entry_(entry), in_offset_(data_offset), in_left_(entry.compressed_size) {}

ZipEntryStream::~ZipEntryStream() = default;

Status ZipEntryStream::finish() const {
  if (produced_ != entry_.uncompressed_size) return Status::failure("uncompressed size mismatch");
  if (static_cast<uint32_t>(crc_) != entry_.crc32) return Status::failure("CRC mismatch");
  return Status();
}

Result<size_t> ZipEntryStream::read(void* buf, size_t cap) {
  using R = Result<size_t>;
  auto end = [&]() -> R {
    done_ = true;
    Status s = finish();
    if (!s.ok()) return R::failure(s.error());
    return size_t{0};
  };
  if (done_) return end();
  if (produced_ > entry_.uncompressed_size) return R::failure(too_big(entry_.uncompressed_size));
  uint8_t* out = static_cast<uint8_t*>(buf);
  if (!inflate_) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(cap, in_left_));
    if (n == 0) return end();
    if (!source_.read_at(in_offset_, out, n)) return R::failure("read error");
    in_offset_ += n;
    in_left_ -= n;
    produced_ += n;
    crc_ = crc32_z(crc_, out, n);
    return n;
  }
  z_stream* zs = inflate_->inflater.stream();
  std::vector<uint8_t>& input = inflate_->input;
  for (;;) {
    if (zs->avail_in == 0 && in_left_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(in_left_, input.size()));
      if (!source_.read_at(in_offset_, input.data(), n)) return R::failure("read error in compressed data");
      zs->next_in = input.data();
      zs->avail_in = static_cast<uInt>(n);
      in_offset_ += n;
      in_left_ -= n;
    }
    // One byte more than the declared size may come out, so that a stream
    // longer than its header says is caught rather than cut short.
    const uint64_t room = sat_add(entry_.uncompressed_size - produced_, 1);
    const size_t want = static_cast<size_t>(std::min<uint64_t>({cap, room, uint64_t{1} << 30}));
    const uInt in_before = zs->avail_in;
    zs->next_out = out;
    zs->avail_out = static_cast<uInt>(want);
    const int rc = inflate(zs, Z_NO_FLUSH);
    const size_t got = want - zs->avail_out;
    produced_ += got;
    if (produced_ > entry_.uncompressed_size) return R::failure(too_big(entry_.uncompressed_size));
    crc_ = crc32_z(crc_, out, got);
    if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
      return R::failure(std::string("invalid deflate data") + (zs->msg ? ": " + std::string(zs->msg) : ""));
    }
    if (rc == Z_STREAM_END) done_ = true;
    if (got > 0) return got;
    if (done_) return end();
    if (zs->avail_in == in_before) {
      if (in_left_ == 0) return R::failure("truncated deflate data");
      if (zs->avail_in > 0) return R::failure("inflate made no progress");
    }
  }
}

bool looks_like_zip(const void* data, size_t n) {
  if (n < 4) return false;
  const uint32_t sig = zip::load32(data);
  return sig == zip::kLocalHeaderSig || sig == zip::kEocdSig;
}

}  // namespace l4s::archive
