#include "archive/zip_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <thread>

namespace l4s::archive {
namespace {

// ---------------------------------------------------------------------------
// A tiny deterministic zip writer, so every test archive is built in code.

void put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}
void put64(std::string& s, uint64_t v) {
  put32(s, static_cast<uint32_t>(v));
  put32(s, static_cast<uint32_t>(v >> 32));
}
void set16(std::string& s, size_t pos, uint32_t v) {
  s[pos] = static_cast<char>(v & 0xff);
  s[pos + 1] = static_cast<char>((v >> 8) & 0xff);
}
void set32(std::string& s, size_t pos, uint32_t v) {
  set16(s, pos, v & 0xffff);
  set16(s, pos + 2, v >> 16);
}
uint32_t get32(const std::string& s, size_t pos) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[pos + i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}

std::string deflate_raw(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

struct TestEntry {
  std::string name;
  std::string content;
  uint16_t method = 8;  // 8 deflates; anything else is written as-is
  uint16_t flags = 0;
};

struct ZipSpec {
  std::vector<TestEntry> entries;
  std::string prefix;                    // bytes before the archive (launcher script)
  bool offsets_include_prefix = false;   // like `zip -A`
  bool zip64 = false;                    // zip64 end records, saturated 32-bit fields
  std::string comment;
};

struct BuiltZip {
  std::string bytes;
  std::vector<size_t> local;    // absolute offsets of local headers
  std::vector<size_t> central;  // absolute offsets of central records
  size_t cd_start = 0;
  size_t eocd = 0;
};

BuiltZip build_zip(const ZipSpec& spec) {
  BuiltZip z;
  std::string& out = z.bytes;
  out = spec.prefix;
  const size_t base = spec.offsets_include_prefix ? 0 : spec.prefix.size();
  const uint16_t version = spec.zip64 ? 45 : 20;
  std::vector<std::string> data;
  for (const TestEntry& e : spec.entries) {
    data.push_back(e.method == 8 ? deflate_raw(e.content) : e.content);
    const std::string& d = data.back();
    z.local.push_back(out.size());
    put32(out, 0x04034b50);
    put16(out, version);
    put16(out, e.flags);
    put16(out, e.method);
    put16(out, 0x6000);  // time
    put16(out, 0x5421);  // date
    put32(out, crc_of(e.content));
    put32(out, spec.zip64 ? 0xFFFFFFFF : d.size());
    put32(out, spec.zip64 ? 0xFFFFFFFF : e.content.size());
    put16(out, e.name.size());
    put16(out, spec.zip64 ? 20 : 0);
    out += e.name;
    if (spec.zip64) {
      put16(out, 1);
      put16(out, 16);
      put64(out, e.content.size());
      put64(out, d.size());
    }
    out += d;
  }
  z.cd_start = out.size();
  for (size_t i = 0; i < spec.entries.size(); ++i) {
    const TestEntry& e = spec.entries[i];
    z.central.push_back(out.size());
    put32(out, 0x02014b50);
    put16(out, 0x031E);  // unix, 3.0
    put16(out, version);
    put16(out, e.flags);
    put16(out, e.method);
    put16(out, 0x6000);
    put16(out, 0x5421);
    put32(out, crc_of(e.content));
    put32(out, spec.zip64 ? 0xFFFFFFFF : data[i].size());
    put32(out, spec.zip64 ? 0xFFFFFFFF : e.content.size());
    put16(out, e.name.size());
    put16(out, spec.zip64 ? 28 : 0);
    put16(out, 0);  // comment
    put16(out, 0);  // disk
    put16(out, 0);  // internal attrs
    put32(out, 0x81A40000);
    put32(out, spec.zip64 ? 0xFFFFFFFF : z.local[i] - base);
    out += e.name;
    if (spec.zip64) {  // spec order: uncompressed, compressed, offset
      put16(out, 1);
      put16(out, 24);
      put64(out, e.content.size());
      put64(out, data[i].size());
      put64(out, z.local[i] - base);
    }
  }
  const size_t cd_size = out.size() - z.cd_start;
  const size_t n = spec.entries.size();
  if (spec.zip64) {
    const size_t rec = out.size();
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, n);
    put64(out, n);
    put64(out, cd_size);
    put64(out, z.cd_start - base);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, rec - base);
    put32(out, 1);
  }
  z.eocd = out.size();
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, spec.zip64 ? 0xFFFF : n);
  put16(out, spec.zip64 ? 0xFFFF : n);
  put32(out, spec.zip64 ? 0xFFFFFFFF : cd_size);
  put32(out, spec.zip64 ? 0xFFFFFFFF : z.cd_start - base);
  put16(out, spec.comment.size());
  out += spec.comment;
  return z;
}

