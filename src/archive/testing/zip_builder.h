// Test helper: one deterministic ZIP writer for every test and fuzzer that
// needs archive bytes. It covers what the reader must parse and the rewriter
// must preserve: stored and deflated entries, other methods written as is,
// encryption and UTF-8 flags, a prefix (launcher script) with or without
// adjusted offsets, zip64, data descriptors (with or without signature),
// extra fields, entry and archive comments, duplicate names, trailing bytes.
// Damaged variants are made by patching the built bytes at the offsets
// build_with_offsets() reports.
//
// Records are written through archive/zip_format.h, and deflate uses the
// rewriter's zlib settings, so a rewrite can be compared byte for byte with
// building the expected archive directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace l4s::testzip {

struct Entry {
  Entry() = default;
  Entry(std::string n, std::string c, uint16_t m = 8, uint16_t flags = 0)
      : name(std::move(n)), content(std::move(c)), method(m), extra_flags(flags) {}
  std::string name;
  std::string content;
  uint16_t method = 8;          // 0 stored, 8 deflated; anything else: content written as is
  uint16_t extra_flags = 0;     // flag bits besides bit 3, e.g. 1 (encrypted) or 0x800 (UTF-8 names)
  bool descriptor = false;      // flag bit 3: zeros in the local header, descriptor after the data
  bool descriptor_sig = true;   // descriptor starts with PK\7\8
  std::string local_extra;      // raw extra fields (not zip64, which is added when zip64)
  std::string central_extra;
  std::string comment;
  uint32_t dos_time = 0x54216000;  // DOS date << 16 | time
  uint32_t external_attrs = 0x81A40000;
  uint16_t version_made_by = 0x031E;  // unix, 3.0
};

struct Spec {
  std::vector<Entry> entries;
  std::string prefix;                   // launcher script before the archive
  bool offsets_include_prefix = false;  // like `zip -A`
  bool zip64 = false;                   // saturated fields, zip64 extras and end records
  std::string comment;
  std::string trailing;                 // junk after the end record
};

// The archive and where its records start (absolute offsets).
struct Built {
  std::string bytes;
  std::vector<size_t> local;    // local headers, by entry
  std::vector<size_t> central;  // central directory records, by entry
  size_t cd_start = 0;
  size_t eocd = 0;              // end of central directory record
};

Built build_with_offsets(const Spec& spec);
inline std::string build(const Spec& spec) { return build_with_offsets(spec).bytes; }

// Raw deflate with the rewriter's settings, and CRC-32.
std::string deflate_raw(const std::string& in);
uint32_t crc_of(const std::string& s);

// Little-endian fields of built bytes, read or patched in place, or appended.
uint16_t get16(const std::string& s, size_t pos);
uint32_t get32(const std::string& s, size_t pos);
void set16(std::string& s, size_t pos, uint16_t v);
void set32(std::string& s, size_t pos, uint32_t v);
void put32(std::string& s, uint32_t v);

}  // namespace l4s::testzip
