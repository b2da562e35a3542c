// Record layouts per APPNOTE.TXT 6.3.x. The reader has already checked the
// archive's structure; every range read here is still bounds-checked by the
// source, and every value written is checked to fit its field.
#include "remediate/zip_rewrite.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

namespace l4s::remediate {
namespace {

using archive::ByteSource;
using archive::ZipEntry;
using archive::ZipReader;

constexpr size_t kLocalSize = 30;
constexpr size_t kCentralSize = 46;
constexpr size_t kEocdSize = 22;
constexpr size_t kLocatorSize = 20;
constexpr size_t kZip64EocdMin = 56;
constexpr size_t kMaxZip64Eocd = 1 << 20;  // extensible data sector, bounded
constexpr uint32_t kSat32 = 0xFFFFFFFF;
constexpr uint16_t kSat16 = 0xFFFF;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kDescriptorFlag = 1 << 3;
constexpr size_t kChunk = 1 << 20;

uint16_t get16(const std::string& s, size_t p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[p]) | static_cast<uint8_t>(s[p + 1]) << 8);
}
uint32_t get32(const std::string& s, size_t p) { return get16(s, p) | uint32_t{get16(s, p + 2)} << 16; }
uint64_t get64(const std::string& s, size_t p) { return get32(s, p) | uint64_t{get32(s, p + 4)} << 32; }
void set16(std::string& s, size_t p, uint64_t v) {
  s[p] = static_cast<char>(v & 0xFF);
  s[p + 1] = static_cast<char>((v >> 8) & 0xFF);
}
void set32(std::string& s, size_t p, uint64_t v) {
  set16(s, p, v & 0xFFFF);
  set16(s, p + 2, (v >> 16) & 0xFFFF);
}
void set64(std::string& s, size_t p, uint64_t v) {
  set32(s, p, v & 0xFFFFFFFF);
  set32(s, p + 4, v >> 32);
}

Result<std::string> read_bytes(const ByteSource& src, uint64_t offset, uint64_t n, const char* what) {
  using R = Result<std::string>;
  if (offset > src.size() || n > src.size() - offset) return R::failure(std::string(what) + " out of bounds");
  std::string out(static_cast<size_t>(n), '\0');
  if (n && !src.read_at(offset, out.data(), out.size())) return R::failure(std::string("cannot read ") + what);
  return out;
}

// Streams [offset, offset+n) of src to fn(const uint8_t*, size_t) -> bool.
template <typename Fn>
Status for_each_chunk(const ByteSource& src, uint64_t offset, uint64_t n, Fn&& fn) {
  if (offset > src.size() || n > src.size() - offset) return Status::failure("range out of bounds");
  if (const uint8_t* base = src.data()) {
    for (uint64_t done = 0; done < n;) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(kChunk, n - done));
      if (!fn(base + offset + done, k)) return Status::failure("write failed");
      done += k;
    }
    return Status();
  }
  std::unique_ptr<uint8_t[]> buf(new uint8_t[static_cast<size_t>(std::min<uint64_t>(kChunk, std::max<uint64_t>(n, 1)))]);
  for (uint64_t done = 0; done < n;) {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(kChunk, n - done));
    if (!src.read_at(offset + done, buf.get(), k)) return Status::failure("read error");
    if (!fn(buf.get(), k)) return Status::failure("write failed");
    done += k;
  }
  return Status();
}

Status copy_range(const ByteSource& src, uint64_t offset, uint64_t n, ZipSink& out) {
  bool write_failed = false;
  Status s = for_each_chunk(src, offset, n, [&](const uint8_t* p, size_t k) {
    write_failed = !out.write(p, k);
    return !write_failed;
  });
  if (write_failed) return Status::failure(out.error());
  return s;
}

bool write_str(ZipSink& out, const std::string& s) { return out.write(s.data(), s.size()); }

// Compares two ranges chunk by chunk; false on any difference or read error.
bool ranges_equal(const ByteSource& a, uint64_t a_off, const ByteSource& b, uint64_t b_off, uint64_t n) {
  if (a_off > a.size() || n > a.size() - a_off || b_off > b.size() || n > b.size() - b_off) return false;
  std::vector<uint8_t> x(static_cast<size_t>(std::min<uint64_t>(kChunk, n))), y(x.size());
  for (uint64_t done = 0; done < n;) {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(kChunk, n - done));
    if (!a.read_at(a_off + done, x.data(), k) || !b.read_at(b_off + done, y.data(), k)) return false;
    if (memcmp(x.data(), y.data(), k) != 0) return false;
    done += k;
  }
  return true;
}