SourcePtr src(const std::string& s) { return memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

// Hides data() so parsers take their read_at paths.
class ReadAtOnly : public ByteSource {
 public:
  explicit ReadAtOnly(SourcePtr inner) : inner_(std::move(inner)) {}
  uint64_t size() const override { return inner_->size(); }
  bool read_at(uint64_t o, void* b, size_t n) const override { return inner_->read_at(o, b, n); }

 private:
  SourcePtr inner_;
};

std::string big_text(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i % 977) + " of text\n";
  s.resize(n);
  return s;
}

ZipSpec basic_spec() {
  ZipSpec spec;
  spec.entries = {{"META-INF/", "", 0},
                  {"a/stored.txt", "hello stored", 0},
                  {"a/deflated.txt", big_text(100000), 8}};
  return spec;
}

const ZipEntry* find(const ZipReader& zr, const std::string& name) {
  for (const ZipEntry& e : zr.entries()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string source_bytes(const ByteSource& s) {
  std::string out(s.size(), '\0');
  EXPECT_TRUE(s.read_at(0, out.data(), out.size()));
  return out;
}

void expect_error(const Result<ZipReader>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "expected error containing: " << needle;
  EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
}

// ---------------------------------------------------------------------------

TEST(ZipReader, ListsAndReadsStoredAndDeflated) {
  for (bool resident : {true, false}) {
    SCOPED_TRACE(resident ? "resident" : "read_at only");
    SourcePtr s = src(build_zip(basic_spec()).bytes);
    if (!resident) s = std::make_shared<ReadAtOnly>(s);
    auto zr = ZipReader::open(s);
    ASSERT_TRUE(zr.ok()) << zr.error();
    ASSERT_EQ(zr->entries().size(), 3u);
    EXPECT_EQ(zr->prefix_size(), 0u);
    EXPECT_TRUE(zr->entries()[0].is_directory());
    const ZipEntry& st = zr->entries()[1];
    EXPECT_EQ(st.name, "a/stored.txt");
    EXPECT_EQ(st.method, 0);
    EXPECT_EQ(st.dos_time, 0x54216000u);
    EXPECT_EQ(st.version_made_by, 0x031E);
    EXPECT_EQ(st.external_attrs, 0x81A40000u);
    auto r = zr->read(st, 1000);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(*r, "hello stored");
    const ZipEntry& df = zr->entries()[2];
    EXPECT_EQ(df.method, 8);
    EXPECT_EQ(df.uncompressed_size, 100000u);
    EXPECT_LT(df.compressed_size, 100000u);
    auto d = zr->read(df, 100000);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(*d, big_text(100000));
    auto dir = zr->read(zr->entries()[0], 10);
    ASSERT_TRUE(dir.ok()) << dir.error();
    EXPECT_EQ(*dir, "");
  }
}

TEST(ZipReader, Peek) {
  auto zr = ZipReader::open(src(build_zip(basic_spec()).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto p = zr->peek(zr->entries()[2], 12);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(*p, big_text(12));
  auto all = zr->peek(zr->entries()[2], 1 << 20);  // more than the content
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(*all, big_text(100000));
  auto st = zr->peek(zr->entries()[1], 5);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, "hello");
  auto zero = zr->peek(zr->entries()[2], 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, "");
}

TEST(ZipReader, PeekDoesNotInflateEverything) {
  // A 64 MB run of zeros deflates to ~64 KB; peeking must stay cheap even
  // though reading it whole is refused by the cap.
  ZipSpec spec;
  spec.entries = {{"zeros", std::string(64 << 20, '\0'), 8}};
  auto zr = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto p = zr->peek(zr->entries()[0], 4);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(*p, std::string(4, '\0'));
  auto r = zr->read(zr->entries()[0], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "entry exceeds 1048576 bytes");
}

TEST(ZipReader, PrefixData) {
  ZipSpec spec = basic_spec();
  spec.prefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n\n";
  for (bool resident : {true, false}) {
    SourcePtr s = src(build_zip(spec).bytes);
    if (!resident) s = std::make_shared<ReadAtOnly>(s);
    auto zr = ZipReader::open(s);
    ASSERT_TRUE(zr.ok()) << zr.error();
    EXPECT_EQ(zr->prefix_size(), spec.prefix.size());
    EXPECT_EQ(zr->entries()[0].local_header_offset, spec.prefix.size());
    auto d = zr->read(zr->entries()[2], 1 << 20);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d->size(), 100000u);
  }
}

TEST(ZipReader, PrefixWithAdjustedOffsets) {
  ZipSpec spec = basic_spec();
  spec.prefix = std::string(1000, '#');
  spec.offsets_include_prefix = true;  // `zip -A`: offsets already absolute
  auto zr = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->prefix_size(), 0u);
  auto d = zr->read(zr->entries()[1], 100);
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(*d, "hello stored");
}

TEST(ZipReader, Zip64) {
  for (bool with_prefix : {false, true}) {
    SCOPED_TRACE(with_prefix ? "prefix" : "no prefix");
    ZipSpec spec = basic_spec();
    spec.zip64 = true;
    if (with_prefix) spec.prefix = "#!/bin/sh\n";
    auto zr = ZipReader::open(src(build_zip(spec).bytes));
    ASSERT_TRUE(zr.ok()) << zr.error();
    ASSERT_EQ(zr->entries().size(), 3u);
    EXPECT_EQ(zr->prefix_size(), spec.prefix.size());
    const ZipEntry& df = zr->entries()[2];
    EXPECT_EQ(df.uncompressed_size, 100000u);
    auto d = zr->read(df, 1 << 20);
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(*d, big_text(100000));
    auto st = zr->read(zr->entries()[1], 100);
    ASSERT_TRUE(st.ok()) << st.error();
    EXPECT_EQ(*st, "hello stored");
  }
}

TEST(ZipReader, Zip64ExtraFieldMissing) {
  ZipSpec spec = basic_spec();
  spec.zip64 = true;
  BuiltZip z = build_zip(spec);
  set16(z.bytes, z.central[1] + 30, 0);  // drop the extra field length
  // The extra bytes now read as the comment region... make the comment cover them.
  set16(z.bytes, z.central[1] + 32, 28);
  expect_error(ZipReader::open(src(z.bytes)), "missing zip64 extra field");
}

TEST(ZipReader, Zip64ExtraFieldTruncated) {
  ZipSpec spec = basic_spec();
  spec.zip64 = true;
  BuiltZip z = build_zip(spec);
  const size_t extra = z.central[1] + 46 + spec.entries[1].name.size();
  set16(z.bytes, extra + 2, 8);  // field claims only the first value
  expect_error(ZipReader::open(src(z.bytes)), "truncated zip64 extra field");
}

TEST(ZipReader, CommentAndFakeEndRecordInComment) {
  ZipSpec spec = basic_spec();
  // A fake end record inside the comment must not win over the real one.
  std::string fake;
  put32(fake, 0x06054b50);
  fake += std::string(18, '\0');
  spec.comment = "built by test " + fake + " trailing";
  auto zr = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->entries().size(), 3u);

  spec.comment = std::string(0xFFFF, 'c');  // maximal comment
  auto big = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(big.ok()) << big.error();
  EXPECT_EQ(big->entries().size(), 3u);
}

