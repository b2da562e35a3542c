#include "fs/walker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

namespace l4s::fs {
namespace {

namespace stdfs = std::filesystem;

class WalkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::path(L4S_TEST_TMP) / ("walker-" + std::string(
        ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(root_);
    stdfs::create_directories(root_ / "a/b/c");
    stdfs::create_directories(root_ / "skipme");
    touch("top.jar");
    touch("a/one.txt");
    touch("a/b/two.war");
    touch("a/b/c/three.class");
    touch("skipme/hidden.jar");
  }
  void touch(const std::string& rel) { std::ofstream(root_ / rel) << rel; }

  std::set<std::string> walk_rel(WalkOptions o, std::vector<std::string>* errors = nullptr) {
    std::set<std::string> seen;
    std::mutex mu;
    WalkCallbacks cb;
    cb.on_file = [&](const FileVisit& v) {
      std::lock_guard<std::mutex> l(mu);
      EXPECT_TRUE(seen.insert(stdfs::relative(v.path, root_).string()).second) << v.path;
    };
    cb.on_error = [&](const std::string& where, const std::string& why) {
      std::lock_guard<std::mutex> l(mu);
      if (errors) errors->push_back(where + ": " + why);
    };
    if (o.roots.empty()) o.roots = {root_.string()};
    walk(o, cb);
    return seen;
  }

  stdfs::path root_;
};

TEST_F(WalkerTest, VisitsEveryRegularFileOnce) {
  for (unsigned threads : {1u, 4u}) {
    WalkOptions o;
    o.threads = threads;
    auto seen = walk_rel(o);
    EXPECT_EQ(seen, (std::set<std::string>{"top.jar", "a/one.txt", "a/b/two.war", "a/b/c/three.class",
                                           "skipme/hidden.jar"}));
  }
}

TEST_F(WalkerTest, ExcludesByGlobOnPathOrBaseName) {
  WalkOptions o;
  o.excludes = {"skipme", "*.txt"};
  auto seen = walk_rel(o);
  EXPECT_FALSE(seen.count("skipme/hidden.jar"));
  EXPECT_FALSE(seen.count("a/one.txt"));
  EXPECT_TRUE(seen.count("a/b/two.war"));
}

TEST_F(WalkerTest, NeverOpensFifosAndIgnoresSymlinksByDefault) {
  ASSERT_EQ(mkfifo((root_ / "a/pipe").c_str(), 0600), 0);
  stdfs::create_directory_symlink(root_, root_ / "a/loop");
  stdfs::create_symlink(root_ / "top.jar", root_ / "a/link.jar");
  auto seen = walk_rel(WalkOptions{});
  EXPECT_FALSE(seen.count("a/pipe"));
  EXPECT_FALSE(seen.count("a/link.jar"));
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(WalkerTest, FollowingSymlinksIsLoopSafeAndVisitsFilesOnce) {
  stdfs::create_directory_symlink(root_, root_ / "a/loop");
  stdfs::create_symlink(root_ / "top.jar", root_ / "a/link.jar");
  WalkOptions o;
  o.follow_symlinks = true;
  o.threads = 3;
  auto seen = walk_rel(o);  // the EXPECT inside on_file fails on any repeat path
  // top.jar and a/link.jar are the same file: exactly one of them is visited.
  EXPECT_EQ(seen.count("top.jar") + seen.count("a/link.jar"), 1u);
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(WalkerTest, ReportsMissingRootAndUnreadableDirectory) {
  std::vector<std::string> errors;
  WalkOptions o;
  o.roots = {(root_ / "does-not-exist").string(), root_.string()};
  if (geteuid() != 0) chmod((root_ / "a/b").c_str(), 0);  // root reads anything
  walk_rel(o, &errors);
  chmod((root_ / "a/b").c_str(), 0755);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("does-not-exist"), std::string::npos);
}

TEST_F(WalkerTest, SingleFileRootIsVisitedAsRoot) {
  WalkOptions o;
  o.roots = {(root_ / "a/b/two.war").string()};
  bool was_root = false;
  WalkCallbacks cb;
  cb.on_file = [&](const FileVisit& v) { was_root = v.is_root; };
  walk(o, cb);
  EXPECT_TRUE(was_root);
}

TEST(FsTypes, SkipsNetworkAndPseudoFilesystemsOnly) {
  for (const char* t : {"nfs", "nfs4", "cifs", "smb3", "autofs", "afs", "fuse.sshfs", "proc", "sysfs",
                        "devtmpfs", "overlay"})
    EXPECT_TRUE(is_skipped_fs_type(t)) << t;
  for (const char* t : {"ext4", "xfs", "btrfs", "tmpfs", "zfs", "vfat"}) EXPECT_FALSE(is_skipped_fs_type(t)) << t;
}

TEST(FsTypes, ParsesMountinfoWithEscapes) {
  stdfs::create_directories(L4S_TEST_TMP);
  std::string p = std::string(L4S_TEST_TMP) + "/mountinfo";
  std::ofstream(p) << "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
                      "30 1 8:1 / /mnt/my\\040disk rw - ext4 /dev/sda1 rw\n";
  auto m = read_mounts(p);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].fstype, "proc");
  EXPECT_EQ(m[1].mount_point, "/mnt/my disk");
  EXPECT_EQ(m[1].fstype, "ext4");
}

}  // namespace
}  // namespace l4s::fs
