#include "remediate/zip_rewrite.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "archive/testing/zip_builder.h"
#include "remediate/zip_rewrite_fuzz_body.h"

namespace l4s::remediate {
namespace {

using archive::SourcePtr;
using archive::ZipReader;
namespace tz = testzip;

SourcePtr src(const std::string& s) { return archive::memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

std::string bytes_of(const archive::ByteSource& s) {
  std::string out(s.size(), '\0');
  EXPECT_TRUE(s.read_at(0, out.data(), out.size()));
  return out;
}

std::string text(size_t n, int seed) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string((i * 7 + seed) % 991) + " of some text\n";
  s.resize(n);
  return s;
}

// A class-like entry (CAFEBABE + filler), so names and contents look real.
std::string klass(const std::string& tag) { return std::string("\xCA\xFE\xBA\xBE\x00\x00\x00\x34", 8) + text(700, tag.size()) + tag; }

struct Rewritten {
  Status status;
  std::string bytes;
};

Rewritten rewrite(const std::string& zip, const ZipEdit& edit) {
  archive::MemoryBudget budget(64 << 20);
  auto zr = ZipReader::open(src(zip));
  if (!zr.ok()) return {Status::failure("open: " + zr.error()), ""};
  SpillSink sink(budget, zip.size());
  Status s = rewrite_zip(*zr, edit, budget, sink);
  if (!s.ok()) return {s, ""};
  auto out = sink.finish();
  if (!out.ok()) return {Status::failure(out.error()), ""};
  auto oz = ZipReader::open(*out);
  if (!oz.ok()) return {Status::failure("reopen: " + oz.error()), ""};
  Status v = verify_rewrite(*zr, edit, *oz);
  return {v, bytes_of(**out)};
}

ZipEdit drop_only(size_t n, size_t k) {
  ZipEdit e;
  e.drop.assign(n, false);
  e.drop[k] = true;
  return e;
}

tz::Spec without(tz::Spec spec, size_t k) {
  spec.entries.erase(spec.entries.begin() + static_cast<long>(k));
  return spec;
}

// Every shape a jar in the wild takes, each a variation of one entry list.
std::vector<std::pair<std::string, tz::Spec>> shapes() {
  auto base = [] {
    tz::Spec s;
    s.entries = {{"META-INF/", "", 0},
                 {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\n"},
                 {"org/apache/logging/log4j/core/lookup/JndiLookup.class", klass("JndiLookup")},
                 {"org/apache/logging/log4j/core/net/JndiManager.class", klass("JndiManager")},
                 {"readme.txt", text(5000, 1), 0},
                 {"big.txt", text(300000, 2)}};
    return s;
  };
  std::vector<std::pair<std::string, tz::Spec>> out;
  out.emplace_back("plain", base());
  {
    auto s = base();
    s.prefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n";
    out.emplace_back("launcher prefix, offsets relative", s);
    s.offsets_include_prefix = true;
    out.emplace_back("launcher prefix, offsets absolute (zip -A)", s);
  }
  {
    auto s = base();
    s.zip64 = true;
    out.emplace_back("zip64", s);
    s.prefix = "MZ stub";
    out.emplace_back("zip64 with prefix", s);
  }
  {
    auto s = base();
    for (size_t i = 0; i < s.entries.size(); ++i) {
      s.entries[i].descriptor = true;
      s.entries[i].descriptor_sig = i % 2 == 0;
    }
    out.emplace_back("data descriptors, with and without signature", s);
    s.zip64 = true;
    out.emplace_back("zip64 data descriptors", s);
  }
  {
    auto s = base();
    for (size_t i = 0; i < s.entries.size(); ++i) {
      auto& e = s.entries[i];
      e.local_extra = std::string("\x55\x54\x09\x00\x03\x01\x02\x03\x04\x05\x06\x07\x08", 13);  // extended timestamp
      e.central_extra = std::string("\x55\x54\x05\x00\x03\x01\x02\x03\x04", 9);
      e.comment = "entry comment " + std::to_string(i);
      e.dos_time = 0x50000000u + static_cast<uint32_t>(i) * 12345u;
      e.external_attrs = 0x81ED0000u + static_cast<uint32_t>(i);
      e.extra_flags = 0x800;
    }
    s.comment = "archive comment";
    s.trailing = "junk after the end record";
    out.emplace_back("extra fields, comments, trailing junk", s);
  }
  {
    auto s = base();
    s.entries.push_back({"META-INF/DEPENDENCIES", "first copy", 0});
    s.entries.push_back({"META-INF/DEPENDENCIES", "second copy", 8});
    s.entries.push_back({"weird/bzip2.bin", "raw bytes of an unsupported method", 12});
    out.emplace_back("duplicate names, unsupported method", s);
  }
  return out;
}

// Dropping entry k must give exactly the archive built without it.
TEST(ZipRewrite, DropEqualsBuildingWithout) {
  for (const auto& [label, spec] : shapes()) {
    const std::string zip = tz::build(spec);
    for (size_t k = 0; k < spec.entries.size(); ++k) {
      SCOPED_TRACE(label + ", dropping " + spec.entries[k].name + " #" + std::to_string(k));
      Rewritten r = rewrite(zip, drop_only(spec.entries.size(), k));
      ASSERT_TRUE(r.status.ok()) << r.status.error();
      EXPECT_TRUE(r.bytes == tz::build(without(spec, k))) << "output differs from the expected archive";
    }
  }
}

TEST(ZipRewrite, NoEditIsIdentity) {
  for (const auto& [label, spec] : shapes()) {
    SCOPED_TRACE(label);
    const std::string zip = tz::build(spec);
    Rewritten r = rewrite(zip, ZipEdit{});
    ASSERT_TRUE(r.status.ok()) << r.status.error();
    EXPECT_TRUE(r.bytes == zip);
  }
}

TEST(ZipRewrite, DropEverythingLeavesAValidEmptyArchive) {
  for (const auto& [label, spec] : shapes()) {
    SCOPED_TRACE(label);
    ZipEdit e;
    e.drop.assign(spec.entries.size(), true);
    Rewritten r = rewrite(tz::build(spec), e);
    ASSERT_TRUE(r.status.ok()) << r.status.error();
    tz::Spec empty = spec;
    empty.entries.clear();
    EXPECT_TRUE(r.bytes == tz::build(empty));
    auto zr = ZipReader::open(src(r.bytes));
    ASSERT_TRUE(zr.ok()) << zr.error();
    EXPECT_TRUE(zr->entries().empty());
  }
}

// A nested jar rewritten in place: STORED stays STORED (Spring Boot), DEFLATED
// is deflated afresh; the result equals building the outer archive around
// the rewritten inner one, and a data descriptor on it is dropped (sizes in
// the local header).
TEST(ZipRewrite, ReplacedNestedArchive) {
  tz::Spec inner;
  inner.entries = {{"org/apache/logging/log4j/core/lookup/JndiLookup.class", klass("JL")},
                   {"org/apache/logging/log4j/core/Logger.class", klass("Logger")},
                   {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"}};
  const std::string inner_fixed = tz::build(without(inner, 0));
  for (bool zip64 : {false, true}) {
    for (uint16_t method : {0, 8}) {
      for (bool descriptor : {false, true}) {
        SCOPED_TRACE(std::string(zip64 ? "zip64 " : "") + (method ? "deflated" : "stored") +
                     (descriptor ? " with descriptor" : ""));
        tz::Spec outer;
        outer.zip64 = zip64;
        outer.prefix = "#!/bin/bash\n";
        outer.entries = {{"BOOT-INF/classes/app.properties", "a=b\n"},
                         {"BOOT-INF/lib/log4j-core.jar", tz::build(inner), method},
                         {"BOOT-INF/lib/other.jar", tz::build(without(inner, 1)), 0},
                         {"org/springframework/boot/loader/JarLauncher.class", klass("Launcher")}};
        outer.entries[1].descriptor = descriptor;
        archive::MemoryBudget budget(1 << 20);
        ZipEdit edit;
        edit.replace[1] = src(inner_fixed);
        Rewritten r = rewrite(tz::build(outer), edit);
        ASSERT_TRUE(r.status.ok()) << r.status.error();
        tz::Spec expect = outer;
        expect.entries[1].content = inner_fixed;
        expect.entries[1].descriptor = false;
        EXPECT_TRUE(r.bytes == tz::build(expect));
        auto zr = ZipReader::open(src(r.bytes));
        ASSERT_TRUE(zr.ok());
        EXPECT_EQ(zr->entries()[1].method, method);
        auto nested = zr->read(zr->entries()[1], 1 << 20);
        ASSERT_TRUE(nested.ok()) << nested.error();
        EXPECT_EQ(*nested, inner_fixed);
      }
    }
  }
}

TEST(ZipRewrite, ProofCatchesEveryTamperedByte) {
  const tz::Spec spec = shapes()[0].second;
  const std::string zip = tz::build(spec);
  const ZipEdit edit = drop_only(spec.entries.size(), 2);
  Rewritten r = rewrite(zip, edit);
  ASSERT_TRUE(r.status.ok()) << r.status.error();
  auto zr = ZipReader::open(src(zip));
  ASSERT_TRUE(zr.ok());
  int caught = 0, positions = 0;
  for (size_t pos = 0; pos < r.bytes.size(); pos += 97) {
    std::string bad = r.bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5A);
    ++positions;
    auto oz = ZipReader::open(src(bad));
    if (!oz.ok() || !verify_rewrite(*zr, edit, *oz).ok()) ++caught;
  }
  EXPECT_EQ(caught, positions);
}

TEST(ZipRewrite, ProofRejectsAWrongEdit) {
  const tz::Spec spec = shapes()[0].second;
  const std::string zip = tz::build(spec);
  auto zr = ZipReader::open(src(zip));
  ASSERT_TRUE(zr.ok());
  auto other = ZipReader::open(src(tz::build(without(spec, 3))));
  ASSERT_TRUE(other.ok());
  Status s = verify_rewrite(*zr, drop_only(spec.entries.size(), 2), *other);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("differs"), std::string::npos) << s.error();
}

TEST(ZipRewrite, IntegrityCheckNamesTheDamagedEntry) {
  const tz::Spec spec = shapes()[0].second;
  std::string zip = tz::build(spec);
  auto zr0 = ZipReader::open(src(zip));
  ASSERT_TRUE(zr0.ok());
  auto off = zr0->data_offset(zr0->entries()[4]);  // readme.txt, stored
  ASSERT_TRUE(off.ok());
  zip[*off + 10] = static_cast<char>(zip[*off + 10] ^ 1);
  auto zr = ZipReader::open(src(zip));
  ASSERT_TRUE(zr.ok());
  Status s = verify_all_entries(*zr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "readme.txt: CRC mismatch");
}

std::string fixture(const std::string& rel) { return std::string(L4S_FIXTURES_DIR) + "/" + rel; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ZipRewriteFixtures, RealJarMinusJndiLookupPassesUnzipTest) {
  const std::string path = fixture("jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "fixture not found: " << path;
  const std::string zip = read_file(path);
  auto zr = ZipReader::open(src(zip));
  ASSERT_TRUE(zr.ok());
  ZipEdit edit;
  edit.drop.assign(zr->entries().size(), false);
  size_t dropped = 0;
  for (size_t i = 0; i < zr->entries().size(); ++i) {
    if (zr->entries()[i].name == "org/apache/logging/log4j/core/lookup/JndiLookup.class") {
      edit.drop[i] = true;
      ++dropped;
    }
  }
  ASSERT_EQ(dropped, 1u);
  Rewritten r = rewrite(zip, edit);
  ASSERT_TRUE(r.status.ok()) << r.status.error();
  EXPECT_LT(r.bytes.size(), zip.size());
  // Info-ZIP as an independent judge, when installed.
  if (std::system("command -v unzip >/dev/null 2>&1") == 0) {
    const std::string dir = std::string(L4S_TEST_TMP) + "/zip-rewrite-unzip";
    std::filesystem::create_directories(dir);
    const std::string out = dir + "/fixed.jar";
    std::ofstream(out, std::ios::binary) << r.bytes;
    EXPECT_EQ(std::system(("unzip -tqq " + out + " >/dev/null").c_str()), 0);
    EXPECT_NE(std::system(("unzip -l " + out + " | grep -q JndiLookup.class").c_str()), 0);
  }
}

// The fuzz body over every fixture: valid, undamaged archives must all be
// rewritten and proven; nothing may abort.
TEST(ZipRewriteFixtures, FuzzBodyOverAllFixtures) {
  const std::string root = fixture("jars");
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "fixtures not found: " << root;
  int rewritten = 0, refused = 0, not_zip = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.file_size() > (4u << 20)) continue;
    const std::string zip = read_file(e.path().string());
    auto v = fuzz::run_one(reinterpret_cast<const uint8_t*>(zip.data()), zip.size());
    (v == fuzz::Verdict::kRewritten ? rewritten : v == fuzz::Verdict::kRefused ? refused : not_zip)++;
    if (v == fuzz::Verdict::kRefused) {
      // Only damaged archives may be refused.
      auto zr = ZipReader::open(src(zip));
      ASSERT_TRUE(zr.ok());
      EXPECT_FALSE(verify_all_entries(*zr).ok()) << e.path() << " refused although undamaged";
    }
  }
  EXPECT_GT(rewritten, 100);
  std::printf("fixtures: %d rewritten and proven, %d refused (damaged), %d not zip\n", rewritten, refused, not_zip);
}

// Mutations of a small jar: every outcome is a refusal or a proven archive.
TEST(ZipRewrite, FuzzBodyOverMutations) {
  tz::Spec spec = shapes()[0].second;
  spec.entries[5].content = text(3000, 9);
  tz::Spec inner;
  inner.entries = {{"a/lookup/JndiLookup.class", klass("x")}, {"b.txt", "bbb", 0}};
  spec.entries.push_back({"lib/inner.jar", tz::build(inner), 0});
  const std::string zip = tz::build(spec);
  uint64_t state = 12345;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  int rewritten = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string m = zip;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) m[next() % m.size()] = static_cast<char>(next());
    if (round % 7 == 0) m.resize(next() % m.size());
    if (fuzz::run_one(reinterpret_cast<const uint8_t*>(m.data()), m.size()) == fuzz::Verdict::kRewritten) ++rewritten;
  }
  EXPECT_GT(rewritten, 0);
}

}  // namespace
}  // namespace l4s::remediate
