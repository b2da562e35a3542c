// ZIP central-directory reader (jar, war, ear, ...): reads only the end
// records and the central directory; entry data is inflated on demand.
// Handles data prepended to the archive (launcher scripts), zip64, and
// detects overlapping entries (zip bombs) instead of inflating them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "core/result.h"

namespace l4s::archive {

struct ZipEntry {
  std::string name;            // as stored (CP437 or UTF-8 bytes), '/'-separated
  uint16_t method = 0;         // 0 stored, 8 deflate, others unsupported
  uint16_t flags = 0;          // bit 0: encrypted
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;  // absolute, prefix already added
  uint64_t central_offset = 0;       // absolute offset of its central directory record
  uint32_t dos_time = 0;       // DOS date << 16 | time
  uint32_t external_attrs = 0;
  uint16_t version_made_by = 0;
  // Where the next entry's local header (or the central directory) starts, set
  // by ZipReader::open: the entry's data must end there. Reads of an entry
  // built by hand (left at the default) are bounded by the source size only.
  uint64_t data_limit = UINT64_MAX;
  bool is_directory() const { return !name.empty() && name.back() == '/'; }
  bool encrypted() const { return flags & 1; }
};

// Where the archive's structures sit in the source (absolute offsets), for
// tools that rewrite it record by record.
struct ZipLayout {
  uint64_t cd_start = 0;
  uint64_t cd_size = 0;
  uint64_t eocd = 0;                     // end of central directory record
  uint64_t zip64_eocd = UINT64_MAX;      // zip64 end record, when it was used
  uint64_t zip64_locator = UINT64_MAX;   // its locator (right before eocd)
};

class ZipReader {
 public:
  // Parses the end-of-central-directory record (searching the last 64 KiB),
  // zip64 records and the central directory. Fails with a reason on anything
  // malformed; tolerates a prefix before the first local header.
  // Overlapping entries (a zip bomb that reuses one compressed kernel for many
  // entries) fail the whole archive with "overlapping entries (zip bomb)":
  // no entry is listed, so nothing gets inflated. Local headers are not read
  // here (listing touches only the tail of the source); each read re-checks
  // its entry's real data range against data_limit.
  static Result<ZipReader> open(SourcePtr source);
  static constexpr uint64_t kMaxEntries = 1'000'000;

  const std::vector<ZipEntry>& entries() const { return entries_; }
  uint64_t prefix_size() const { return prefix_size_; }  // bytes before the archive proper
  const SourcePtr& source() const { return source_; }
  const ZipLayout& layout() const { return layout_; }

  // Offset of the entry's compressed data (parses its local header).
  Result<uint64_t> data_offset(const ZipEntry& entry) const;

  // Decompressed content; fails if it would exceed max_bytes (error "entry
  // exceeds N bytes", inflation stops there), the CRC or size is wrong, the
  // entry is encrypted, or the method is not 0/8 ("unsupported compression
  // method N"). All methods are const and safe to call concurrently.
  Result<std::string> read(const ZipEntry& entry, uint64_t max_bytes) const;

  // First up to n decompressed bytes (content sniffing without full inflation).
  Result<std::string> peek(const ZipEntry& entry, size_t n) const;

  // Inflates the entry without keeping it and checks its size and CRC, for
  // validating a whole archive in bounded memory. Same failures as read().
  Status verify(const ZipEntry& entry) const;

  // The entry as a source: a sub-range when STORED (no copy, CRC not checked),
  // else inflated into memory within budget or spilled to a temp file (CRC
  // checked). Fails past max_bytes. The budget must outlive the source.
  Result<SourcePtr> open_entry(const ZipEntry& entry, MemoryBudget& budget,
                               uint64_t max_bytes) const;

 private:
  SourcePtr source_;
  std::vector<ZipEntry> entries_;
  uint64_t prefix_size_ = 0;
  ZipLayout layout_;
};

// One entry's decompressed content read front to back in bounded memory
// (64 KiB of input at a time), for consumers that stream it, such as `hunt`
// reading logs packed in a zip. Size and CRC are checked when the end is
// reached: the read that would return 0 fails instead when they are wrong, so
// a damaged entry is reported after its readable bytes were delivered.
class ZipEntryStream {
 public:
  // Same refusals as ZipReader::read (encrypted, unsupported method, data
  // outside the archive). The reader must outlive the stream.
  static Result<std::unique_ptr<ZipEntryStream>> open(const ZipReader& zip, const ZipEntry& entry);
  ~ZipEntryStream();
  ZipEntryStream(const ZipEntryStream&) = delete;
  ZipEntryStream& operator=(const ZipEntryStream&) = delete;

  // Up to cap (> 0) bytes; 0 only at the end of an intact entry. Never yields
  // more than the declared size: more fails ("entry exceeds N bytes").
  Result<size_t> read(void* buf, size_t cap);

 private:
  struct Inflate;
  ZipEntryStream(const ZipReader& zip, const ZipEntry& entry, uint64_t data_offset);
  Status finish() const;

  const ByteSource& source_;
  ZipEntry entry_;
  uint64_t in_offset_;    // next compressed (or stored) byte to read
  uint64_t in_left_;      // compressed bytes not yet read
  uint64_t produced_ = 0;
  unsigned long crc_ = 0;
  bool done_ = false;
  std::unique_ptr<Inflate> inflate_;  // null for STORED entries
};

// True when the bytes look like the start of a ZIP local header or an empty
// archive (PK\3\4 / PK\5\6), used to detect nested archives by content.
bool looks_like_zip(const void* data, size_t n);

}  // namespace l4s::archive