// The data of the first zip64 extended-information field in extra fields
// starting at `at` (length len) of record s, as the reader finds it.
struct Zip64Field {
  size_t pos = 0;
  size_t size = 0;
  bool found = false;
};
Zip64Field find_zip64(const std::string& s, size_t at, size_t len) {
  size_t p = at;
  const size_t end = at + len;
  while (end - p >= 4) {
    const uint16_t id = get16(s, p);
    const uint16_t size = get16(s, p + 2);
    if (size > end - p - 4) break;
    if (id == kZip64ExtraId) return {p + 4, size, true};
    p += 4 + size;
  }
  return {};
}

// New CRC and sizes of a replaced entry.
struct NewData {
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
};

// Sets the 32-bit field at pos to v, or, when it is saturated, the next
// 64-bit slot of the zip64 field (slot advances). Fails when v does not fit.
Status set_sized(std::string& rec, size_t pos, uint64_t v, const Zip64Field& z, size_t* slot, const char* what) {
  if (get32(rec, pos) == kSat32) {
    if (!z.found || *slot + 8 > z.pos + z.size) {
      return Status::failure(std::string("zip64 field for the ") + what + " is missing");
    }
    set64(rec, *slot, v);
    *slot += 8;
    return Status();
  }
  if (v >= kSat32) return Status::failure(std::string(what) + " would need a zip64 field the entry lacks");
  set32(rec, pos, v);
  return Status();
}

// Central record: local header offset (declared, i.e. without the prefix),
// and for a replaced entry CRC, sizes and bit 3. Zip64 values sit in the
// spec's order (uncompressed, compressed, offset) for the saturated fields.
Status patch_central(std::string& rec, uint64_t declared_offset, const NewData* nd) {
  const size_t extra_at = kCentralSize + get16(rec, 28);
  const Zip64Field z = find_zip64(rec, extra_at, get16(rec, 30));
  size_t slot = z.pos;
  if (nd) {
    set16(rec, 8, get16(rec, 8) & ~kDescriptorFlag);
    set32(rec, 16, nd->crc);
    if (Status s = set_sized(rec, 24, nd->uncompressed, z, &slot, "uncompressed size"); !s.ok()) return s;
    if (Status s = set_sized(rec, 20, nd->compressed, z, &slot, "compressed size"); !s.ok()) return s;
  } else {
    if (get32(rec, 24) == kSat32) slot += 8;
    if (get32(rec, 20) == kSat32) slot += 8;
  }
  return set_sized(rec, 42, declared_offset, z, &slot, "local header offset");
}

// Local header of a replaced entry: CRC and sizes set, no data descriptor.
Status patch_local(std::string& hdr, const NewData& nd) {
  const size_t extra_at = kLocalSize + get16(hdr, 26);
  const Zip64Field z = find_zip64(hdr, extra_at, get16(hdr, 28));
  size_t slot = z.pos;
  set16(hdr, 6, get16(hdr, 6) & ~kDescriptorFlag);
  set32(hdr, 14, nd.crc);
  if (Status s = set_sized(hdr, 22, nd.uncompressed, z, &slot, "uncompressed size"); !s.ok()) return s;
  return set_sized(hdr, 18, nd.compressed, z, &slot, "compressed size");
}

Result<std::string> central_record(const ZipReader& zr, const ZipEntry& e) {
  auto fixed = read_bytes(*zr.source(), e.central_offset, kCentralSize, "central record");
  if (!fixed.ok()) return fixed;
  const uint64_t len = kCentralSize + uint64_t{get16(*fixed, 28)} + get16(*fixed, 30) + get16(*fixed, 32);
  return read_bytes(*zr.source(), e.central_offset, len, "central record");
}

Result<std::string> local_header(const ZipReader& zr, const ZipEntry& e) {
  auto fixed = read_bytes(*zr.source(), e.local_header_offset, kLocalSize, "local header");
  if (!fixed.ok()) return fixed;
  if (get32(*fixed, 0) != 0x04034b50) return Result<std::string>::failure("bad local header signature");
  const uint64_t len = kLocalSize + uint64_t{get16(*fixed, 26)} + get16(*fixed, 28);
  return read_bytes(*zr.source(), e.local_header_offset, len, "local header");
}

