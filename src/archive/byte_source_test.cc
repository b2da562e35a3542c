#include "archive/byte_source.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>

namespace l4s::archive {
namespace {

std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/byte-source-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string bytes_of(const ByteSource& s) {
  std::string out(s.size(), '\0');
  EXPECT_TRUE(s.read_at(0, out.data(), out.size()));
  return out;
}

TEST(ByteSource, FileSourceReadsContent) {
  const std::string dir = scratch_dir("file");
  auto s = open_file_source(write_file(dir + "/f.bin", "0123456789"));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ((*s)->size(), 10u);
  EXPECT_EQ((*s)->data(), nullptr);  // read with pread, never mapped
  EXPECT_EQ(bytes_of(**s), "0123456789");
  char buf[4];
  ASSERT_TRUE((*s)->read_at(6, buf, 4));
  EXPECT_EQ(std::string(buf, 4), "6789");
  EXPECT_FALSE((*s)->read_at(7, buf, 4));
  EXPECT_FALSE((*s)->read_at(UINT64_MAX - 1, buf, 4));  // no offset overflow
  EXPECT_TRUE((*s)->read_at(10, buf, 0));
}

TEST(ByteSource, EmptyFileIsAnEmptySource) {
  const std::string dir = scratch_dir("empty");
  auto s = open_file_source(write_file(dir + "/empty", ""));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ((*s)->size(), 0u);
  char c;
  EXPECT_FALSE((*s)->read_at(0, &c, 1));
}

TEST(ByteSource, FileErrors) {
  const std::string dir = scratch_dir("errors");
  auto d = open_file_source(dir);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find("not a regular file"), std::string::npos) << d.error();
  auto m = open_file_source(dir + "/missing");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().find(strerror(ENOENT)), std::string::npos) << m.error();
}

TEST(ByteSource, FileSourceOutlivesUnlink) {
  const std::string dir = scratch_dir("unlink");
  auto s = open_file_source(write_file(dir + "/f", "still here"));
  ASSERT_TRUE(s.ok());
  std::filesystem::remove(dir + "/f");
  EXPECT_EQ(bytes_of(**s), "still here");
}

// Another process truncating a file mid-scan must not crash us (a mapping
// would raise SIGBUS on the vanished pages): reads past the new end fail,
// reads before it still work.
TEST(ByteSource, TruncatedAfterOpenFailsReadsCleanly) {
  const std::string dir = scratch_dir("truncate");
  std::string content(3 << 20, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 13);
  const std::string path = write_file(dir + "/f", content);
  auto s = open_file_source(path);
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ((*s)->size(), content.size());
  std::filesystem::resize_file(path, 4096);
  std::vector<char> buf(1 << 20);
  EXPECT_FALSE((*s)->read_at(1 << 20, buf.data(), buf.size()));       // wholly past the new end
  EXPECT_FALSE((*s)->read_at(4000, buf.data(), 200));                  // straddles it
  ASSERT_TRUE((*s)->read_at(100, buf.data(), 200));                    // still there
  EXPECT_EQ(memcmp(buf.data(), content.data() + 100, 200), 0);
  SourcePtr sub = sub_source(*s, 2 << 20, 4096);
  EXPECT_FALSE(sub->read_at(0, buf.data(), 16));
  std::filesystem::resize_file(path, 0);
  EXPECT_FALSE((*s)->read_at(0, buf.data(), 1));
}

TEST(ByteSource, FifoIsRefusedWithoutBlocking) {
  const std::string dir = scratch_dir("fifo");
  ASSERT_EQ(mkfifo((dir + "/p").c_str(), 0600), 0);
  auto s = open_file_source(dir + "/p");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("not a regular file"), std::string::npos) << s.error();
}

TEST(ByteSource, MemorySource) {
  SourcePtr s = memory_source({'a', 'b', 'c'});
  EXPECT_EQ(s->size(), 3u);
  EXPECT_EQ(bytes_of(*s), "abc");
  char c;
  EXPECT_FALSE(s->read_at(3, &c, 1));
  EXPECT_EQ(memory_source({})->size(), 0u);
}

TEST(ByteSource, SubSourceIsClamped) {
  SourcePtr parent = memory_source({'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'});
  SourcePtr mid = sub_source(parent, 2, 5);
  EXPECT_EQ(bytes_of(*mid), "23456");
  EXPECT_EQ(mid->data(), parent->data() + 2);
  char buf[2];
  EXPECT_FALSE(mid->read_at(4, buf, 2));  // inside the parent, outside the range
  EXPECT_EQ(bytes_of(*sub_source(parent, 8, 100)), "89");
  EXPECT_EQ(sub_source(parent, 100, 5)->size(), 0u);
  EXPECT_EQ(sub_source(parent, 3, UINT64_MAX)->size(), 7u);
  SourcePtr nested = sub_source(mid, 1, 3);
  EXPECT_EQ(bytes_of(*nested), "345");
}

TEST(ByteSource, SubSourceKeepsParentAlive) {
  SourcePtr sub;
  {
    SourcePtr parent = memory_source({'x', 'y', 'z'});
    sub = sub_source(parent, 1, 2);
  }
  EXPECT_EQ(bytes_of(*sub), "yz");
}

