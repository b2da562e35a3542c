#include "remediate/file_ops.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "remediate/sha256.h"
#include "remediate/test_files.h"

namespace l4s::remediate {
namespace {

using testing::slurp;
using testing::spit;

std::string scratch(const std::string& name) { return testing::fresh_dir("remediate-" + name); }

TEST(FileOps, Names) {
  EXPECT_EQ(dir_name("/a/b/c.jar"), "/a/b");
  EXPECT_EQ(dir_name("/c.jar"), "/");
  EXPECT_EQ(dir_name("c.jar"), ".");
  EXPECT_EQ(base_name("/a/b/c.jar"), "c.jar");
  EXPECT_EQ(base_name("c.jar"), "c.jar");
}

TEST(FileOps, TempFileCommitReplacesAtomicallyAndKeepsMeta) {
  const std::string dir = scratch("commit");
  const std::string target = dir + "/app.jar";
  spit(target, "old");
  ASSERT_EQ(chmod(target.c_str(), 0751), 0);
  const bool xattrs = setxattr(target.c_str(), "user.l4s", "v", 1, 0) == 0;
  int fd = open(target.c_str(), O_RDONLY);
  auto meta = read_meta(fd);
  close(fd);
  ASSERT_TRUE(meta.ok()) << meta.error();
  {
    auto tmp = TempFile::create_beside(target);
    ASSERT_TRUE(tmp.ok()) << tmp.error();
    EXPECT_EQ(dir_name(tmp->path()), dir);
    EXPECT_EQ(base_name(tmp->path()).rfind(".app.jar.l4s-tmp-", 0), 0u) << tmp->path();
    std::vector<std::string> warnings;
    ASSERT_TRUE(apply_meta(tmp->fd(), *meta, &warnings).ok());
    ASSERT_TRUE(write_all(tmp->fd(), "new", 3).ok());
    ASSERT_TRUE(tmp->commit(target).ok());
    EXPECT_FALSE(std::filesystem::exists(tmp->path()));
  }
  EXPECT_EQ(slurp(target), "new");
  struct stat st;
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0751u);
  if (xattrs) {
    char v[8] = {};
    EXPECT_EQ(getxattr(target.c_str(), "user.l4s", v, sizeof v), 1);
    EXPECT_EQ(v[0], 'v');
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

TEST(FileOps, ReplaceTargetOnlyWhileItIsUnchanged) {
  const std::string dir = scratch("replace");
  const std::string target = dir + "/app.jar";
  spit(target, "old");
  struct stat before;
  ASSERT_EQ(stat(target.c_str(), &before), 0);
  {
    auto tmp = TempFile::create_beside(target);
    ASSERT_TRUE(tmp.ok());
    ASSERT_TRUE(write_all(tmp->fd(), "new", 3).ok());
    spit(target, "changed by someone else");
    Status s = tmp->replace_target(&before);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().find("changed meanwhile"), std::string::npos) << s.error();
  }
  EXPECT_EQ(slurp(target), "changed by someone else");
  ASSERT_EQ(stat(target.c_str(), &before), 0);
  {
    auto tmp = TempFile::create_beside(target);
    ASSERT_TRUE(tmp.ok());
    ASSERT_TRUE(write_all(tmp->fd(), "new", 3).ok());
    ASSERT_TRUE(tmp->replace_target(&before).ok());
  }
  EXPECT_EQ(slurp(target), "new");
  // nullptr: only when the target does not exist.
  auto tmp = TempFile::create_beside(target);
  ASSERT_TRUE(tmp.ok());
  EXPECT_FALSE(tmp->replace_target(nullptr).ok());
  std::filesystem::remove(target);
  EXPECT_TRUE(tmp->replace_target(nullptr).ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

TEST(FileOps, UncommittedTempFileIsRemoved) {
  const std::string dir = scratch("abandon");
  std::string path;
  {
    auto tmp = TempFile::create_beside(dir + "/x.jar");
    ASSERT_TRUE(tmp.ok());
    path = tmp->path();
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(FileOps, StaleTempsOfThatFileOnlyAreRemoved) {
  const std::string dir = scratch("stale");
  spit(dir + "/.a.jar.l4s-tmp-abc123", "x");
  spit(dir + "/.a.jar.l4s-tmp-toolongname", "x");
  spit(dir + "/.b.jar.l4s-tmp-abc123", "x");
  spit(dir + "/a.jar", "x");
  EXPECT_EQ(remove_stale_temps(dir + "/a.jar"), 1);
  EXPECT_FALSE(std::filesystem::exists(dir + "/.a.jar.l4s-tmp-abc123"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/.a.jar.l4s-tmp-toolongname"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/.b.jar.l4s-tmp-abc123"));
}

TEST(FileOps, CannotCreateTempInMissingDir) {
  auto tmp = TempFile::create_beside(scratch("missing") + "/no/such/dir/x.jar");
  ASSERT_FALSE(tmp.ok());
  EXPECT_NE(tmp.error().find("cannot create a temp file"), std::string::npos) << tmp.error();
}

TEST(FileOps, SameFileUnchanged) {
  const std::string dir = scratch("identity");
  spit(dir + "/f", "abc");
  struct stat a, b;
  ASSERT_EQ(stat((dir + "/f").c_str(), &a), 0);
  ASSERT_EQ(stat((dir + "/f").c_str(), &b), 0);
  EXPECT_TRUE(same_file_unchanged(a, b));
  spit(dir + "/f", "abcd");
  ASSERT_EQ(stat((dir + "/f").c_str(), &b), 0);
  EXPECT_FALSE(same_file_unchanged(a, b));
}

TEST(FdSink, BuffersAndHashes) {
  const std::string dir = scratch("sink");
  int fd = open((dir + "/out").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  FdSink sink(fd);
  std::string expect;
  for (int i = 0; i < 3000; ++i) {
    std::string chunk(static_cast<size_t>(i % 1500) + 1, static_cast<char>('a' + i % 26));
    expect += chunk;
    ASSERT_TRUE(sink.write(chunk.data(), chunk.size()));
  }
  std::string big(3 << 20, 'z');
  expect += big;
  ASSERT_TRUE(sink.write(big.data(), big.size()));
  ASSERT_TRUE(sink.flush().ok());
  close(fd);
  EXPECT_EQ(sink.position(), expect.size());
  EXPECT_EQ(slurp(dir + "/out"), expect);
  EXPECT_EQ(sink.sha256(), sha256_hex(expect));
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(is_sha256_hex(sha256_hex("")));
  EXPECT_FALSE(is_sha256_hex("ABC"));
}

}  // namespace
}  // namespace l4s::remediate
