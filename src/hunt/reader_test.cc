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

#include "core/gzip.h"

namespace l4s::hunt {
namespace {

std::string bzip2(const std::string& s) {
  std::string out(s.size() + s.size() / 100 + 1024, '\0');
  unsigned len = static_cast<unsigned>(out.size());
  BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(s.data()), static_cast<unsigned>(s.size()), 9, 0, 0);
  out.resize(len);
  return out;
}

std::string xz(const std::string& s) {
  std::string out(lzma_stream_buffer_bound(s.size()), '\0');
  size_t pos = 0;
  lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(s.data()), s.size(),
                          reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
  out.resize(pos);
  return out;
}

std::string zstd(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}

// Writes `data` to a temporary file and reads it back through read_blocks.
struct ReadResult {
  Status status;
  std::string text;
  std::vector<std::string> blocks;
  std::vector<uint64_t> offsets;
  ReadStats stats;
};

ReadResult read_all(const std::string& data, ReadOptions options = {}) {
  char path[] = "/tmp/l4s_reader_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  lseek(fd, 0, SEEK_SET);
  unlink(path);
  ReadResult r;
  r.status = read_blocks(
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

std::string sample_log(int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) {
    s += "10.0.0." + std::to_string(i % 250) + " - - [10/Dec/2021] \"GET /?q=" + std::to_string(i) + " HTTP/1.1\" 200\n";
  }
  return s;
}

TEST(ReaderTest, SniffsByContent) {
  EXPECT_EQ(sniff_compression(gzip("x")), Compression::kGzip);
  EXPECT_EQ(sniff_compression(bzip2("x")), Compression::kBzip2);
  EXPECT_EQ(sniff_compression(xz("x")), Compression::kXz);
  EXPECT_EQ(sniff_compression(zstd("x")), Compression::kZstd);
  EXPECT_EQ(sniff_compression("BZh is a word"), Compression::kNone);
  EXPECT_EQ(sniff_compression("GET /"), Compression::kNone);
}

TEST(ReaderTest, EveryFormatAndConcatenation) {
  std::string a = sample_log(20000), b = "second member ${jndi:ldap://x/a}\n";
  struct Case {
    Compression compression;
    std::string data;
  } cases[] = {
      {Compression::kNone, a + b},
      {Compression::kGzip, gzip(a) + gzip(b)},
      {Compression::kBzip2, bzip2(a) + bzip2(b)},
      {Compression::kXz, xz(a) + xz(b)},
      {Compression::kZstd, zstd(a) + zstd(b)},
  };
  for (const Case& c : cases) {
    ReadResult r = read_all(c.data, ReadOptions{64 * 1024, 1 << 20});
    EXPECT_TRUE(r.status.ok()) << compression_name(c.compression) << ": " << r.status.error();
    EXPECT_EQ(r.stats.compression, c.compression);
    EXPECT_TRUE(r.text == a + b) << compression_name(c.compression) << ": got " << r.text.size() << " bytes, want "
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
ByteReader chunked_reader(const std::string& data, size_t chunk, size_t fail_at = SIZE_MAX,
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
  std::string a = sample_log(20000), b = "second member ${jndi:ldap://x/a}\n";
  const std::string inputs[] = {a + b, gzip(a) + gzip(b), bzip2(a) + bzip2(b), xz(a) + xz(b), zstd(a) + zstd(b)};
  for (const std::string& data : inputs) {
    for (size_t chunk : {1, 4097, 1 << 20}) {
      std::string text;
      ReadStats stats;
      Status s = read_blocks(chunked_reader(data, chunk), [&](std::string_view block, uint64_t) { text += block; },
                            ReadOptions{64 * 1024, 1 << 20}, &stats);
      EXPECT_TRUE(s.ok()) << compression_name(stats.compression) << ": " << s.error();
      EXPECT_TRUE(text == a + b) << compression_name(stats.compression) << " in " << chunk << "-byte reads";
      EXPECT_EQ(stats.bytes_in, data.size());
    }
  }
}

TEST(ReaderTest, AByteStreamErrorEndsTheReadAfterItsText) {
  std::string log = sample_log(100);
  size_t cut = log.find('\n', log.size() / 2) + 1;
  std::string text;
  Status s = read_blocks(chunked_reader(log, 100, cut, "CRC mismatch"),
                        [&](std::string_view block, uint64_t) { text += block; });
  EXPECT_EQ(s.error(), "CRC mismatch");
  EXPECT_EQ(text, log.substr(0, cut));
}

TEST(ReaderTest, GzipTrailingGarbageIsIgnored) {
  ReadResult r = read_all(gzip("line\n") + std::string(512, '\0'));
  EXPECT_TRUE(r.status.ok()) << r.status.error();
  EXPECT_EQ(r.text, "line\n");
}

TEST(ReaderTest, DamageIsAnErrorAfterTheGoodPart) {
  std::string log = sample_log(50000);
  for (std::string data : {gzip(log), bzip2(log), xz(log), zstd(log)}) {
    data.resize(data.size() / 2);
    ReadResult r = read_all(data, ReadOptions{64 * 1024, 1 << 20});
    EXPECT_FALSE(r.status.ok()) << compression_name(r.stats.compression);
    EXPECT_GT(r.text.size(), 0u) << compression_name(r.stats.compression);
    EXPECT_TRUE(r.text == log.substr(0, r.text.size())) << compression_name(r.stats.compression);
  }
}

TEST(ReaderTest, LongLinesAndAnyBytes) {
  std::string line(300000, 'x');
  line[1000] = '\0';
  line[2000] = '\xff';
  std::string data = "a\n" + line + "\nb";
  ReadResult r = read_all(data, ReadOptions{4096, 65536});
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.text == data);
  for (const std::string& b : r.blocks) EXPECT_LE(b.size(), 65536u + 4096u);
}

TEST(ReaderTest, GzipFastAndStreamingPathsAgree) {
  std::string big = sample_log(60000), small = "tail ${jndi:ldap://x/a}\n";
  // The first member is much larger than the last one's ISIZE: the output
  // buffer has to grow.
  std::string data = gzip(big) + gzip(small) + gzip(big.substr(0, 1000));
  std::string want = big + small + big.substr(0, 1000);
  ReadResult fast = read_all(data, ReadOptions{64 * 1024, 1 << 20});
  ReadResult slow = read_all(data, ReadOptions{64 * 1024, 1 << 20, 64});  // too large for the whole-member path
  ReadResult grown = read_all(data, ReadOptions{64 * 1024, 1 << 20, 2 * big.size()});
  for (const ReadResult* r : {&fast, &slow, &grown}) {
    EXPECT_TRUE(r->status.ok()) << r->status.error();
    EXPECT_TRUE(r->text == want) << r->text.size() << " vs " << want.size();
    EXPECT_EQ(r->stats.bytes_in, data.size());
  }
  // A member larger than the limit switches to zlib for the rest.
  ReadResult capped = read_all(data, ReadOptions{64 * 1024, 1 << 20, big.size() / 2 + data.size()});
  EXPECT_TRUE(capped.status.ok()) << capped.status.error();
  EXPECT_TRUE(capped.text == want);
}

TEST(ReaderTest, DamagedSecondMemberKeepsTheFirst) {
  std::string a = sample_log(3000), b = sample_log(40000);
  std::string second = gzip(b);
  second[second.size() / 2] ^= 0x55;
  second[second.size() / 2 + 1] ^= 0x55;
  ReadResult r = read_all(gzip(a) + second, ReadOptions{64 * 1024, 1 << 20});
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.error().find("gzip"), std::string::npos) << r.status.error();
  ASSERT_GE(r.text.size(), a.size());
  EXPECT_TRUE(r.text.substr(0, a.size()) == a);
}

TEST(ReaderTest, GzipFromAPipeStreams) {
  std::string log = sample_log(20000);
  std::string data = gzip(log) + gzip("x\n");
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
  Status s = read_blocks(fds[0], [&](std::string_view block, uint64_t) { text += block; });
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(text == log + "x\n");
}

// Every streamed gzip (a pipe, a byte stream such as a zip member, a file
// too large for the whole-member path) inflates through ISA-L's igzip,
// concatenated members included, split anywhere across reads.
TEST(ReaderTest, StreamedGzipGoesThroughIgzip) {
  std::string a = sample_log(30000), b = "second member ${jndi:ldap://x/a}\n", c = sample_log(7);
  const std::string data = gzip(a) + gzip(b) + gzip("") + gzip(c);
  const std::string want = a + b + c;
  for (size_t chunk : {size_t{1}, size_t{17}, size_t{4096}, size_t{1} << 20}) {
    std::string text;
    ReadStats stats;
    Status s = read_blocks(chunked_reader(data, chunk), [&](std::string_view block, uint64_t) { text += block; },
                           ReadOptions{64 * 1024, 1 << 20}, &stats);
    EXPECT_TRUE(s.ok()) << chunk << ": " << s.error();
    EXPECT_TRUE(text == want) << chunk << ": " << text.size() << " vs " << want.size();
    EXPECT_EQ(stats.gzip_inflater, "igzip") << chunk;
    EXPECT_EQ(stats.bytes_out, want.size());
  }
  ReadResult large = read_all(data, ReadOptions{64 * 1024, 1 << 20, 64});  // over the whole-member limit
  EXPECT_TRUE(large.status.ok()) << large.status.error();
  EXPECT_TRUE(large.text == want);
  EXPECT_EQ(large.stats.gzip_inflater, "igzip");
  ReadResult small = read_all(data, ReadOptions{64 * 1024, 1 << 20});
  EXPECT_TRUE(small.text == want);
  EXPECT_EQ(small.stats.gzip_inflater, "libdeflate");
}

// Damage in a streamed member: an error naming what is wrong, after every
// byte of text before it.
TEST(ReaderTest, StreamedGzipDamageIsAnError) {
  const std::string log = sample_log(40000);
  const std::string good = gzip(log);
  struct Case {
    const char* name;
    std::string data;
    const char* error;
  };
  std::string flipped = good;
  for (size_t i = good.size() / 2; i < good.size() / 2 + 8; ++i) flipped[i] ^= 0x5A;
  std::string bad_crc = good;
  bad_crc[bad_crc.size() - 8] ^= 0x01;
  std::string bad_size = good;
  bad_size[bad_size.size() - 4] ^= 0x01;
  std::string bad_method = good;
  bad_method[2] = 7;
  const Case cases[] = {
      {"truncated in the data", good.substr(0, good.size() / 2), "gzip: truncated data"},
      {"truncated in the trailer", good.substr(0, good.size() - 3), "gzip: truncated data"},
      {"truncated in the header", good.substr(0, 5), "gzip: truncated data"},
      {"corrupt data", flipped, "gzip: corrupt data"},
      {"wrong CRC", bad_crc, "gzip: corrupt data"},
      {"wrong size", bad_size, "gzip: corrupt data"},
      {"not deflate", bad_method, "gzip: corrupt data"},
      {"damaged second member", good + good.substr(0, 40) + std::string(200, '\x07'), "gzip: corrupt data"},
  };
  for (const Case& c : cases) {
    for (bool pipe_like : {true, false}) {
      std::string text;
      ReadStats stats;
      Status s = pipe_like ? read_blocks(chunked_reader(c.data, 4096),
                                         [&](std::string_view block, uint64_t) { text += block; },
                                         ReadOptions{64 * 1024, 1 << 20}, &stats)
                           : Status();
      if (!pipe_like) {
        ReadResult r = read_all(c.data, ReadOptions{64 * 1024, 1 << 20, 64});
        s = r.status;
        text = r.text;
        stats = r.stats;
      }
      ASSERT_FALSE(s.ok()) << c.name;
      EXPECT_EQ(s.error().rfind(c.error, 0), 0u) << c.name << ": " << s.error();
      EXPECT_EQ(stats.gzip_inflater, "igzip") << c.name;
      // Flipped deflate bits may inflate to wrong bytes before the damage is
      // detected (the CRC at the latest): no claim about the text there.
      if (std::string_view(c.name) == "corrupt data") continue;
      const std::string expect = std::string_view(c.name) == "damaged second member" ? log + log : log;
      EXPECT_TRUE(expect.compare(0, text.size(), text) == 0) << c.name << ": only text before the damage";
      if (std::string_view(c.name) != "truncated in the header" && std::string_view(c.name) != "not deflate") {
        EXPECT_GT(text.size(), 0u) << c.name;
      }
    }
  }
}

TEST(ReaderTest, EmptyInput) {
  ReadResult r = read_all("");
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.blocks.empty());
}

}  // namespace
}  // namespace l4s::hunt
