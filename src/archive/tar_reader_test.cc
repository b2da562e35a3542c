#include "archive/tar_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/gzip.h"
#include "archive/zip_reader.h"
#include "archive/testing/read_at_only.h"

namespace l4s::archive {
namespace {

// A minimal tar writer: ustar (or v7, without magic) headers, 512-byte blocks.
std::string tar_header(const std::string& name, size_t size, char type = '0', bool ustar = true) {
  std::string h(512, '\0');
  memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  auto octal = [&](size_t pos, size_t width, uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(v));
    memcpy(h.data() + pos, buf, width - 1);
  };
  octal(100, 8, 0644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 1639000000);
  h[156] = type;
  if (ustar) {
    memcpy(h.data() + 257, "ustar", 6);
    memcpy(h.data() + 263, "00", 2);
  }
  memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char buf[8];
  snprintf(buf, sizeof buf, "%06o", sum);
  memcpy(h.data() + 148, buf, 7);  // six digits, NUL, then the space stays
  return h;
}

struct TarFile {
  std::string name;
  std::string content;
  char type = '0';
};

std::string build_tar(const std::vector<TarFile>& files, bool ustar = true) {
  std::string out;
  for (const TarFile& f : files) {
    out += tar_header(f.name, f.content.size(), f.type, ustar);
    out += f.content;
    out.append((512 - f.content.size() % 512) % 512, '\0');
  }
  out.append(1024, '\0');
  return out;
}

SourcePtr src(const std::string& s) { return memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

std::string source_bytes(const ByteSource& s) {
  std::string out(s.size(), '\0');
  EXPECT_TRUE(s.read_at(0, out.data(), out.size()));
  return out;
}

std::vector<TarFile> sample_files() {
  return {{"dir/", "", '5'}, {"dir/a.txt", "alpha"}, {"dir/b.bin", std::string(3000, 'b')}};
}

struct Seen {
  std::vector<TarEntry> entries;
  std::map<std::string, std::string> content;
};

Status collect(SourcePtr s, MemoryBudget& budget, Seen* seen) {
  return read_tar(s, budget, [&](const TarEntry& e, const auto& materialize) {
    seen->entries.push_back(e);
    if (!e.regular) return;
    auto m = materialize(1 << 20);
    if (m.ok()) seen->content[e.name] = source_bytes(**m);
  });
}

TEST(TarReader, VisitsEntriesAndMaterializes) {
  for (bool resident : {true, false}) {
    SCOPED_TRACE(resident ? "resident" : "read_at only");
    SourcePtr s = src(build_tar(sample_files()));
    if (!resident) s = std::make_shared<ReadAtOnly>(s);
    MemoryBudget budget(1 << 20);
    Seen seen;
    Status st = collect(s, budget, &seen);
    ASSERT_TRUE(st.ok()) << st.error();
    ASSERT_EQ(seen.entries.size(), 3u);
    EXPECT_EQ(seen.entries[0].name, "dir/");
    EXPECT_FALSE(seen.entries[0].regular);
    EXPECT_EQ(seen.entries[1].name, "dir/a.txt");
    EXPECT_TRUE(seen.entries[1].regular);
    EXPECT_EQ(seen.entries[1].size, 5u);
    EXPECT_EQ(seen.content["dir/a.txt"], "alpha");
    EXPECT_EQ(seen.content["dir/b.bin"], std::string(3000, 'b'));
  }
}

TEST(TarReader, GzipWrappedTar) {
  const std::string gz = gzip(build_tar(sample_files()));
  EXPECT_EQ(detect_compression(gz.data(), gz.size()), Compression::kGzip);
  MemoryBudget budget(1 << 20);
  Seen seen;
  Status st = collect(src(gz), budget, &seen);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(seen.entries.size(), 3u);
  EXPECT_EQ(seen.content["dir/a.txt"], "alpha");
}

TEST(TarReader, V7TarWithoutMagic) {
  const std::string tar = build_tar(sample_files(), /*ustar=*/false);
  EXPECT_TRUE(looks_like_tar(tar.data(), tar.size()));
  MemoryBudget budget(1 << 20);
  Seen seen;
  Status st = collect(src(tar), budget, &seen);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(seen.content["dir/a.txt"], "alpha");
}

TEST(TarReader, MaterializeCapAndSingleUse) {
  MemoryBudget budget(1 << 20);
  std::vector<std::string> errors;
  Status st = read_tar(src(build_tar(sample_files())), budget,
                       [&](const TarEntry& e, const auto& materialize) {
                         if (e.name != "dir/b.bin") return;
                         auto a = materialize(100);
                         ASSERT_FALSE(a.ok());
                         errors.push_back(a.error());
                         auto b = materialize(1 << 20);
                         ASSERT_FALSE(b.ok());
                         errors.push_back(b.error());
                       });
  ASSERT_TRUE(st.ok()) << st.error();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "entry exceeds 100 bytes");
  EXPECT_EQ(errors[1], "entry already materialized");
}

TEST(TarReader, MaterializeSpillsWhenBudgetIsZero) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/tar-spill";
  std::filesystem::create_directories(dir);
  MemoryBudget budget(0, dir);
  Seen seen;
  Status st = collect(src(build_tar(sample_files())), budget, &seen);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(seen.content["dir/b.bin"], std::string(3000, 'b'));
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(TarReader, TruncatedTarReportsErrorAfterEntries) {
  std::string tar = build_tar({{"a.txt", "alpha"}, {"big.bin", std::string(10000, 'x')}});
  tar.resize(512 + 512 + 512 + 4000);  // cut inside big.bin's data
  MemoryBudget budget(1 << 20);
  std::vector<std::string> names;
  std::string materialize_error;
  Status st = read_tar(src(tar), budget, [&](const TarEntry& e, const auto& materialize) {
    names.push_back(e.name);
    if (e.name == "big.bin") {
      auto m = materialize(1 << 20);
      if (!m.ok()) materialize_error = m.error();
    }
  });
  EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "big.bin"}));
  EXPECT_FALSE(materialize_error.empty());
  EXPECT_FALSE(st.ok());
}

