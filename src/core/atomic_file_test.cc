#include "core/atomic_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace l4s {
namespace {

namespace stdfs = std::filesystem;

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / ("atomic_file_" + std::string(
        ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
  }
  size_t entries() const { return std::distance(stdfs::directory_iterator(dir_), stdfs::directory_iterator()); }
  stdfs::path dir_;
};

TEST_F(AtomicFile, WritesAndReplaces) {
  const auto file = dir_ / "r.json";
  std::string err;
  ASSERT_TRUE(write_file_atomically(file, [](std::ostream& o) { o << "one"; }, &err)) << err;
  EXPECT_EQ(slurp(file), "one");
  ASSERT_TRUE(write_file_atomically(file, [](std::ostream& o) { o << "two"; }, &err)) << err;
  EXPECT_EQ(slurp(file), "two");
  EXPECT_EQ(entries(), 1u);  // no temp file left behind
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(AtomicFile, BareNameWritesInTheCurrentDirectory) {
  const auto old = stdfs::current_path();
  stdfs::current_path(dir_);
  std::string err;
  EXPECT_TRUE(write_file_atomically("bare.txt", [](std::ostream& o) { o << "x"; }, &err)) << err;
  stdfs::current_path(old);
  EXPECT_EQ(slurp(dir_ / "bare.txt"), "x");
}

TEST_F(AtomicFile, MissingDirectoryNamesThePath) {
  const auto file = dir_ / "no" / "such" / "r.json";
  std::string err;
  EXPECT_FALSE(write_file_atomically(file, [](std::ostream& o) { o << "x"; }, &err));
  EXPECT_NE(err.find(file.string() + ": "), std::string::npos) << err;
}

TEST_F(AtomicFile, ThrowingWriterLeavesNoTempFileAndKeepsTheOld) {
  const auto file = dir_ / "r.json";
  std::string err;
  ASSERT_TRUE(write_file_atomically(file, [](std::ostream& o) { o << "old"; }, &err));
  EXPECT_THROW(write_file_atomically(file, [](std::ostream& o) { o << "new"; throw std::runtime_error("x"); }, &err),
               std::runtime_error);
  EXPECT_EQ(slurp(file), "old");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, DeviceIsWrittenThrough) {
  std::string err;
  EXPECT_TRUE(write_file_atomically("/dev/null", [](std::ostream& o) { o << "x"; }, &err)) << err;
  struct stat st;
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(AtomicFile, FullDeviceFails) {
  std::string err;
  EXPECT_FALSE(write_file_atomically("/dev/full", [](std::ostream& o) { o << std::string(1 << 20, 'x'); }, &err));
  EXPECT_NE(err.find("/dev/full"), std::string::npos) << err;
}

}  // namespace
}  // namespace l4s