// Owns a raw-deflate stream.
class Deflater {
 public:
  Deflater() { ok_ = deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~Deflater() {
    if (ok_) deflateEnd(&zs_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  bool ok() const { return ok_; }
  z_stream* stream() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

// Writes a replaced entry: its (patched) local header and new data.
Status write_replaced(const ZipReader& zr, const ZipEntry& e, const archive::SourcePtr& content,
                      archive::MemoryBudget& budget, ZipSink& out, NewData* nd) {
  auto hdr = local_header(zr, e);
  if (!hdr.ok()) return Status::failure(hdr.error());
  if (e.method != 0 && e.method != 8) {
    return Status::failure("cannot rewrite a nested archive stored with method " + std::to_string(e.method));
  }
  uLong crc = 0;
  Status s = for_each_chunk(*content, 0, content->size(), [&](const uint8_t* p, size_t k) {
    crc = crc32_z(crc, p, k);
    return true;
  });
  if (!s.ok()) return s;
  nd->crc = static_cast<uint32_t>(crc);
  nd->uncompressed = content->size();

  archive::SourcePtr data = content;
  if (e.method == 8) {
    SpillSink packed(budget, content->size() / 2);
    Deflater d;
    if (!d.ok()) return Status::failure("deflate init failed");
    z_stream* zs = d.stream();
    std::vector<uint8_t> outbuf(kChunk);
    bool failed = false;
    auto drain = [&](int flush) {
      do {
        zs->next_out = outbuf.data();
        zs->avail_out = static_cast<uInt>(outbuf.size());
        const int rc = deflate(zs, flush);
        if (rc == Z_STREAM_ERROR) return false;
        const size_t got = outbuf.size() - zs->avail_out;
        if (got && !packed.write(outbuf.data(), got)) return false;
      } while (zs->avail_out == 0);
      return true;
    };
    s = for_each_chunk(*content, 0, content->size(), [&](const uint8_t* p, size_t k) {
      zs->next_in = const_cast<Bytef*>(p);
      zs->avail_in = static_cast<uInt>(k);
      failed = !drain(Z_NO_FLUSH);
      return !failed;
    });
    if (!s.ok() || failed) return Status::failure("deflating the rewritten nested archive failed");
    zs->next_in = nullptr;
    zs->avail_in = 0;
    if (!drain(Z_FINISH)) return Status::failure("deflating the rewritten nested archive failed");
    auto finished = packed.finish();
    if (!finished.ok()) return Status::failure(finished.error());
    data = *finished;
  }
  nd->compressed = data->size();
  if (Status p = patch_local(*hdr, *nd); !p.ok()) return p;
  if (!write_str(out, *hdr)) return Status::failure(out.error());
  return copy_range(*data, 0, data->size(), out);
}

// A 32-bit end-record field: left saturated when zip64 carries the value,
// else the new value, which must fit.
Status set_end_field32(std::string& eocd, size_t pos, uint64_t v, bool zip64, const char* what) {
  if (zip64 && get32(eocd, pos) == kSat32) return Status();
  if (v >= kSat32) return Status::failure(std::string("the ") + what + " would need zip64 end records");
  set32(eocd, pos, v);
  return Status();
}

}  // namespace

Status rewrite_zip(const ZipReader& zr, const ZipEdit& edit, archive::MemoryBudget& budget, ZipSink& out) {
  const auto& entries = zr.entries();
  const ByteSource& src = *zr.source();
  const archive::ZipLayout& layout = zr.layout();
  const uint64_t prefix = zr.prefix_size();
  for (const auto& [i, content] : edit.replace) {
    if (i >= entries.size() || !content) return Status::failure("bad replacement");
  }

  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return entries[a].local_header_offset < entries[b].local_header_offset; });
  const uint64_t first = order.empty() ? layout.cd_start : entries[order[0]].local_header_offset;
  if (first < prefix) return Status::failure("first local header lies inside the prefix");
  if (Status s = copy_range(src, 0, first, out); !s.ok()) return Status::failure("prefix: " + s.error());

  // Entries in the order they sit in the file.
  std::vector<uint64_t> new_offset(entries.size(), 0);
  std::map<size_t, NewData> new_data;
  for (size_t i : order) {
    if (edit.dropped(i)) continue;
    const ZipEntry& e = entries[i];
    new_offset[i] = out.position();
    auto rep = edit.replace.find(i);
    if (rep != edit.replace.end()) {
      Status s = write_replaced(zr, e, rep->second, budget, out, &new_data[i]);
      if (!s.ok()) return Status::failure(e.name + ": " + s.error());
      continue;
    }
    const uint64_t end = std::min(e.data_limit, layout.cd_start);
    if (end < e.local_header_offset) return Status::failure(e.name + ": entry extent out of order");
    if (Status s = copy_range(src, e.local_header_offset, end - e.local_header_offset, out); !s.ok()) {
      return Status::failure(e.name + ": " + s.error());
    }
  }

  // Central directory, in its original order.
  const uint64_t cd_start = out.position();
  uint64_t kept = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (edit.dropped(i)) continue;
    ++kept;
    auto rec = central_record(zr, entries[i]);
    if (!rec.ok()) return Status::failure(entries[i].name + ": " + rec.error());
    auto nd = new_data.find(i);
    Status s = patch_central(*rec, new_offset[i] - prefix, nd == new_data.end() ? nullptr : &nd->second);
    if (!s.ok()) return Status::failure(entries[i].name + ": " + s.error());
    if (!write_str(out, *rec)) return Status::failure(out.error());
  }
  const uint64_t cd_size = out.position() - cd_start;