// The same cut made on disk by another process after the file was opened.
TEST(TarReader, FileTruncatedAfterOpenReportsError) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/tar-truncate";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/t.tar";
  const std::string tar = build_tar({{"a.txt", "alpha"}, {"big.bin", std::string(1 << 20, 'x')}});
  std::ofstream(path, std::ios::binary) << tar;
  auto s = open_file_source(path);
  ASSERT_TRUE(s.ok()) << s.error();
  std::filesystem::resize_file(path, 512 + 512 + 512 + 4000);
  MemoryBudget budget(4 << 20);
  std::vector<std::string> names;
  std::string materialize_error;
  Status st = read_tar(*s, budget, [&](const TarEntry& e, const auto& materialize) {
    names.push_back(e.name);
    if (e.name == "big.bin") {
      auto m = materialize(4 << 20);
      if (!m.ok()) materialize_error = m.error();
    }
  });
  EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "big.bin"}));
  EXPECT_FALSE(materialize_error.empty());
  EXPECT_FALSE(st.ok());
}

TEST(TarReader, RejectsNonTar) {
  MemoryBudget budget(1 << 20);
  auto visit = [](const TarEntry&, const auto&) {};
  EXPECT_FALSE(read_tar(src("this is just some text, not an archive at all"), budget, visit).ok());
  EXPECT_FALSE(read_tar(src(std::string(2000, '\x07')), budget, visit).ok());
  EXPECT_FALSE(read_tar(src("PK\5\6" + std::string(18, '\0')), budget, visit).ok());  // zip: not ours
  EXPECT_FALSE(read_tar(nullptr, budget, visit).ok());
}

TEST(TarReader, DetectCompression) {
  EXPECT_EQ(detect_compression("\x1f\x8b\x08", 3), Compression::kGzip);
  EXPECT_EQ(detect_compression("BZh91AY", 7), Compression::kBzip2);
  EXPECT_EQ(detect_compression("\xfd" "7zXZ\0\0", 7), Compression::kXz);
  EXPECT_EQ(detect_compression("\x28\xb5\x2f\xfd\x00", 5), Compression::kZstd);
  EXPECT_EQ(detect_compression("PK\3\4", 4), Compression::kNone);
  EXPECT_EQ(detect_compression("\x1f", 1), Compression::kNone);
  EXPECT_EQ(detect_compression(nullptr, 0), Compression::kNone);
}

TEST(TarReader, LooksLikeTar) {
  const std::string ustar = build_tar(sample_files());
  EXPECT_TRUE(looks_like_tar(ustar.data(), ustar.size()));
  EXPECT_TRUE(looks_like_tar(ustar.data(), 262));  // magic alone is enough
  std::string bad_v7 = build_tar(sample_files(), false);
  bad_v7[0] ^= 1;  // checksum no longer matches
  EXPECT_FALSE(looks_like_tar(bad_v7.data(), bad_v7.size()));
  const std::string zeros(1024, '\0');
  EXPECT_FALSE(looks_like_tar(zeros.data(), zeros.size()));
  EXPECT_FALSE(looks_like_tar("PK\3\4", 4));
  EXPECT_FALSE(looks_like_tar(nullptr, 0));
}

// ---------------------------------------------------------------------------

std::string fixture(const std::string& rel) { return std::string(L4S_FIXTURES_DIR) + "/" + rel; }

TEST(TarReaderFixtures, WrappedLog4jInsideADist) {
  const std::string dir = fixture("jars/palantir-log4j-sniffer/examples/inside_a_dist/");
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "fixture not found: " << dir << " (real fixtures live in ../shared/fixtures)";
  }
  const struct {
    const char* file;
    Compression compression;
  } cases[] = {{"wrapped_log4j.tar", Compression::kNone},
               {"wrapped_log4j.tar.gz", Compression::kGzip},
               {"wrapped_log4j.tar.bz2", Compression::kBzip2}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto s = open_file_source(dir + c.file);
    ASSERT_TRUE(s.ok()) << s.error();
    uint8_t head[512];
    ASSERT_TRUE((*s)->read_at(0, head, sizeof head));
    EXPECT_EQ(detect_compression(head, sizeof head), c.compression);
    EXPECT_EQ(looks_like_tar(head, sizeof head), c.compression == Compression::kNone);

    MemoryBudget budget(64 << 20);
    bool found = false;
    Status st = read_tar(*s, budget, [&](const TarEntry& e, const auto& materialize) {
      if (e.name.find("log4j-core-2.14.1.jar") == std::string::npos) return;
      found = true;
      EXPECT_TRUE(e.regular);
      EXPECT_EQ(e.size, 1745700u);
      auto jar = materialize(64 << 20);
      ASSERT_TRUE(jar.ok()) << jar.error();
      auto zr = ZipReader::open(*jar);
      ASSERT_TRUE(zr.ok()) << zr.error();
      bool jndi = false;
      for (const ZipEntry& z : zr->entries()) {
        if (z.name == "org/apache/logging/log4j/core/lookup/JndiLookup.class") jndi = true;
      }
      EXPECT_TRUE(jndi);
    });
    ASSERT_TRUE(st.ok()) << st.error();
    EXPECT_TRUE(found);
  }
}

}  // namespace
}  // namespace l4s::archive
