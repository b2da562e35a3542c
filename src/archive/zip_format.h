// The ZIP format, defined once (APPNOTE.TXT 6.3.x): signatures, record
// layouts, flags and the raw-deflate zlib streams. The reader
// (archive/zip_reader.cc), the rewriter (remediate/zip_rewrite.cc) and the
// test-zip builder (archive/testing/zip_builder.h) all read and write records
// through these types, as mold keeps one elf.h.
//
// Records are structs of little-endian byte arrays (alignment 1, no padding),
// so their size and field offsets are the format's. They are copied in and out
// of bytes with load_record()/store_record() (memcpy), never cast in place.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace l4s::archive::zip {

// A little-endian unsigned integer of sizeof(T) bytes, stored unaligned.
template <typename T>
struct LittleEndian {
  uint8_t bytes[sizeof(T)];

  constexpr operator T() const {
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | static_cast<T>(bytes[i]) << (8 * i));
    return v;
  }
  constexpr LittleEndian& operator=(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<uint8_t>(v >> (8 * i));
    return *this;
  }
};
using ul16 = LittleEndian<uint16_t>;
using ul32 = LittleEndian<uint32_t>;
using ul64 = LittleEndian<uint64_t>;

constexpr uint32_t kLocalHeaderSig = 0x04034b50;    // PK\3\4
constexpr uint32_t kCentralHeaderSig = 0x02014b50;  // PK\1\2
constexpr uint32_t kEocdSig = 0x06054b50;           // PK\5\6
constexpr uint32_t kZip64EocdSig = 0x06064b50;      // PK\6\6
constexpr uint32_t kZip64LocatorSig = 0x07064b50;   // PK\6\7
constexpr uint32_t kDataDescriptorSig = 0x08074b50; // PK\7\8 (optional)

// General purpose flag bits.
constexpr uint16_t kFlagEncrypted = 1 << 0;
constexpr uint16_t kFlagDataDescriptor = 1 << 3;  // CRC and sizes follow the data
constexpr uint16_t kFlagUtf8 = 1 << 11;

constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflated = 8;

// A 32-bit size or offset (or 16-bit count) with this value is in zip64 records.
constexpr uint32_t kSat32 = 0xFFFFFFFF;
constexpr uint16_t kSat16 = 0xFFFF;
constexpr size_t kMaxComment = 0xFFFF;

constexpr uint16_t kZip64ExtraId = 0x0001;  // zip64 extended information extra field

struct LocalHeader {
  ul32 signature;
  ul16 version_needed;
  ul16 flags;
  ul16 method;
  ul16 dos_time;
  ul16 dos_date;
  ul32 crc32;
  ul32 compressed_size;
  ul32 uncompressed_size;
  ul16 name_len;
  ul16 extra_len;
  // name, extra fields
};

struct CentralHeader {
  ul32 signature;
  ul16 version_made_by;
  ul16 version_needed;
  ul16 flags;
  ul16 method;
  ul16 dos_time;
  ul16 dos_date;
  ul32 crc32;
  ul32 compressed_size;
  ul32 uncompressed_size;
  ul16 name_len;
  ul16 extra_len;
  ul16 comment_len;
  ul16 disk_start;
  ul16 internal_attrs;
  ul32 external_attrs;
  ul32 local_header_offset;  // declared: without any prefix (unless `zip -A`)
  // name, extra fields, comment
};

struct Eocd {  // end of central directory record
  ul32 signature;
  ul16 this_disk;
  ul16 cd_disk;
  ul16 disk_entries;
  ul16 total_entries;
  ul32 cd_size;
  ul32 cd_offset;
  ul16 comment_len;
  // comment
};

struct Zip64Eocd {  // zip64 end of central directory record
  ul32 signature;
  ul64 record_size;  // of what follows this field: 44 + extensible data
  ul16 version_made_by;
  ul16 version_needed;
  ul32 this_disk;
  ul32 cd_disk;
  ul64 disk_entries;
  ul64 total_entries;
  ul64 cd_size;
  ul64 cd_offset;
  // extensible data sector
};
// record_size counts from here: the signature and the size field itself are not included.
constexpr size_t kZip64EocdLead = 12;

struct Zip64Locator {
  ul32 signature;
  ul32 eocd_disk;
  ul64 eocd_offset;
  ul32 total_disks;
};