  const bool zip64 = layout.zip64_eocd != UINT64_MAX;
  if (zip64) {
    auto head = read_bytes(src, layout.zip64_eocd, 12, "zip64 end record");
    if (!head.ok()) return Status::failure(head.error());
    const uint64_t len = get64(*head, 4) + 12;
    if (len < kZip64EocdMin || len > kMaxZip64Eocd || layout.zip64_eocd + len > layout.zip64_locator) {
      return Status::failure("malformed zip64 end record size");
    }
    auto rec = read_bytes(src, layout.zip64_eocd, len, "zip64 end record");
    auto loc = read_bytes(src, layout.zip64_locator, kLocatorSize, "zip64 locator");
    if (!rec.ok() || !loc.ok()) return Status::failure(!rec.ok() ? rec.error() : loc.error());
    set64(*rec, 24, kept);
    set64(*rec, 32, kept);
    set64(*rec, 40, cd_size);
    set64(*rec, 48, cd_start - prefix);
    // The locator's offset follows the original's convention (with or without the prefix).
    const uint64_t base = get64(*loc, 8) == layout.zip64_eocd ? 0 : prefix;
    set64(*loc, 8, out.position() - base);
    if (!write_str(out, *rec) || !write_str(out, *loc)) return Status::failure(out.error());
  }

  auto eocd = read_bytes(src, layout.eocd, kEocdSize, "end record");
  if (!eocd.ok()) return Status::failure(eocd.error());
  const uint64_t comment_len = get16(*eocd, 20);
  auto comment = read_bytes(src, layout.eocd + kEocdSize, comment_len, "archive comment");
  if (!comment.ok()) return Status::failure(comment.error());
  for (size_t pos : {8, 10}) {
    if (!(zip64 && get16(*eocd, pos) == kSat16)) set16(*eocd, pos, kept & 0xFFFF);
  }
  if (Status s = set_end_field32(*eocd, 12, cd_size, zip64, "central directory size"); !s.ok()) return s;
  if (Status s = set_end_field32(*eocd, 16, cd_start - prefix, zip64, "central directory offset"); !s.ok()) return s;
  if (!write_str(out, *eocd) || !write_str(out, *comment)) return Status::failure(out.error());
  const uint64_t tail = layout.eocd + kEocdSize + comment_len;
  if (Status s = copy_range(src, tail, src.size() - tail, out); !s.ok()) return Status::failure("trailing data: " + s.error());
  return Status();
}

Status verify_all_entries(const ZipReader& zr) {
  for (const ZipEntry& e : zr.entries()) {
    if (e.encrypted() || (e.method != 0 && e.method != 8)) {
      // Only an empty entry can be vouched for whatever its method.
      auto off = zr.data_offset(e);
      if (!off.ok()) return Status::failure(e.name + ": " + off.error());
      if (e.compressed_size == 0 && e.uncompressed_size == 0 && e.crc32 == 0) continue;
      return Status::failure(e.name + ": " +
                             (e.encrypted() ? std::string("encrypted")
                                            : "compression method " + std::to_string(e.method)) +
                             ", its content cannot be checked");
    }
    Status s = zr.verify(e);
    if (!s.ok()) return Status::failure(e.name + ": " + s.error());
  }
  return Status();
}

