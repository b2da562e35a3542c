#include "hunt/reader.h"

#include <bzlib.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <lzma.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

std::string Gzip(const std::string& s) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, s.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Bzip2(const std::string& s) {
  std::string out(s.size() + s.size() / 100 + 1024, '\0');
  unsigned len = static_cast<unsigned>(out.size());
  BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(s.data()), static_cast<unsigned>(s.size()), 9, 0, 0);
  out.resize(len);
  return out;
}

std::string Xz(const std::string& s) {
  std::string out(lzma_stream_buffer_bound(s.size()), '\0');
  size_t pos = 0;
  lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(s.data()), s.size(),
                          reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
  out.resize(pos);
  return out;
}

std::string Zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}

// Writes `data` to a temporary file and reads it back through ReadBlocks.
struct ReadResult {
  Status status;
  std::string text;
  std::vector<std::string> blocks;
  std::vector<uint64_t> offsets;
  ReadStats stats;
};

ReadResult ReadAll(const std::string& data, ReadOptions options = {}) {
  char path[] = "/tmp/l4s_reader_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  lseek(fd, 0, SEEK_SET);
  unlink(path);
  ReadResult r;
  r.status = ReadBlocks(
      fd,
      [&](std::string_view block, uint64_t offset) {
        r.blocks.emplace_back(block);
        r.offsets.push_back(offset);
        r.text += block;
      },
      options, &r.stats);
  close(fd);
  return r;
}

std::string SampleLog(int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) {
    s += "10.0.0." + std::to_string(i % 250) + " - - [10/Dec/2021] \"GET /?q=" + std::to_string(i) + " HTTP/1.1\" 200\n";
  }
  return s;
}

TEST(ReaderTest, SniffsByContent) {
  EXPECT_EQ(SniffCompression(Gzip("x")), Compression::kGzip);
  EXPECT_EQ(SniffCompression(Bzip2("x")), Compression::kBzip2);
  EXPECT_EQ(SniffCompression(Xz("x")), Compression::kXz);
  EXPECT_EQ(SniffCompression(Zstd("x")), Compression::kZstd);
  EXPECT_EQ(SniffCompression("BZh is a word"), Compression::kNone);
  EXPECT_EQ(SniffCompression("GET /"), Compression::kNone);
}

TEST(ReaderTest, EveryFormatAndConcatenation) {
  std::string a = SampleLog(20000), b = "second member ${jndi:ldap://x/a}\n";
  struct Case {
    Compression compression;
    std::string data;
  } cases[] = {
      {Compression::kNone, a + b},
      {Compression::kGzip, Gzip(a) + Gzip(b)},
      {Compression::kBzip2, Bzip2(a) + Bzip2(b)},
      {Compression::kXz, Xz(a) + Xz(b)},
      {Compression::kZstd, Zstd(a) + Zstd(b)},
  };
  for (const Case& c : cases) {
    ReadResult r = ReadAll(c.data, ReadOptions{64 * 1024, 1 << 20});
    EXPECT_TRUE(r.status.ok()) << CompressionName(c.compression) << ": " << r.status.error();
    EXPECT_EQ(r.stats.compression, c.compression);
    EXPECT_TRUE(r.text == a + b) << CompressionName(c.compression) << ": got " << r.text.size() << " bytes, want "
                                 << (a + b).size();
    EXPECT_GT(r.blocks.size(), 1u);
    uint64_t expected_offset = 0;
    for (size_t i = 0; i < r.blocks.size(); ++i) {
      EXPECT_EQ(r.offsets[i], expected_offset);
      expected_offset += r.blocks[i].size();
      EXPECT_EQ(r.blocks[i].back(), '\n') << "block " << i << " does not end at a line boundary";
    }
  }
}

// A ByteReader over `data` that hands out at most `chunk` bytes per call and
// fails with `error` once `fail_at` bytes are out (never, by default).
ByteReader ChunkedReader(const std::string& data, size_t chunk, size_t fail_at = SIZE_MAX,
                         std::string error = "") {
  auto pos = std::make_shared<size_t>(0);
  return [&data, chunk, fail_at, error, pos](char* buf, size_t cap) -> Result<size_t> {
    if (*pos >= fail_at) return Error{error};
    size_t n = std::min({cap, chunk, data.size() - *pos, fail_at - *pos});
    std::memcpy(buf, data.data() + *pos, n);
    *pos += n;
    return n;
  };
}

TEST(ReaderTest, AnyByteStreamInEveryFormat) {
  std::string a = SampleLog(20000), b = "second member ${jndi:ldap://x/a}\n";
  const std::string inputs[] = {a + b, Gzip(a) + Gzip(b), Bzip2(a) + Bzip2(b), Xz(a) + Xz(b), Zstd(a) + Zstd(b)};
  for (const std::string& data : inputs) {
    for (size_t chunk : {1, 4097, 1 << 20}) {
      std::string text;
      ReadStats stats;
      Status s = ReadBlocks(ChunkedReader(data, chunk), [&](std::string_view block, uint64_t) { text += block; },
                            ReadOptions{64 * 1024, 1 << 20}, &stats);
      EXPECT_TRUE(s.ok()) << CompressionName(stats.compression) << ": " << s.error();
      EXPECT_TRUE(text == a + b) << CompressionName(stats.compression) << " in " << chunk << "-byte reads";
      EXPECT_EQ(stats.bytes_in, data.size());
    }
  }
}