TEST(MemoryBudget, ReserveAndRelease) {
  MemoryBudget b(100);
  EXPECT_TRUE(b.try_reserve(60));
  EXPECT_FALSE(b.try_reserve(41));
  EXPECT_TRUE(b.try_reserve(40));
  EXPECT_FALSE(b.try_reserve(1));
  b.release(100);
  EXPECT_TRUE(b.try_reserve(100));
  EXPECT_FALSE(b.try_reserve(UINT64_MAX));
  EXPECT_TRUE(b.try_reserve(0));
  EXPECT_EQ(MemoryBudget(0, "/x").spill_dir(), "/x");
}

TEST(MemoryBudget, ConcurrentReservationsNeverOversubscribe) {
  MemoryBudget b(1000);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (b.try_reserve(1)) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 1000);
}

TEST(SpillWriter, StaysInMemoryWithinBudget) {
  MemoryBudget budget(1 << 20);
  {
    SpillWriter w(budget, 10);
    ASSERT_TRUE(w.append("hello ", 6));
    ASSERT_TRUE(w.append("world", 5));  // past the hint, still within budget
    EXPECT_EQ(w.size(), 11u);
    auto s = w.finish();
    ASSERT_TRUE(s.ok()) << s.error();
    EXPECT_EQ(bytes_of(**s), "hello world");
    EXPECT_NE((*s)->data(), nullptr);
    EXPECT_FALSE(budget.try_reserve(1 << 20));  // held by the source
  }
  EXPECT_TRUE(budget.try_reserve(1 << 20));  // released with it
}

TEST(SpillWriter, OversizedHintIsGivenBack) {
  MemoryBudget budget(1 << 20);
  SpillWriter w(budget, 1 << 20);
  ASSERT_TRUE(w.append("x", 1));
  auto s = w.finish();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(budget.try_reserve((1 << 20) - 1));
}

TEST(SpillWriter, SpillsPastTheBudget) {
  const std::string dir = scratch_dir("spill");
  MemoryBudget budget(1000, dir);
  std::string expected;
  SourcePtr source;
  {
    SpillWriter w(budget, 0);
    for (int i = 0; i < 300; ++i) {  // ~2.8 KB in total
      const std::string chunk = "chunk " + std::to_string(i) + ";";
      expected += chunk;
      ASSERT_TRUE(w.append(chunk.data(), chunk.size()));
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir));  // unlinked right after creation
    auto s = w.finish();
    ASSERT_TRUE(s.ok()) << s.error();
    source = *s;
  }
  EXPECT_GT(expected.size(), 1000u);
  EXPECT_EQ(bytes_of(*source), expected);
  EXPECT_TRUE(budget.try_reserve(1000));  // spilled content holds no budget
}

// Growing by exactly what each append needs, near the cap, reallocated and
// copied the whole buffer per 64 KiB (a 400 MB nested jar took minutes):
// once doubling is refused, the writer spills instead of creeping.
TEST(SpillWriter, SpillsWhenDoublingIsRefusedInsteadOfCreeping) {
  const std::string dir = scratch_dir("creep");
  MemoryBudget budget(200 * 1024, dir);
  const std::string chunk(64 * 1024, 'z');
  SourcePtr source;
  {
    SpillWriter w(budget, 0);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w.append(chunk.data(), chunk.size()));  // 192 KiB would still fit
    auto s = w.finish();
    ASSERT_TRUE(s.ok()) << s.error();
    source = *s;
  }
  EXPECT_EQ(bytes_of(*source), chunk + chunk + chunk);
  EXPECT_TRUE(budget.try_reserve(200 * 1024)) << "content still held in memory";
}

TEST(SpillWriter, ZeroBudgetSpillsImmediately) {
  const std::string dir = scratch_dir("zero");
  MemoryBudget budget(0, dir);
  SpillWriter w(budget, 100);
  ASSERT_TRUE(w.append("abc", 3));
  auto s = w.finish();
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(bytes_of(**s), "abc");
}

TEST(SpillWriter, EmptyResult) {
  MemoryBudget budget(0, "/nonexistent-dir");
  SpillWriter w(budget, 0);
  auto s = w.finish();
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ((*s)->size(), 0u);
}

TEST(SpillWriter, BadSpillDirFails) {
  MemoryBudget budget(0, "/nonexistent-dir/for/spill");
  SpillWriter w(budget, 0);
  EXPECT_FALSE(w.append("abc", 3));
  EXPECT_FALSE(w.append("def", 3));
  auto s = w.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find(strerror(ENOENT)), std::string::npos) << s.error();
}

TEST(ByteSource, ConcurrentReadAt) {
  const std::string dir = scratch_dir("concurrent");
  std::string content(1 << 16, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  auto s = open_file_source(write_file(dir + "/f", content));
  ASSERT_TRUE(s.ok());
  SourcePtr sub = sub_source(*s, 100, 1000);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      char buf[64];
      for (int i = 0; i < 1000; ++i) {
        const uint64_t off = (i * 61 + t * 13) % 900;
        if (!sub->read_at(off, buf, sizeof buf) || memcmp(buf, content.data() + 100 + off, sizeof buf) != 0) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace l4s::archive