TEST(ZipReader, TrailingJunkAfterEndRecord) {
  std::string bytes = build_zip(basic_spec()).bytes + "junk appended by a tool";
  auto zr = ZipReader::open(src(bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->entries().size(), 3u);
}

TEST(ZipReader, EveryTruncationFailsCleanly) {
  const std::string full = build_zip(basic_spec()).bytes;
  for (size_t len = 0; len < full.size(); ++len) {
    auto zr = ZipReader::open(src(full.substr(0, len)));
    if (!zr.ok()) continue;
    for (const ZipEntry& e : zr->entries()) (void)zr->read(e, 1 << 20);
  }
  expect_error(ZipReader::open(src(full.substr(0, full.size() / 2))), "no end of central directory");
  expect_error(ZipReader::open(src("")), "too small");
}

TEST(ZipReader, BadCentralDirectoryOffset) {
  BuiltZip z = build_zip(basic_spec());
  // Past the real directory: nothing there.
  set32(z.bytes, z.eocd + 16, static_cast<uint32_t>(z.cd_start + 1));
  expect_error(ZipReader::open(src(z.bytes)), "bad central directory offset");
  set32(z.bytes, z.eocd + 16, 0xFFFFFFF0);
  expect_error(ZipReader::open(src(z.bytes)), "bad central directory offset");
  // Before it: reads as a prefix, which the local headers then contradict.
  set32(z.bytes, z.eocd + 16, static_cast<uint32_t>(z.cd_start - 1));
  expect_error(ZipReader::open(src(z.bytes)), "bad central directory offset");
  set32(z.bytes, z.eocd + 16, 7);
  expect_error(ZipReader::open(src(z.bytes)), "local header offset out of range");
}

TEST(ZipReader, CentralDirectorySizeTooLarge) {
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.eocd + 12, 0x7FFFFFFF);
  expect_error(ZipReader::open(src(z.bytes)), "central directory size exceeds");
}

TEST(ZipReader, NameLongerThanCentralDirectory) {
  BuiltZip z = build_zip(basic_spec());
  set16(z.bytes, z.central[2] + 28, 0xFFFF);
  expect_error(ZipReader::open(src(z.bytes)), "exceeds the central directory");
}