TEST(ReaderTest, AByteStreamErrorEndsTheReadAfterItsText) {
  std::string log = SampleLog(100);
  size_t cut = log.find('\n', log.size() / 2) + 1;
  std::string text;
  Status s = ReadBlocks(ChunkedReader(log, 100, cut, "CRC mismatch"),
                        [&](std::string_view block, uint64_t) { text += block; });
  EXPECT_EQ(s.error(), "CRC mismatch");
  EXPECT_EQ(text, log.substr(0, cut));
}

TEST(ReaderTest, GzipTrailingGarbageIsIgnored) {
  ReadResult r = ReadAll(Gzip("line\n") + std::string(512, '\0'));
  EXPECT_TRUE(r.status.ok()) << r.status.error();
  EXPECT_EQ(r.text, "line\n");
}

TEST(ReaderTest, DamageIsAnErrorAfterTheGoodPart) {
  std::string log = SampleLog(50000);
  for (std::string data : {Gzip(log), Bzip2(log), Xz(log), Zstd(log)}) {
    data.resize(data.size() / 2);
    ReadResult r = ReadAll(data, ReadOptions{64 * 1024, 1 << 20});
    EXPECT_FALSE(r.status.ok()) << CompressionName(r.stats.compression);
    EXPECT_GT(r.text.size(), 0u) << CompressionName(r.stats.compression);
    EXPECT_TRUE(r.text == log.substr(0, r.text.size())) << CompressionName(r.stats.compression);
  }
}

TEST(ReaderTest, LongLinesAndAnyBytes) {
  std::string line(300000, 'x');
  line[1000] = '\0';
  line[2000] = '\xff';
  std::string data = "a\n" + line + "\nb";
  ReadResult r = ReadAll(data, ReadOptions{4096, 65536});
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.text == data);
  for (const std::string& b : r.blocks) EXPECT_LE(b.size(), 65536u + 4096u);
}

TEST(ReaderTest, GzipFastAndStreamingPathsAgree) {
  std::string big = SampleLog(60000), small = "tail ${jndi:ldap://x/a}\n";
  // The first member is much larger than the last one's ISIZE: the output
  // buffer has to grow.
  std::string data = Gzip(big) + Gzip(small) + Gzip(big.substr(0, 1000));
  std::string want = big + small + big.substr(0, 1000);
  ReadResult fast = ReadAll(data, ReadOptions{64 * 1024, 1 << 20});
  ReadResult slow = ReadAll(data, ReadOptions{64 * 1024, 1 << 20, 64});  // too large for the whole-member path
  ReadResult grown = ReadAll(data, ReadOptions{64 * 1024, 1 << 20, 2 * big.size()});
  for (const ReadResult* r : {&fast, &slow, &grown}) {
    EXPECT_TRUE(r->status.ok()) << r->status.error();
    EXPECT_TRUE(r->text == want) << r->text.size() << " vs " << want.size();
    EXPECT_EQ(r->stats.bytes_in, data.size());
  }
  // A member larger than the limit switches to zlib for the rest.
  ReadResult capped = ReadAll(data, ReadOptions{64 * 1024, 1 << 20, big.size() / 2 + data.size()});
  EXPECT_TRUE(capped.status.ok()) << capped.status.error();
  EXPECT_TRUE(capped.text == want);
}

TEST(ReaderTest, DamagedSecondMemberKeepsTheFirst) {
  std::string a = SampleLog(3000), b = SampleLog(40000);
  std::string second = Gzip(b);
  second[second.size() / 2] ^= 0x55;
  second[second.size() / 2 + 1] ^= 0x55;
  ReadResult r = ReadAll(Gzip(a) + second, ReadOptions{64 * 1024, 1 << 20});
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.error().find("gzip"), std::string::npos) << r.status.error();
  ASSERT_GE(r.text.size(), a.size());
  EXPECT_TRUE(r.text.substr(0, a.size()) == a);
}

TEST(ReaderTest, GzipFromAPipeStreams) {
  std::string log = SampleLog(20000);
  std::string data = Gzip(log) + Gzip("x\n");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fds[1], data.data() + off, data.size() - off);
      if (n <= 0) _exit(1);
      off += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  Status s = ReadBlocks(fds[0], [&](std::string_view block, uint64_t) { text += block; });
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(text == log + "x\n");
}

TEST(ReaderTest, EmptyInput) {
  ReadResult r = ReadAll("");
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.blocks.empty());
}

}  // namespace
}  // namespace l4s::hunt
