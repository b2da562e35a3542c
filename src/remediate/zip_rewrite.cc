// Record layouts per APPNOTE.TXT 6.3.x, as archive/zip_format.h defines them.
// The reader has already checked the archive's structure; every range read
// here is still bounds-checked by the source, and every value written is
// checked to fit its field.
#include "remediate/zip_rewrite.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "archive/zip_format.h"

namespace l4s::remediate {
namespace {

using archive::ByteSource;
using archive::ZipEntry;
using archive::ZipReader;

namespace zip = archive::zip;
using zip::kSat16;
using zip::kSat32;

constexpr size_t kMaxZip64Eocd = 1 << 20;  // extensible data sector, bounded
constexpr size_t kChunk = 1 << 20;

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

// New CRC and sizes of a replaced entry.
struct NewData {
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
};

// The 64-bit slots of a record's zip64 extended-information field, as the
// reader finds it, taken in the spec's order (uncompressed size, compressed
// size, local header offset) for the fields saturated in the header.
class Zip64Slots {
 public:
  Zip64Slots(std::string& rec, size_t extra_at, size_t extra_len)
      : rec_(rec),
        field_(zip::find_extra_field(reinterpret_cast<const uint8_t*>(rec.data()) + extra_at, extra_len,
                                     zip::kZip64ExtraId)),
        next_(extra_at + field_.pos),
        end_(next_ + field_.size) {}

  // Sets the 32-bit field to v, or, when it is saturated, the next slot.
  // Fails when v does not fit.
  Status set(zip::ul32& field, uint64_t v, const char* what) {
    if (field == kSat32) {
      if (!field_.found || next_ + 8 > end_) {
        return Status::failure(std::string("zip64 field for the ") + what + " is missing");
      }
      zip::store64(rec_.data() + next_, v);
      next_ += 8;
      return Status();
    }
    if (v >= kSat32) return Status::failure(std::string(what) + " would need a zip64 field the entry lacks");
    field = static_cast<uint32_t>(v);
    return Status();
  }
  // Passes over the slot of a saturated field left as it is.
  void keep(const zip::ul32& field) {
    if (field == kSat32) next_ += 8;
  }

