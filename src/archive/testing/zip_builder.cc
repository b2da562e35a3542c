#include "archive/testing/zip_builder.h"

#include <zlib.h>

#include "archive/zip_format.h"

namespace l4s::testzip {

namespace zip = archive::zip;

std::string deflate_raw(const std::string& in) {
  std::string out;
  zip::RawDeflater d;
  auto append = [&](const uint8_t* p, size_t n) {
    out.append(reinterpret_cast<const char*>(p), n);
    return true;
  };
  d.write(in.data(), in.size(), append);
  d.finish(append);
  return out;
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

uint16_t get16(const std::string& s, size_t pos) { return zip::load16(s.data() + pos); }
uint32_t get32(const std::string& s, size_t pos) { return zip::load32(s.data() + pos); }
void set16(std::string& s, size_t pos, uint16_t v) {
  zip::ul16 le;
  le = v;
  zip::store_record(s.data() + pos, le);
}
void set32(std::string& s, size_t pos, uint32_t v) {
  zip::ul32 le;
  le = v;
  zip::store_record(s.data() + pos, le);
}
void put32(std::string& s, uint32_t v) {
  s.append(4, '\0');
  set32(s, s.size() - 4, v);
}

namespace {

void put64(std::string& s, uint64_t v) {
  s.append(8, '\0');
  zip::store64(s.data() + s.size() - 8, v);
}

void put_extra_header(std::string& s, uint16_t id, uint16_t size) {
  zip::ExtraFieldHeader h{};
  h.id = id;
  h.size = size;
  zip::append_record(s, h);
}

}  // namespace

Built build_with_offsets(const Spec& spec) {
  Built z;
  std::string& out = z.bytes;
  out = spec.prefix;
  const uint64_t base = spec.offsets_include_prefix ? 0 : spec.prefix.size();
  const uint16_t version = spec.zip64 ? 45 : 20;
  std::vector<std::string> data;
  for (const Entry& e : spec.entries) {
    data.push_back(e.method == zip::kMethodDeflated ? deflate_raw(e.content) : e.content);
    const std::string& d = data.back();
    z.local.push_back(out.size());
    zip::LocalHeader h{};
    h.signature = zip::kLocalHeaderSig;
    h.version_needed = version;
    h.flags = static_cast<uint16_t>((e.descriptor ? zip::kFlagDataDescriptor : 0) | e.extra_flags);
    h.method = e.method;
    h.dos_time = static_cast<uint16_t>(e.dos_time);
    h.dos_date = static_cast<uint16_t>(e.dos_time >> 16);
    h.crc32 = e.descriptor ? 0 : crc_of(e.content);
    h.compressed_size = spec.zip64 ? zip::kSat32 : e.descriptor ? 0 : static_cast<uint32_t>(d.size());
    h.uncompressed_size = spec.zip64 ? zip::kSat32 : e.descriptor ? 0 : static_cast<uint32_t>(e.content.size());
    h.name_len = static_cast<uint16_t>(e.name.size());
    h.extra_len = static_cast<uint16_t>(e.local_extra.size() + (spec.zip64 ? 20 : 0));
    zip::append_record(out, h);
    out += e.name;
    if (spec.zip64) {  // spec order: uncompressed, compressed
      put_extra_header(out, zip::kZip64ExtraId, 16);
      put64(out, e.descriptor ? 0 : e.content.size());
      put64(out, e.descriptor ? 0 : d.size());
    }
    out += e.local_extra;
    out += d;
    if (e.descriptor) {
      if (e.descriptor_sig) put32(out, zip::kDataDescriptorSig);
      put32(out, crc_of(e.content));
      if (spec.zip64) {
        put64(out, d.size());
        put64(out, e.content.size());
      } else {
        put32(out, static_cast<uint32_t>(d.size()));
        put32(out, static_cast<uint32_t>(e.content.size()));
      }
    }
  }
  z.cd_start = out.size();
  for (size_t i = 0; i < spec.entries.size(); ++i) {
    const Entry& e = spec.entries[i];
    z.central.push_back(out.size());
    zip::CentralHeader h{};
    h.signature = zip::kCentralHeaderSig;
    h.version_made_by = e.version_made_by;
    h.version_needed = version;
    h.flags = static_cast<uint16_t>((e.descriptor ? zip::kFlagDataDescriptor : 0) | e.extra_flags);
    h.method = e.method;
    h.dos_time = static_cast<uint16_t>(e.dos_time);
    h.dos_date = static_cast<uint16_t>(e.dos_time >> 16);
    h.crc32 = crc_of(e.content);
    h.compressed_size = spec.zip64 ? zip::kSat32 : static_cast<uint32_t>(data[i].size());
    h.uncompressed_size = spec.zip64 ? zip::kSat32 : static_cast<uint32_t>(e.content.size());
    h.name_len = static_cast<uint16_t>(e.name.size());
    h.extra_len = static_cast<uint16_t>(e.central_extra.size() + (spec.zip64 ? 28 : 0));
    h.comment_len = static_cast<uint16_t>(e.comment.size());
    h.external_attrs = e.external_attrs;
    h.local_header_offset = spec.zip64 ? zip::kSat32 : static_cast<uint32_t>(z.local[i] - base);
    zip::append_record(out, h);
    out += e.name;
    if (spec.zip64) {  // spec order: uncompressed, compressed, offset
      put_extra_header(out, zip::kZip64ExtraId, 24);
      put64(out, e.content.size());
      put64(out, data[i].size());
      put64(out, z.local[i] - base);
    }
    out += e.central_extra;
    out += e.comment;
  }
  const uint64_t cd_size = out.size() - z.cd_start;
  const uint64_t n = spec.entries.size();
  if (spec.zip64) {
    const uint64_t rec = out.size();
    zip::Zip64Eocd r{};
    r.signature = zip::kZip64EocdSig;
    r.record_size = sizeof r - zip::kZip64EocdLead;
    r.version_made_by = 45;
    r.version_needed = 45;
    r.disk_entries = n;
    r.total_entries = n;
    r.cd_size = cd_size;
    r.cd_offset = z.cd_start - base;
    zip::append_record(out, r);
    zip::Zip64Locator l{};
    l.signature = zip::kZip64LocatorSig;
    l.eocd_offset = rec - base;
    l.total_disks = 1;
    zip::append_record(out, l);
  }
  z.eocd = out.size();
  zip::Eocd eocd{};
  eocd.signature = zip::kEocdSig;
  eocd.disk_entries = spec.zip64 ? zip::kSat16 : static_cast<uint16_t>(n);
  eocd.total_entries = spec.zip64 ? zip::kSat16 : static_cast<uint16_t>(n);
  eocd.cd_size = spec.zip64 ? zip::kSat32 : static_cast<uint32_t>(cd_size);
  eocd.cd_offset = spec.zip64 ? zip::kSat32 : static_cast<uint32_t>(z.cd_start - base);
  eocd.comment_len = static_cast<uint16_t>(spec.comment.size());
  zip::append_record(out, eocd);
  out += spec.comment;
  out += spec.trailing;
  return z;
}

}  // namespace l4s::testzip
