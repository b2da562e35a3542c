#include "archive/zip_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "archive/testing/zip_builder.h"
#include "archive/testing/read_at_only.h"

namespace l4s::archive {
namespace {

namespace tz = testzip;
using tz::get32;
using tz::put32;
using tz::set16;
using tz::set32;

SourcePtr src(const std::string& s) { return memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

std::string big_text(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i % 977) + " of text\n";
  s.resize(n);
  return s;
}

tz::Spec basic_spec() {
  tz::Spec spec;
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
    SourcePtr s = src(tz::build_with_offsets(basic_spec()).bytes);
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
  auto zr = ZipReader::open(src(tz::build_with_offsets(basic_spec()).bytes));
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
  tz::Spec spec;
  spec.entries = {{"zeros", std::string(64 << 20, '\0'), 8}};
  auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto p = zr->peek(zr->entries()[0], 4);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(*p, std::string(4, '\0'));
  auto r = zr->read(zr->entries()[0], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "entry exceeds 1048576 bytes");
}

TEST(ZipReader, PrefixData) {
  tz::Spec spec = basic_spec();
  spec.prefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n\n";
  for (bool resident : {true, false}) {
    SourcePtr s = src(tz::build_with_offsets(spec).bytes);
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
  tz::Spec spec = basic_spec();
  spec.prefix = std::string(1000, '#');
  spec.offsets_include_prefix = true;  // `zip -A`: offsets already absolute
  auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->prefix_size(), 0u);
  auto d = zr->read(zr->entries()[1], 100);
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(*d, "hello stored");
}

TEST(ZipReader, Zip64) {
  for (bool with_prefix : {false, true}) {
    SCOPED_TRACE(with_prefix ? "prefix" : "no prefix");
    tz::Spec spec = basic_spec();
    spec.zip64 = true;
    if (with_prefix) spec.prefix = "#!/bin/sh\n";
    auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
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
  tz::Spec spec = basic_spec();
  spec.zip64 = true;
  tz::Built z = tz::build_with_offsets(spec);
  set16(z.bytes, z.central[1] + 30, 0);  // drop the extra field length
  // The extra bytes now read as the comment region... make the comment cover them.
  set16(z.bytes, z.central[1] + 32, 28);
  expect_error(ZipReader::open(src(z.bytes)), "missing zip64 extra field");
}

TEST(ZipReader, Zip64ExtraFieldTruncated) {
  tz::Spec spec = basic_spec();
  spec.zip64 = true;
  tz::Built z = tz::build_with_offsets(spec);
  const size_t extra = z.central[1] + 46 + spec.entries[1].name.size();
  set16(z.bytes, extra + 2, 8);  // field claims only the first value
  expect_error(ZipReader::open(src(z.bytes)), "truncated zip64 extra field");
}

TEST(ZipReader, CommentAndFakeEndRecordInComment) {
  tz::Spec spec = basic_spec();
  // A fake end record inside the comment must not win over the real one.
  std::string fake;
  put32(fake, 0x06054b50);
  fake += std::string(18, '\0');
  spec.comment = "built by test " + fake + " trailing";
  auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->entries().size(), 3u);

  spec.comment = std::string(0xFFFF, 'c');  // maximal comment
  auto big = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
  ASSERT_TRUE(big.ok()) << big.error();
  EXPECT_EQ(big->entries().size(), 3u);
}

TEST(ZipReader, TrailingJunkAfterEndRecord) {
  std::string bytes = tz::build_with_offsets(basic_spec()).bytes + "junk appended by a tool";
  auto zr = ZipReader::open(src(bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_EQ(zr->entries().size(), 3u);
}

TEST(ZipReader, EveryTruncationFailsCleanly) {
  const std::string full = tz::build_with_offsets(basic_spec()).bytes;
  for (size_t len = 0; len < full.size(); ++len) {
    auto zr = ZipReader::open(src(full.substr(0, len)));
    if (!zr.ok()) continue;
    for (const ZipEntry& e : zr->entries()) (void)zr->read(e, 1 << 20);
  }
  expect_error(ZipReader::open(src(full.substr(0, full.size() / 2))), "no end of central directory");
  expect_error(ZipReader::open(src("")), "too small");
}

TEST(ZipReader, BadCentralDirectoryOffset) {
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  tz::Built z = tz::build_with_offsets(basic_spec());
  set32(z.bytes, z.eocd + 12, 0x7FFFFFFF);
  expect_error(ZipReader::open(src(z.bytes)), "central directory size exceeds");
}

TEST(ZipReader, NameLongerThanCentralDirectory) {
  tz::Built z = tz::build_with_offsets(basic_spec());
  set16(z.bytes, z.central[2] + 28, 0xFFFF);
  expect_error(ZipReader::open(src(z.bytes)), "exceeds the central directory");
}

TEST(ZipReader, EntryCountLies) {
  tz::Built z = tz::build_with_offsets(basic_spec());
  set16(z.bytes, z.eocd + 8, 60000);
  set16(z.bytes, z.eocd + 10, 60000);
  expect_error(ZipReader::open(src(z.bytes)), "entry count exceeds");
  set16(z.bytes, z.eocd + 10, 2);
  expect_error(ZipReader::open(src(z.bytes)), "holds 3 entries, end record says 2");
}

TEST(ZipReader, LocalHeaderOffsetOutOfRange) {
  tz::Built z = tz::build_with_offsets(basic_spec());
  set32(z.bytes, z.central[1] + 42, static_cast<uint32_t>(z.cd_start));
  expect_error(ZipReader::open(src(z.bytes)), "local header offset out of range");
}

TEST(ZipReader, BadLocalHeaderSignature) {
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  tz::Built z = tz::build_with_offsets(basic_spec());
  set32(z.bytes, z.central[1] + 42, static_cast<uint32_t>(z.local[2]));
  expect_error(ZipReader::open(src(z.bytes)), "overlapping entries (zip bomb)");
}

TEST(ZipReader, OverlapThroughCompressedSize) {
  // The first entry's compressed data claims to run over the next header.
  tz::Built z = tz::build_with_offsets(basic_spec());
  set32(z.bytes, z.central[1] + 20, 1000);
  set32(z.bytes, z.central[1] + 24, 1000);
  expect_error(ZipReader::open(src(z.bytes)), "overlapping entries (zip bomb)");
}

TEST(ZipReader, LocalExtraFieldOverrunsNextEntry) {
  // Overlap hidden in the local header (not visible from the directory) is
  // caught when the entry is read.
  tz::Built z = tz::build_with_offsets(basic_spec());
  set16(z.bytes, z.local[1] + 28, 40);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto r = zr->read(zr->entries()[1], 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("overruns"), std::string::npos) << r.error();
}

TEST(ZipReader, LastEntryRunningIntoDirectory) {
  tz::Built z = tz::build_with_offsets(basic_spec());
  const uint32_t cs = get32(z.bytes, z.central[2] + 20);
  set32(z.bytes, z.central[2] + 20, cs + 10);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  auto r = zr->read(zr->entries()[2], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("overruns"), std::string::npos) << r.error();
}

TEST(ZipReader, CrcMismatch) {
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  tz::Built z = tz::build_with_offsets(basic_spec());
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  for (const ZipEntry& e : zr->entries()) EXPECT_TRUE(zr->verify(e).ok()) << e.name;
  // A declared size smaller than what inflates is caught without inflating on.
  tz::Built lie = tz::build_with_offsets(basic_spec());
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
    tz::Spec spec = basic_spec();
    spec.zip64 = zip64;
    spec.prefix = "#!/bin/sh\n";
    const tz::Built z = tz::build_with_offsets(spec);
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
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  tz::Spec spec;
  spec.entries = {{"bz", "data", 12}, {"enc", "data", 0, 1}};
  auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
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
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  tz::Built z = tz::build_with_offsets(basic_spec());
  set32(z.bytes, z.central[2] + 16, get32(z.bytes, z.central[2] + 16) ^ 1);
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  std::string error;
  EXPECT_EQ(stream_all(*zr, zr->entries()[2], 4096, &error), big_text(100000));
  EXPECT_EQ(error, "CRC mismatch");

  // Declared smaller than it inflates: stops at the declared size.
  tz::Built lie = tz::build_with_offsets(basic_spec());
  set32(lie.bytes, lie.central[2] + 24, 1000);
  auto zl = ZipReader::open(src(lie.bytes));
  ASSERT_TRUE(zl.ok()) << zl.error();
  std::string got = stream_all(*zl, zl->entries()[2], 4096, &error);
  EXPECT_LE(got.size(), 1000u);
  EXPECT_EQ(error, "entry exceeds 1000 bytes");

  // Declared larger than it inflates.
  tz::Built more = tz::build_with_offsets(basic_spec());
  set32(more.bytes, more.central[2] + 24, 100001);
  auto zm = ZipReader::open(src(more.bytes));
  ASSERT_TRUE(zm.ok()) << zm.error();
  stream_all(*zm, zm->entries()[2], 4096, &error);
  EXPECT_EQ(error, "uncompressed size mismatch");

  // Compressed data cut short (the declared compressed size is smaller).
  tz::Built cut = tz::build_with_offsets(basic_spec());
  set32(cut.bytes, cut.central[2] + 20, 100);
  auto zc = ZipReader::open(src(cut.bytes));
  ASSERT_TRUE(zc.ok()) << zc.error();
  stream_all(*zc, zc->entries()[2], 4096, &error);
  EXPECT_EQ(error, "truncated deflate data");
}

TEST(ZipEntryStream, RefusesWhatReadRefuses) {
  tz::Spec spec;
  spec.entries = {{"bz", "data", 12}, {"enc", "data", 0, 1}};
  auto zr = ZipReader::open(src(tz::build_with_offsets(spec).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  std::string error;
  stream_all(*zr, zr->entries()[0], 16, &error);
  EXPECT_EQ(error, "unsupported compression method 12");
  stream_all(*zr, zr->entries()[1], 16, &error);
  EXPECT_EQ(error, "entry is encrypted");
}

TEST(ZipReader, InvalidDeflateData) {
  tz::Built z = tz::build_with_offsets(basic_spec());
  const size_t data = z.local[2] + 30 + basic_spec().entries[2].name.size();
  z.bytes[data] = static_cast<char>(0xFF);  // reserved block type
  auto zr = ZipReader::open(src(z.bytes));
  ASSERT_TRUE(zr.ok());
  auto r = zr->read(zr->entries()[2], 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("invalid deflate data"), std::string::npos) << r.error();
}

TEST(ZipReader, TruncatedDeflateData) {
  tz::Built z = tz::build_with_offsets(basic_spec());
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
  auto zr = ZipReader::open(src(tz::build_with_offsets(tz::Spec{}).bytes));
  ASSERT_TRUE(zr.ok()) << zr.error();
  EXPECT_TRUE(zr->entries().empty());
  auto ro = ZipReader::open(std::make_shared<ReadAtOnly>(src(tz::build_with_offsets(tz::Spec{}).bytes)));
  ASSERT_TRUE(ro.ok()) << ro.error();
}

TEST(ZipReader, OpenEntryStoredIsASubRange) {
  auto s = src(tz::build_with_offsets(basic_spec()).bytes);
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
  auto zr = ZipReader::open(src(tz::build_with_offsets(basic_spec()).bytes));
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
  auto zr = ZipReader::open(src(tz::build_with_offsets(basic_spec()).bytes));
  ASSERT_TRUE(zr.ok());
  MemoryBudget budget(0, dir);
  auto o = zr->open_entry(zr->entries()[2], budget, 1 << 20);
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(source_bytes(**o), big_text(100000));
  // The temp file is unlinked: nothing is left behind in the spill dir.
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(ZipReader, NestedZipThroughOpenEntry) {
  tz::Spec inner;
  inner.entries = {{"org/apache/logging/log4j/core/lookup/JndiLookup.class", "\xCA\xFE\xBA\xBE", 8}};
  tz::Spec outer;
  outer.entries = {{"lib/inner-stored.jar", tz::build_with_offsets(inner).bytes, 0},
                   {"lib/inner-deflated.jar", tz::build_with_offsets(inner).bytes, 8}};
  auto zr = ZipReader::open(src(tz::build_with_offsets(outer).bytes));
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
  auto zr = ZipReader::open(src(tz::build_with_offsets(basic_spec()).bytes));
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
  tz::Spec spec = basic_spec();
  spec.entries.push_back({"b/big.bin", big_text(2 << 20), 0});
  const tz::Built z = tz::build_with_offsets(spec);
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