 private:
  std::string& rec_;
  zip::ExtraField field_;
  size_t next_;
  size_t end_;
};

// Central record: local header offset (declared, i.e. without the prefix),
// and for a replaced entry CRC, sizes and bit 3.
Status patch_central(std::string& rec, uint64_t declared_offset, const NewData* nd) {
  auto h = zip::load_record<zip::CentralHeader>(rec.data());
  Zip64Slots z(rec, sizeof h + h.name_len, h.extra_len);
  if (nd) {
    h.flags = static_cast<uint16_t>(h.flags & ~zip::kFlagDataDescriptor);
    h.crc32 = nd->crc;
    if (Status s = z.set(h.uncompressed_size, nd->uncompressed, "uncompressed size"); !s.ok()) return s;
    if (Status s = z.set(h.compressed_size, nd->compressed, "compressed size"); !s.ok()) return s;
  } else {
    z.keep(h.uncompressed_size);
    z.keep(h.compressed_size);
  }
  if (Status s = z.set(h.local_header_offset, declared_offset, "local header offset"); !s.ok()) return s;
  zip::store_record(rec.data(), h);
  return Status();
}

// Local header of a replaced entry: CRC and sizes set, no data descriptor.
Status patch_local(std::string& hdr, const NewData& nd) {
  auto h = zip::load_record<zip::LocalHeader>(hdr.data());
  Zip64Slots z(hdr, sizeof h + h.name_len, h.extra_len);
  h.flags = static_cast<uint16_t>(h.flags & ~zip::kFlagDataDescriptor);
  h.crc32 = nd.crc;
  if (Status s = z.set(h.uncompressed_size, nd.uncompressed, "uncompressed size"); !s.ok()) return s;
  if (Status s = z.set(h.compressed_size, nd.compressed, "compressed size"); !s.ok()) return s;
  zip::store_record(hdr.data(), h);
  return Status();
}

Result<std::string> central_record(const ZipReader& zr, const ZipEntry& e) {
  auto fixed = read_bytes(*zr.source(), e.central_offset, sizeof(zip::CentralHeader), "central record");
  if (!fixed.ok()) return fixed;
  const auto h = zip::load_record<zip::CentralHeader>(fixed->data());
  const uint64_t len = sizeof h + uint64_t{h.name_len} + h.extra_len + h.comment_len;
  return read_bytes(*zr.source(), e.central_offset, len, "central record");
}

Result<std::string> local_header(const ZipReader& zr, const ZipEntry& e) {
  auto fixed = read_bytes(*zr.source(), e.local_header_offset, sizeof(zip::LocalHeader), "local header");
  if (!fixed.ok()) return fixed;
  const auto h = zip::load_record<zip::LocalHeader>(fixed->data());
  if (h.signature != zip::kLocalHeaderSig) return Result<std::string>::failure("bad local header signature");
  const uint64_t len = sizeof h + uint64_t{h.name_len} + h.extra_len;
  return read_bytes(*zr.source(), e.local_header_offset, len, "local header");
}

// Writes a replaced entry: its (patched) local header and new data.
Status write_replaced(const ZipReader& zr, const ZipEntry& e, const archive::SourcePtr& content,
                      archive::MemoryBudget& budget, ZipSink& out, NewData* nd) {
  auto hdr = local_header(zr, e);
  if (!hdr.ok()) return Status::failure(hdr.error());
  if (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated) {
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
  if (e.method == zip::kMethodDeflated) {
    SpillSink packed(budget, content->size() / 2);
    zip::RawDeflater d(Z_DEFAULT_COMPRESSION, kChunk);
    if (!d.ok()) return Status::failure("deflate init failed");
    auto to_packed = [&](const uint8_t* p, size_t k) { return packed.write(p, k); };
    bool failed = false;
    s = for_each_chunk(*content, 0, content->size(), [&](const uint8_t* p, size_t k) {
      failed = !d.write(p, k, to_packed);
      return !failed;
    });
    if (!s.ok() || failed) return Status::failure("deflating the rewritten nested archive failed");
    if (!d.finish(to_packed)) return Status::failure("deflating the rewritten nested archive failed");
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
Status set_end_field32(zip::ul32& field, uint64_t v, bool zip64, const char* what) {
  if (zip64 && field == kSat32) return Status();
  if (v >= kSat32) return Status::failure(std::string("the ") + what + " would need zip64 end records");
  field = static_cast<uint32_t>(v);
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
    auto head = read_bytes(src, layout.zip64_eocd, zip::kZip64EocdLead, "zip64 end record");
    if (!head.ok()) return Status::failure(head.error());
    const uint64_t len = zip::load64(head->data() + 4) + zip::kZip64EocdLead;  // record_size
    if (len < sizeof(zip::Zip64Eocd) || len > kMaxZip64Eocd || layout.zip64_eocd + len > layout.zip64_locator) {
      return Status::failure("malformed zip64 end record size");
    }
    auto rec = read_bytes(src, layout.zip64_eocd, len, "zip64 end record");
    auto loc = read_bytes(src, layout.zip64_locator, sizeof(zip::Zip64Locator), "zip64 locator");
    if (!rec.ok() || !loc.ok()) return Status::failure(!rec.ok() ? rec.error() : loc.error());
    auto r = zip::load_record<zip::Zip64Eocd>(rec->data());
    r.disk_entries = kept;
    r.total_entries = kept;
    r.cd_size = cd_size;
    r.cd_offset = cd_start - prefix;
    zip::store_record(rec->data(), r);
    // The locator's offset follows the original's convention (with or without the prefix).
    auto l = zip::load_record<zip::Zip64Locator>(loc->data());
    const uint64_t base = l.eocd_offset == layout.zip64_eocd ? 0 : prefix;
    l.eocd_offset = out.position() - base;
    zip::store_record(loc->data(), l);
    if (!write_str(out, *rec) || !write_str(out, *loc)) return Status::failure(out.error());
  }

  auto eocd_bytes = read_bytes(src, layout.eocd, sizeof(zip::Eocd), "end record");
  if (!eocd_bytes.ok()) return Status::failure(eocd_bytes.error());
  auto eocd = zip::load_record<zip::Eocd>(eocd_bytes->data());
  const uint64_t comment_len = eocd.comment_len;
  auto comment = read_bytes(src, layout.eocd + sizeof eocd, comment_len, "archive comment");
  if (!comment.ok()) return Status::failure(comment.error());
  for (zip::ul16* count : {&eocd.disk_entries, &eocd.total_entries}) {
    if (!(zip64 && *count == kSat16)) *count = static_cast<uint16_t>(kept & 0xFFFF);
  }
  if (Status s = set_end_field32(eocd.cd_size, cd_size, zip64, "central directory size"); !s.ok()) return s;
  if (Status s = set_end_field32(eocd.cd_offset, cd_start - prefix, zip64, "central directory offset"); !s.ok()) return s;
  if (!out.write(&eocd, sizeof eocd) || !write_str(out, *comment)) return Status::failure(out.error());
  const uint64_t tail = layout.eocd + sizeof eocd + comment_len;
  if (Status s = copy_range(src, tail, src.size() - tail, out); !s.ok()) return Status::failure("trailing data: " + s.error());
  return Status();
}

Status verify_all_entries(const ZipReader& zr) {
  for (const ZipEntry& e : zr.entries()) {
    if (e.encrypted() || (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated)) {
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
      if (y.crc32 != nd.crc || y.uncompressed_size != nd.uncompressed || (x.flags & ~zip::kFlagDataDescriptor) != y.flags) {
        return fail("rewritten nested archive not recorded as written");
      }
      if (y.method == zip::kMethodStored && (y.compressed_size != content->size() ||
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
    if (!y.encrypted() && (y.method == zip::kMethodStored || y.method == zip::kMethodDeflated)) {
      if (Status s = output.verify(y); !s.ok()) return fail("output: " + s.error());
    }
  }

  // Archive comment and what follows the end record.
  auto comment_of = [](const ZipReader& zr) -> Result<std::string> {
    auto eocd = read_bytes(*zr.source(), zr.layout().eocd, sizeof(zip::Eocd), "end record");
    if (!eocd.ok()) return eocd;
    const uint64_t start = zr.layout().eocd + sizeof(zip::Eocd);
    return read_bytes(*zr.source(), start, zr.source()->size() - start, "archive comment");
  };
  auto ca = comment_of(original), cb = comment_of(output);
  if (!ca.ok() || !cb.ok()) return Status::failure(!ca.ok() ? ca.error() : cb.error());
  if (*ca != *cb) return Status::failure("archive comment or trailing data differs");
  return Status();
}

}  // namespace l4s::remediate