TEST(ZipReader, EntryCountLies) {
  BuiltZip z = build_zip(basic_spec());
  set16(z.bytes, z.eocd + 8, 60000);
  set16(z.bytes, z.eocd + 10, 60000);
  expect_error(ZipReader::open(src(z.bytes)), "entry count exceeds");
  set16(z.bytes, z.eocd + 10, 2);
  expect_error(ZipReader::open(src(z.bytes)), "holds 3 entries, end record says 2");
}

TEST(ZipReader, LocalHeaderOffsetOutOfRange) {
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.central[1] + 42, static_cast<uint32_t>(z.cd_start));
  expect_error(ZipReader::open(src(z.bytes)), "local header offset out of range");
}

TEST(ZipReader, BadLocalHeaderSignature) {
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.local[1], 0x12345678);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();  // local headers are checked on read
  auto r = zr->read(zr->entries()[1], 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "bad local header signature");
}

TEST(ZipReader, OverlappingEntries) {
  // Two central records sharing one local header: the zbsm construction in
  // miniature.
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.central[1] + 42, static_cast<uint32_t>(z.local[2]));
  expect_error(ZipReader::open(src(z.bytes)), "overlapping entries (zip bomb)");
}

TEST(ZipReader, OverlapThroughCompressedSize) {
  // The first entry's compressed data claims to run over the next header.
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.central[1] + 20, 1000);
  set32(z.bytes, z.central[1] + 24, 1000);
  expect_error(ZipReader::open(src(z.bytes)), "overlapping entries (zip bomb)");
}

TEST(ZipReader, LocalExtraFieldOverrunsNextEntry) {
  // Overlap hidden in the local header (not visible from the directory) is
  // caught when the entry is read.
  BuiltZip z = build_zip(basic_spec());
  set16(z.bytes, z.local[1] + 28, 40);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto r = zr->read(zr->entries()[1], 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("overruns"), std::string::npos) << r.error();
}

TEST(ZipReader, LastEntryRunningIntoDirectory) {
  BuiltZip z = build_zip(basic_spec());
  const uint32_t cs = get32(z.bytes, z.central[2] + 20);
  set32(z.bytes, z.central[2] + 20, cs + 10);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto r = zr->read(zr->entries()[2], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("overruns"), std::string::npos) << r.error();
}

TEST(ZipReader, CrcMismatch) {
  BuiltZip z = build_zip(basic_spec());
  for (size_t i : {1, 2}) set32(z.bytes, z.central[i] + 16, get32(z.bytes, z.central[i] + 16) ^ 1);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  for (size_t i : {1, 2}) {
    auto r = zr->read(zr->entries()[i], 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "CRC mismatch");
  }
  MemoryBudget budget(1 << 20);
  auto o = zr->open_entry(zr->entries()[2], budget, 1 << 20);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error(), "CRC mismatch");
  for (size_t i : {1, 2}) {
    Status v = zr->verify(zr->entries()[i]);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error(), "CRC mismatch");
  }
}

TEST(ZipReader, VerifyChecksWithoutKeepingContent) {
  BuiltZip z = build_zip(basic_spec());
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  for (const ZipEntry& e : zr->entries()) EXPECT_TRUE(zr->verify(e).ok()) << e.name;
  // A declared size smaller than what inflates is caught without inflating on.
  BuiltZip lie = build_zip(basic_spec());
  set32(lie.bytes, lie.central[2] + 24, 1000);
  auto zl = ZipReader::open(src(lie.bytes));
  ASSERT_TRUE(zl.ok()) << zl.error();
  Status v = zl->verify(zl->entries()[2]);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error(), "entry exceeds 1000 bytes");
}

TEST(ZipReader, LayoutAndCentralOffsets) {
  for (bool zip64 : {false, true}) {
    SCOPED_TRACE(zip64 ? "zip64" : "plain");
    ZipSpec spec = basic_spec();
    spec.zip64 = zip64;
    spec.prefix = "#!/bin/sh\n";
    const BuiltZip z = build_zip(spec);
    auto zr = ZipReader::open(src(z.bytes));
    ASSERT_TRUE(zr.ok()) << zr.error();
    const ZipLayout& l = zr->layout();
    EXPECT_EQ(l.cd_start, z.cd_start);
    EXPECT_EQ(l.eocd, z.eocd);
    EXPECT_EQ(l.cd_start + l.cd_size, zip64 ? l.zip64_eocd : l.eocd);
    if (zip64) {
      EXPECT_EQ(l.zip64_locator, z.eocd - 20);
    } else {
      EXPECT_EQ(l.zip64_eocd, UINT64_MAX);
    }
    for (size_t i = 0; i < z.central.size(); ++i) EXPECT_EQ(zr->entries()[i].central_offset, z.central[i]);
  }
}

