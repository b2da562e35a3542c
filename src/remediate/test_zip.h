// Test helper: a deterministic ZIP writer covering what the rewriter must
// preserve (prefix, zip64, data descriptors, extra fields, comments, odd
// methods, duplicate names, trailing bytes). Deflate uses the same zlib
// settings as the rewriter, so a rewrite can be compared byte for byte with
// building the expected archive directly.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace l4s::remediate::testzip {

inline void put16(std::string& s, uint64_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
inline void put32(std::string& s, uint64_t v) {
  put16(s, v & 0xffff);
  put16(s, (v >> 16) & 0xffff);
}
inline void put64(std::string& s, uint64_t v) {
  put32(s, v & 0xffffffff);
  put32(s, v >> 32);
}
inline uint32_t get32(const std::string& s, size_t p) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[p + i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}
inline uint16_t get16(const std::string& s, size_t p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[p]) | static_cast<uint8_t>(s[p + 1]) << 8);
}

inline std::string deflate_raw(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 16, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

struct Entry {
  Entry() = default;
  Entry(std::string n, std::string c, uint16_t m = 8) : name(std::move(n)), content(std::move(c)), method(m) {}
  std::string name;
  std::string content;
  uint16_t method = 8;          // 0 stored, 8 deflated; anything else: content written as is
  bool descriptor = false;      // flag bit 3: zeros in the local header, descriptor after the data
  bool descriptor_sig = true;   // descriptor starts with PK\7\8
  std::string local_extra;      // raw extra fields (not zip64, which is added when zip64)
  std::string central_extra;
  std::string comment;
  uint32_t dos_time = 0x54216000;
  uint32_t external_attrs = 0x81A40000;
  uint16_t version_made_by = 0x031E;
  uint16_t extra_flags = 0;     // e.g. 0x800 (UTF-8 names)
};

struct Spec {
  std::vector<Entry> entries;
  std::string prefix;                   // launcher script before the archive
  bool offsets_include_prefix = false;  // like `zip -A`
  bool zip64 = false;                   // saturated fields, zip64 extras and end records
  std::string comment;
  std::string trailing;                 // junk after the end record
};

inline std::string build(const Spec& spec) {
  std::string out = spec.prefix;
  const uint64_t base = spec.offsets_include_prefix ? 0 : spec.prefix.size();
  const uint16_t version = spec.zip64 ? 45 : 20;
  std::vector<std::string> data;
  std::vector<uint64_t> local;
  for (const Entry& e : spec.entries) {
    data.push_back(e.method == 8 ? deflate_raw(e.content) : e.content);
    const std::string& d = data.back();
    const uint16_t flags = static_cast<uint16_t>((e.descriptor ? 8 : 0) | e.extra_flags);
    local.push_back(out.size());
    put32(out, 0x04034b50);
    put16(out, version);
    put16(out, flags);
    put16(out, e.method);
    put32(out, e.dos_time);
    put32(out, e.descriptor ? 0 : crc_of(e.content));
    if (spec.zip64) {
      put32(out, 0xFFFFFFFF);
      put32(out, 0xFFFFFFFF);
    } else {
      put32(out, e.descriptor ? 0 : d.size());
      put32(out, e.descriptor ? 0 : e.content.size());
    }
    put16(out, e.name.size());
    put16(out, e.local_extra.size() + (spec.zip64 ? 20 : 0));
    out += e.name;
    if (spec.zip64) {
      put16(out, 1);
      put16(out, 16);
      put64(out, e.descriptor ? 0 : e.content.size());
      put64(out, e.descriptor ? 0 : d.size());
    }
    out += e.local_extra;
    out += d;
    if (e.descriptor) {
      if (e.descriptor_sig) put32(out, 0x08074b50);
      put32(out, crc_of(e.content));
      if (spec.zip64) {
        put64(out, d.size());
        put64(out, e.content.size());
      } else {
        put32(out, d.size());
        put32(out, e.content.size());
      }
    }
  }
  const uint64_t cd_start = out.size();
  for (size_t i = 0; i < spec.entries.size(); ++i) {
    const Entry& e = spec.entries[i];
    const uint16_t flags = static_cast<uint16_t>((e.descriptor ? 8 : 0) | e.extra_flags);
    put32(out, 0x02014b50);
    put16(out, e.version_made_by);
    put16(out, version);
    put16(out, flags);
    put16(out, e.method);
    put32(out, e.dos_time);
    put32(out, crc_of(e.content));
    put32(out, spec.zip64 ? 0xFFFFFFFF : data[i].size());
    put32(out, spec.zip64 ? 0xFFFFFFFF : e.content.size());
    put16(out, e.name.size());
    put16(out, e.central_extra.size() + (spec.zip64 ? 28 : 0));
    put16(out, e.comment.size());
    put16(out, 0);
    put16(out, 0);
    put32(out, e.external_attrs);
    put32(out, spec.zip64 ? 0xFFFFFFFF : local[i] - base);
    out += e.name;
    if (spec.zip64) {
      put16(out, 1);
      put16(out, 24);
      put64(out, e.content.size());
      put64(out, data[i].size());
      put64(out, local[i] - base);
    }
    out += e.central_extra;
    out += e.comment;
  }
  const uint64_t cd_size = out.size() - cd_start;
  const uint64_t n = spec.entries.size();
  if (spec.zip64) {
    const uint64_t rec = out.size();
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, n);
    put64(out, n);
    put64(out, cd_size);
    put64(out, cd_start - base);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, rec - base);
    put32(out, 1);
  }
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, spec.zip64 ? 0xFFFF : n);
  put16(out, spec.zip64 ? 0xFFFF : n);
  put32(out, spec.zip64 ? 0xFFFFFFFF : cd_size);
  put32(out, spec.zip64 ? 0xFFFFFFFF : cd_start - base);
  put16(out, spec.comment.size());
  out += spec.comment;
  out += spec.trailing;
  return out;
}

}  // namespace l4s::remediate::testzip