Status verify_rewrite(const ZipReader& original, const ZipEdit& edit, const ZipReader& output) {
  const auto& a = original.entries();
  const auto& b = output.entries();
  size_t expected = 0;
  for (size_t i = 0; i < a.size(); ++i) expected += edit.dropped(i) ? 0 : 1;
  if (b.size() != expected) {
    return Status::failure("output has " + std::to_string(b.size()) + " entries, expected " + std::to_string(expected));
  }
  const ByteSource& sa = *original.source();
  const ByteSource& sb = *output.source();

  auto first_local = [](const ZipReader& zr) {
    uint64_t f = zr.layout().cd_start;
    for (const ZipEntry& e : zr.entries()) f = std::min(f, e.local_header_offset);
    return f;
  };
  const uint64_t pa = first_local(original), pb = first_local(output);
  if (pa != pb || !ranges_equal(sa, 0, sb, 0, pa)) return Status::failure("prefix data differs");
  if (original.prefix_size() != output.prefix_size()) return Status::failure("prefix offset convention differs");

  size_t j = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (edit.dropped(i)) continue;
    const ZipEntry& x = a[i];
    const ZipEntry& y = b[j++];
    auto fail = [&](const std::string& why) { return Status::failure(x.name + ": " + why); };
    if (x.name != y.name) return fail("name differs in output (" + y.name + ")");
    if (x.method != y.method) return fail("compression method differs");
    if (x.dos_time != y.dos_time || x.external_attrs != y.external_attrs || x.version_made_by != y.version_made_by) {
      return fail("time or attributes differ");
    }
    auto rec_a = central_record(original, x);
    auto rec_b = central_record(output, y);
    if (!rec_a.ok() || !rec_b.ok()) return fail(!rec_a.ok() ? rec_a.error() : rec_b.error());
    auto off_b = output.data_offset(y);
    if (!off_b.ok()) return fail("output: " + off_b.error());
    auto hdr_b = read_bytes(sb, y.local_header_offset, *off_b - y.local_header_offset, "output local header");
    if (!hdr_b.ok()) return fail(hdr_b.error());
    const uint64_t declared = y.local_header_offset - output.prefix_size();

    auto rep = edit.replace.find(i);
    if (rep == edit.replace.end()) {
      if (x.flags != y.flags || x.crc32 != y.crc32 || x.compressed_size != y.compressed_size ||
          x.uncompressed_size != y.uncompressed_size) {
        return fail("flags, CRC or sizes differ");
      }
      auto off_a = original.data_offset(x);
      if (!off_a.ok()) return fail(off_a.error());
      if (*off_a - x.local_header_offset != *off_b - y.local_header_offset ||
          !ranges_equal(sa, x.local_header_offset, sb, y.local_header_offset, *off_a - x.local_header_offset)) {
        return fail("local header differs");
      }
      if (!ranges_equal(sa, *off_a, sb, *off_b, x.compressed_size)) return fail("compressed data differs");
      std::string expect = *rec_a;
      if (Status s = patch_central(expect, declared, nullptr); !s.ok()) return fail(s.error());
      if (expect != *rec_b) return fail("central directory record differs beyond its offset");
    } else {
      const archive::SourcePtr& content = rep->second;
      uLong crc = 0;
      Status s = for_each_chunk(*content, 0, content->size(), [&](const uint8_t* p, size_t k) {
        crc = crc32_z(crc, p, k);
        return true;
      });
      if (!s.ok()) return fail(s.error());
      NewData nd{static_cast<uint32_t>(crc), y.compressed_size, content->size()};
      if (y.crc32 != nd.crc || y.uncompressed_size != nd.uncompressed || (x.flags & ~kDescriptorFlag) != y.flags) {
        return fail("rewritten nested archive not recorded as written");
      }
      if (y.method == 0 && (y.compressed_size != content->size() ||
                            !ranges_equal(*content, 0, sb, *off_b, content->size()))) {
        return fail("stored nested archive differs from its rewrite");
      }
      auto hdr_a = local_header(original, x);
      if (!hdr_a.ok()) return fail(hdr_a.error());
      std::string expect_hdr = *hdr_a;
      if (Status p = patch_local(expect_hdr, nd); !p.ok()) return fail(p.error());
      if (expect_hdr != *hdr_b) return fail("rewritten local header differs from the original beyond CRC and sizes");
      std::string expect = *rec_a;
      if (Status p = patch_central(expect, declared, &nd); !p.ok()) return fail(p.error());
      if (expect != *rec_b) return fail("central directory record differs beyond offset, CRC and sizes");
    }
    if (!y.encrypted() && (y.method == 0 || y.method == 8)) {
      if (Status s = output.verify(y); !s.ok()) return fail("output: " + s.error());
    }
  }

  // Archive comment and what follows the end record.
  auto comment_of = [](const ZipReader& zr) -> Result<std::string> {
    auto eocd = read_bytes(*zr.source(), zr.layout().eocd, kEocdSize, "end record");
    if (!eocd.ok()) return eocd;
    const uint64_t start = zr.layout().eocd + kEocdSize;
    return read_bytes(*zr.source(), start, zr.source()->size() - start, "archive comment");
  };
  auto ca = comment_of(original), cb = comment_of(output);
  if (!ca.ok() || !cb.ok()) return Status::failure(!ca.ok() ? ca.error() : cb.error());
  if (*ca != *cb) return Status::failure("archive comment or trailing data differs");
  return Status();
}

}  // namespace l4s::remediate