TEST(ZipReader, SizeCap) {
  BuiltZip z = build_zip(basic_spec());
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok());
  auto r = zr->read(zr->entries()[2], 99999);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "entry exceeds 99999 bytes");
  auto ok = zr->read(zr->entries()[2], 100000);
  EXPECT_TRUE(ok.ok()) << ok.error();

  // The directory lies (claims 10 bytes): the hard cap still stops inflation.
  set32(z.bytes, z.central[2] + 24, 10);
  auto liar = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(liar.ok());
  auto l = liar->read(liar->entries()[2], 5000);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error(), "entry exceeds 5000 bytes");
  auto l2 = liar->read(liar->entries()[2], 1 << 20);
  ASSERT_FALSE(l2.ok());
  EXPECT_EQ(l2.error(), "uncompressed size mismatch");
  MemoryBudget budget(1 << 20);
  auto o = liar->open_entry(liar->entries()[2], budget, 5000);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error(), "entry exceeds 5000 bytes");
}

TEST(ZipReader, UnsupportedMethodAndEncryption) {
  ZipSpec spec;
  spec.entries = {{"bz", "data", 12}, {"enc", "data", 0, 1}};
  auto zr = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto r = zr->read(zr->entries()[0], 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unsupported compression method 12");
  EXPECT_FALSE(zr->peek(zr->entries()[0], 2).ok());
  EXPECT_TRUE(zr->entries()[1].encrypted());
  auto e = zr->read(zr->entries()[1], 100);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error(), "entry is encrypted");
}

// Reads a whole entry through a ZipEntryStream in `chunk`-byte reads; the
// error of the read that failed, if one did.
std::string stream_all(const ZipReader& zr, const ZipEntry& e, size_t chunk, std::string* error) {
  std::string out;
  auto stream = ZipEntryStream::open(zr, e);
  if (!stream.ok()) {
    *error = stream.error();
    return out;
  }
  std::string buf(chunk, '\0');
  for (;;) {
    Result<size_t> n = (*stream)->read(buf.data(), buf.size());
    if (!n.ok()) {
      *error = n.error();
      return out;
    }
    if (*n == 0) return out;
    EXPECT_LE(*n, chunk);
    out.append(buf, 0, *n);
  }
}

TEST(ZipEntryStream, DeliversWhatReadReturnsInAnyChunkSize) {
  BuiltZip z = build_zip(basic_spec());
  for (bool resident : {true, false}) {
    SourcePtr source = src(z.bytes);
    if (!resident) source = std::make_shared<ReadAtOnly>(source);
    auto zr = ZipReader::open(source);
    ASSERT_TRUE(zr.ok()) << zr.error();
    for (const ZipEntry& e : zr->entries()) {
      Result<std::string> whole = zr->read(e, 1 << 20);
      ASSERT_TRUE(whole.ok()) << whole.error();
      for (size_t chunk : {1, 7, 4096, 1 << 20}) {
        std::string error;
        EXPECT_EQ(stream_all(*zr, e, chunk, &error), *whole) << e.name << " in " << chunk;
        EXPECT_EQ(error, "") << e.name;
      }
    }
  }
}

TEST(ZipEntryStream, DamageIsReportedAfterTheReadableBytes) {
  // A wrong CRC: every byte comes out, then the final read fails.
  BuiltZip z = build_zip(basic_spec());
  set32(z.bytes, z.central[2] + 16, get32(z.bytes, z.central[2] + 16) ^ 1);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  std::string error;
  EXPECT_EQ(stream_all(*zr, zr->entries()[2], 4096, &error), big_text(100000));
  EXPECT_EQ(error, "CRC mismatch");

  // Declared smaller than it inflates: stops at the declared size.
  BuiltZip lie = build_zip(basic_spec());
  set32(lie.bytes, lie.central[2] + 24, 1000);
  auto zl = ZipReader::open(src(lie.bytes));
  ASSERT_TRUE(zl.ok()) << zl.error();
  std::string got = stream_all(*zl, zl->entries()[2], 4096, &error);
  EXPECT_LE(got.size(), 1000u);
  EXPECT_EQ(error, "entry exceeds 1000 bytes");

  // Declared larger than it inflates.
  BuiltZip more = build_zip(basic_spec());
  set32(more.bytes, more.central[2] + 24, 100001);
  auto zm = ZipReader::open(src(more.bytes));
  ASSERT_TRUE(zm.ok()) << zm.error();
  stream_all(*zm, zm->entries()[2], 4096, &error);
  EXPECT_EQ(error, "uncompressed size mismatch");

  // Compressed data cut short (the declared compressed size is smaller).
  BuiltZip cut = build_zip(basic_spec());
  set32(cut.bytes, cut.central[2] + 20, 100);
  auto zc = ZipReader::open(src(cut.bytes));
  ASSERT_TRUE(zc.ok()) << zc.error();
  stream_all(*zc, zc->entries()[2], 4096, &error);
  EXPECT_EQ(error, "truncated deflate data");
}