struct ExtraFieldHeader {
  ul16 id;
  ul16 size;
};

static_assert(sizeof(LocalHeader) == 30 && sizeof(CentralHeader) == 46 && sizeof(Eocd) == 22 &&
              sizeof(Zip64Eocd) == 56 && sizeof(Zip64Locator) == 20 && sizeof(ExtraFieldHeader) == 4);

// A record from bytes (p must hold sizeof(Record) of them), and back.
template <typename Record>
Record load_record(const void* p) {
  static_assert(std::is_trivially_copyable_v<Record>);
  Record r;
  std::memcpy(&r, p, sizeof r);
  return r;
}
template <typename Record>
void store_record(void* p, const Record& r) {
  std::memcpy(p, &r, sizeof r);
}
// Appends the record's bytes.
template <typename Record>
void append_record(std::string& out, const Record& r) {
  out.append(reinterpret_cast<const char*>(&r), sizeof r);
}

// Little-endian loads and stores at byte offsets, for fields addressed by
// position (signatures, extra field payloads).
inline uint16_t load16(const void* p) { return load_record<ul16>(p); }
inline uint32_t load32(const void* p) { return load_record<ul32>(p); }
inline uint64_t load64(const void* p) { return load_record<ul64>(p); }
inline void store64(void* p, uint64_t v) {
  ul64 le;
  le = v;
  store_record(p, le);
}

// Where the first extra field with this id lies in [extra, extra+len): its
// payload's offset and size. Like the JDK, a field whose declared size runs
// past the end stops the search, as if the field were absent.
struct ExtraField {
  size_t pos = 0;   // of the payload, from extra
  size_t size = 0;
  bool found = false;
};
inline ExtraField find_extra_field(const uint8_t* extra, size_t len, uint16_t id) {
  size_t p = 0;
  while (len - p >= sizeof(ExtraFieldHeader)) {
    const auto h = load_record<ExtraFieldHeader>(extra + p);
    p += sizeof h;
    if (h.size > len - p) break;
    if (h.id == id) return {p, h.size, true};
    p += h.size;
  }
  return {};
}

// Raw deflate streams (no zlib or gzip wrapper), as ZIP method 8 stores them.
class RawInflater {
 public:
  RawInflater() { ok_ = inflateInit2(&zs_, -MAX_WBITS) == Z_OK; }
  ~RawInflater() {
    if (ok_) inflateEnd(&zs_);
  }
  RawInflater(const RawInflater&) = delete;
  RawInflater& operator=(const RawInflater&) = delete;
  bool ok() const { return ok_; }
  z_stream* stream() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

class RawDeflater {
 public:
  // Z_DEFAULT_COMPRESSION is what the rewriter writes, so test archives built
  // with the same settings compare byte for byte with a rewrite.
  explicit RawDeflater(int level = Z_DEFAULT_COMPRESSION, size_t out_chunk = 1 << 20) : out_(out_chunk) {
    ok_ = deflateInit2(&zs_, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~RawDeflater() {
    if (ok_) deflateEnd(&zs_);
  }
  RawDeflater(const RawDeflater&) = delete;
  RawDeflater& operator=(const RawDeflater&) = delete;
  bool ok() const { return ok_; }

  // Compresses n bytes (flush Z_NO_FLUSH), or ends the stream (finish()),
  // handing the output to sink(const uint8_t*, size_t) -> bool in chunks.
  // False when zlib fails or the sink does.
  template <typename Sink>
  bool write(const void* data, size_t n, Sink&& sink) {
    zs_.next_in = static_cast<Bytef*>(const_cast<void*>(data));
    zs_.avail_in = static_cast<uInt>(n);
    return drain(Z_NO_FLUSH, sink);
  }
  template <typename Sink>
  bool finish(Sink&& sink) {
    zs_.next_in = nullptr;
    zs_.avail_in = 0;
    return drain(Z_FINISH, sink);
  }

 private:
  template <typename Sink>
  bool drain(int flush, Sink& sink) {
    do {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      if (deflate(&zs_, flush) == Z_STREAM_ERROR) return false;
      const size_t got = out_.size() - zs_.avail_out;
      if (got && !sink(out_.data(), got)) return false;
    } while (zs_.avail_out == 0);
    return true;
  }

  z_stream zs_{};
  bool ok_ = false;
  std::vector<uint8_t> out_;
};

}  // namespace l4s::archive::zip