TEST(ZipEntryStream, RefusesWhatReadRefuses) {
  ZipSpec spec;
  spec.entries = {{"bz", "data", 12}, {"enc", "data", 0, 1}};
  auto zr = ZipReader::open(src(build_zip(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  std::string error;
  stream_all(*zr, zr->entries()[0], 16, &error);
  EXPECT_EQ(error, "unsupported compression method 12");
  stream_all(*zr, zr->entries()[1], 16, &error);
  EXPECT_EQ(error, "entry is encrypted");
}

TEST(ZipReader, InvalidDeflateData) {
  BuiltZip z = build_zip(basic_spec());
  const size_t data = z.local[2] + 30 + basic_spec().entries[2].name.size();
  z.bytes[data] = static_cast<char>(0xFF);  // reserved block type
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok());
  auto r = zr->read(zr->entries()[2], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("invalid deflate data"), std::string::npos) << r.error();
}

TEST(ZipReader, TruncatedDeflateData) {
  BuiltZip z = build_zip(basic_spec());
  // Shrink the declared compressed size: the stream ends before its end block.
  const uint32_t cs = get32(z.bytes, z.central[2] + 20);
  set32(z.bytes, z.central[2] + 20, cs / 2);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok());
  auto r = zr->read(zr->entries()[2], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "truncated deflate data");
}

TEST(ZipReader, EmptyZip) {
  auto zr = ZipReader::open(src(build_zip(ZipSpec{}).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_TRUE(zr->entries().empty());
  auto ro = ZipReader::open(std::make_shared<ReadAtOnly>(src(build_zip(ZipSpec{}).bytes)));
  ASSERT_TRUE(ro.ok()) << ro.error();
}

TEST(ZipReader, OpenEntryStoredIsASubRange) {
  auto s = src(build_zip(basic_spec()).bytes);
  auto zr = ZipReader::open(s);
  ASSERT_TRUE(zr.ok());
  MemoryBudget budget(0);
  auto o = zr->open_entry(zr->entries()[1], budget, 100);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(source_bytes(**o), "hello stored");
  auto off = zr->data_offset(zr->entries()[1]);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ((*o)->data(), s->data() + *off);  // no copy
  EXPECT_FALSE(zr->open_entry(zr->entries()[1], budget, 5).ok());
}

TEST(ZipReader, OpenEntryDeflatedInMemoryWithinBudget) {
  auto zr = ZipReader::open(src(build_zip(basic_spec()).bytes));
  ASSERT_TRUE(zr.ok());
  MemoryBudget budget(1 << 20);
  {
    auto o = zr->open_entry(zr->entries()[2], budget, 1 << 20);
    ASSERT_TRUE(o.ok()) << o.error();
    EXPECT_EQ(source_bytes(**o), big_text(100000));
    EXPECT_FALSE(budget.try_reserve(1 << 20));  // the source holds its share
  }
  EXPECT_TRUE(budget.try_reserve(1 << 20));  // released with the source
}

TEST(ZipReader, OpenEntrySpillsWhenBudgetIsZero) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/zip-spill";
  std::filesystem::create_directories(dir);
  auto zr = ZipReader::open(src(build_zip(basic_spec()).bytes));
  ASSERT_TRUE(zr.ok());
  MemoryBudget budget(0, dir);
  auto o = zr->open_entry(zr->entries()[2], budget, 1 << 20);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(source_bytes(**o), big_text(100000));
  // The temp file is unlinked: nothing is left behind in the spill dir.
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(ZipReader, NestedZipThroughOpenEntry) {
  ZipSpec inner;
  inner.entries = {{"org/apache/logging/log4j/core/lookup/JndiLookup.class", "\xCA\xFE\xBA\xBE", 8}};
  ZipSpec outer;
  outer.entries = {{"lib/inner-stored.jar", build_zip(inner).bytes, 0},
                   {"lib/inner-deflated.jar", build_zip(inner).bytes, 8}};
  auto zr = ZipReader::open(src(build_zip(outer).bytes));
  ASSERT_TRUE(zr.ok());
  MemoryBudget budget(1 << 20);
  for (const ZipEntry& e : zr->entries()) {
    auto head = zr->peek(e, 4);
    ASSERT_TRUE(head.ok());
    EXPECT_TRUE(looks_like_zip(head->data(), head->size()));
    auto o = zr->open_entry(e, budget, 1 << 20);
    ASSERT_TRUE(o.ok()) << o.error();
    auto nested = ZipReader::open(*o);
    ASSERT_TRUE(nested.ok()) << nested.error();
    auto r = nested->read(nested->entries()[0], 100);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(*r, "\xCA\xFE\xBA\xBE");
  }
}

TEST(ZipReader, ConcurrentReads) {
  auto zr = ZipReader::open(src(build_zip(basic_spec()).bytes));
  ASSERT_TRUE(zr.ok());
  const ZipReader& reader = *zr;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto r = reader.read(reader.entries()[2], 1 << 20);
        if (r.ok() && r->size() == 100000) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 80);
}

// A zip on disk truncated by another process after it was opened (a log
// rotated, a deploy replacing a jar in place): every read fails with a reason,
// nothing crashes (a mapped file would raise SIGBUS here).
TEST(ZipReader, FileTruncatedAfterOpenFailsCleanly) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/zip-truncate";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ZipSpec spec = basic_spec();
  spec.entries.push_back({"b/big.bin", big_text(2 << 20), 0});
  const BuiltZip z = build_zip(spec);
  const std::string path = dir + "/t.jar";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(z.bytes.data(), 1, z.bytes.size(), f), z.bytes.size());
    std::fclose(f);
  }
  auto s = open_file_source(path);
  ASSERT_TRUE(s.ok()) << s.error();
  auto zr = ZipReader::open(*s);
  ASSERT_TRUE(zr.ok()) << zr.error();
  MemoryBudget budget(1 << 20);
  auto stored = zr->open_entry(*find(*zr, "b/big.bin"), budget, 4 << 20);
  ASSERT_TRUE(stored.ok()) << stored.error();

  std::filesystem::resize_file(path, 64);
  for (const ZipEntry& e : zr->entries()) {
    if (e.is_directory()) continue;
    auto r = zr->read(e, 8 << 20);
    EXPECT_FALSE(r.ok()) << e.name;
    auto p = zr->peek(e, 16);
    EXPECT_FALSE(p.ok()) << e.name;
  }
  char buf[16];
  EXPECT_FALSE((*stored)->read_at(0, buf, sizeof buf));  // the in-place view fails too
  auto again = ZipReader::open(*s);  // re-listing the vanished directory
  EXPECT_FALSE(again.ok());
}

TEST(ZipReader, LooksLikeZip) {
  EXPECT_TRUE(looks_like_zip("PK\3\4rest", 8));
  EXPECT_TRUE(looks_like_zip("PK\5\6", 4));
  EXPECT_FALSE(looks_like_zip("PK\3", 3));
  EXPECT_FALSE(looks_like_zip("\xCA\xFE\xBA\xBE", 4));
  EXPECT_FALSE(looks_like_zip(nullptr, 0));
}

// ---------------------------------------------------------------------------
// Real archives from ../shared/fixtures.

std::string fixture(const std::string& rel) { return std::string(L4S_FIXTURES_DIR) + "/" + rel; }

#define REQUIRE_FIXTURE(path)                                                             \
  if (!std::filesystem::exists(path))                                                     \
  GTEST_SKIP() << "fixture not found: " << (path)                                         \
               << " (real fixtures live in ../shared/fixtures; tests need them present)"

Result<ZipReader> open_fixture(const std::string& path) {
  auto s = open_file_source(path);
  if (!s.ok()) return Result<ZipReader>::failure(s.error());
  return ZipReader::open(*s);
}

const char kJndi[] = "org/apache/logging/log4j/core/lookup/JndiLookup.class";

TEST(ZipReaderFixtures, Log4jCore2141) {
  const std::string path = fixture("jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar");
  REQUIRE_FIXTURE(path);
  auto zr = open_fixture(path);
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_GT(zr->entries().size(), 1000u);
  const ZipEntry* e = find(*zr, kJndi);
  ASSERT_NE(e, nullptr);
  auto r = zr->read(*e, 1 << 20);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_GE(r->size(), 4u);
  EXPECT_EQ(r->substr(0, 4), "\xCA\xFE\xBA\xBE");
  auto p = zr->peek(*e, 4);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "\xCA\xFE\xBA\xBE");
  // Every entry reads and passes its CRC check.
  for (const ZipEntry& x : zr->entries()) {
    auto rr = zr->read(x, 16 << 20);
    EXPECT_TRUE(rr.ok()) << x.name << ": " << rr.error();
  }
}

TEST(ZipReaderFixtures, ExecutableJarsWithPrefix) {
  for (const char* name : {"vuln-class-executable", "helloworld-executable"}) {
    const std::string path = fixture(std::string("jars/google-log4jscanner/jar/testdata/") + name);
    REQUIRE_FIXTURE(path);
    auto zr = open_fixture(path);
    ASSERT_TRUE(zr.ok()) << name << ": " << zr.error();
    EXPECT_EQ(zr->prefix_size(), 68u) << name;  // the shell launcher
    EXPECT_FALSE(zr->entries().empty());
    for (const ZipEntry& e : zr->entries()) {
      auto r = zr->read(e, 1 << 20);
      EXPECT_TRUE(r.ok()) << name << " " << e.name << ": " << r.error();
    }
  }
  auto zr = open_fixture(fixture("jars/google-log4jscanner/jar/testdata/vuln-class-executable"));
  ASSERT_TRUE(zr.ok());
  EXPECT_NE(find(*zr, "lookup/JndiLookup.class"), nullptr);
}

TEST(ZipReaderFixtures, OverlappingZipBomb) {
  const std::string path = fixture("jars/google-log4jscanner/jar/testdata/zipbombs/zbsm.jar");
  REQUIRE_FIXTURE(path);
  expect_error(open_fixture(path), "overlapping entries (zip bomb)");

  // Nested in a jar: the outer jar is fine, the inner one is refused.
  auto outer = open_fixture(fixture("jars/google-log4jscanner/jar/testdata/zipbombs/zbsm_in_jar.jar"));
  ASSERT_TRUE(outer.ok()) << outer.error();
  MemoryBudget budget(64 << 20);
  bool saw_bomb = false;
  for (const ZipEntry& e : outer->entries()) {
    auto inner = outer->open_entry(e, budget, 64 << 20);
    if (!inner.ok()) continue;
    auto z = ZipReader::open(*inner);
    if (!z.ok() && z.error().find("overlapping entries") != std::string::npos) saw_bomb = true;
  }
  EXPECT_TRUE(saw_bomb);
}

TEST(ZipReaderFixtures, QuineZipReadsAreBounded) {
  const std::string path = fixture("jars/google-log4jscanner/jar/testdata/zipbombs/r.zip");
  REQUIRE_FIXTURE(path);
  auto s = open_file_source(path);
  ASSERT_TRUE(s.ok());
  MemoryBudget budget(1 << 20);
  SourcePtr cur = *s;
  // r.zip contains itself: descending must keep working (the caller limits depth).
  for (int depth = 0; depth < 5; ++depth) {
    auto zr = ZipReader::open(cur);
    ASSERT_TRUE(zr.ok()) << "depth " << depth << ": " << zr.error();
    ASSERT_EQ(zr->entries().size(), 1u);
    auto next = zr->open_entry(zr->entries()[0], budget, 1 << 20);
    ASSERT_TRUE(next.ok()) << next.error();
    cur = *next;
  }
}

TEST(ZipReaderFixtures, CorruptAndFakeJars) {
  const std::string dir = fixture("jars/google-log4jscanner/jar/testdata/");
  REQUIRE_FIXTURE(dir + "corrupt.jar");
  expect_error(open_fixture(dir + "notarealjar.jar"), "no end of central directory");
  // corrupt.jar lists (like the JVM would load it) but one entry uses an
  // unknown method; reading it fails, the rest read fine.
  auto zr = open_fixture(dir + "corrupt.jar");
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_NE(find(*zr, "vuln/lookup/JndiLookup.class"), nullptr);
  const ZipEntry* decoy = find(*zr, "decoy/JndiManager.class");
  ASSERT_NE(decoy, nullptr);
  auto r = zr->read(*decoy, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unsupported compression method 15");
}

TEST(ZipReaderFixtures, FourHundredMegabyteEntryIsCapped) {
  const std::string path = fixture("jars/google-log4jscanner/jar/testdata/400mb.jar");
  REQUIRE_FIXTURE(path);
  auto zr = open_fixture(path);
  ASSERT_TRUE(zr.ok()) << zr.error();
  const ZipEntry* e = find(*zr, "tmp/400mb");
  ASSERT_NE(e, nullptr);
  auto r = zr->read(*e, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "entry exceeds 1048576 bytes");
  EXPECT_TRUE(zr->peek(*e, 16).ok());
}

// Every fixture, opened and read with a cap: errors are fine, crashes are not.
TEST(ZipReaderFixtures, SweepAllFixtures) {
  const std::string root = fixture("jars");
  REQUIRE_FIXTURE(root);
  MemoryBudget budget(64 << 20);
  size_t zips = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(root)) {
    if (!f.is_regular_file()) continue;
    auto zr = open_fixture(f.path().string());
    if (!zr.ok()) continue;
    ++zips;
    for (const ZipEntry& e : zr->entries()) {
      auto head = zr->peek(e, 4);
      if (head.ok() && looks_like_zip(head->data(), head->size())) {
        auto inner = zr->open_entry(e, budget, 32 << 20);
        if (inner.ok()) (void)ZipReader::open(*inner);
      } else {
        (void)zr->read(e, 4 << 20);
      }
    }
  }
  EXPECT_GT(zips, 100u);
}

}  // namespace
}  // namespace l4s::archive
