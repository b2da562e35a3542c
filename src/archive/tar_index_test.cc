#include "archive/tar_index.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace l4s::archive {
namespace {

namespace stdfs = std::filesystem;

std::vector<uint8_t> read_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

class TarIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test: ctest runs them in parallel.
    dir_ = stdfs::path(L4S_TEST_TMP) / ("tar-index-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    // A 165-character path: a GNU long name, a pax path, or a ustar prefix.
    stdfs::create_directories(dir_ / "src/sub" / std::string(80, 'd'));
    std::ofstream(dir_ / "src/a.txt") << "hello";
    std::ofstream(dir_ / "src/sub" / std::string(80, 'd') / std::string(80, 'n')) << std::string(1000, 'x');
  }
  std::vector<TarMember> index(const std::string& tar_flags) {
    std::string tar = (dir_ / "t.tar").string();
    std::string cmd = "tar " + tar_flags + " -C '" + (dir_ / "src").string() + "' -cf '" + tar + "' a.txt sub";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    bytes_ = read_file(tar);
    auto r = index_tar(*memory_source(bytes_));
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : std::vector<TarMember>{};
  }
  stdfs::path dir_;
  std::vector<uint8_t> bytes_;
};

TEST_F(TarIndexTest, IndexesGnuAndPaxLongNamesWithDataOffsets) {
  for (const char* format : {"--format=gnu", "--format=pax", "--format=ustar"}) {
    auto members = index(format);
    ASSERT_EQ(members.size(), 4u) << format;
    EXPECT_EQ(members[0].name, "a.txt");
    EXPECT_TRUE(members[0].regular());
    EXPECT_EQ(std::string(bytes_.begin() + members[0].data_offset, bytes_.begin() + members[0].data_offset + 5), "hello");
    EXPECT_EQ(members[1].type, '5');
    const TarMember& file = members[3];
    EXPECT_EQ(file.name, "sub/" + std::string(80, 'd') + "/" + std::string(80, 'n')) << format;
    EXPECT_EQ(file.size, 1000u);
    EXPECT_EQ(bytes_[file.data_offset + 999], 'x');
  }
}

TEST_F(TarIndexTest, RejectsCorruptHeadersAndTruncation) {
  index("--format=gnu");
  auto corrupt = bytes_;
  corrupt[100] ^= 0x55;  // breaks the first header's checksum
  auto r = index_tar(*memory_source(corrupt));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("checksum"), std::string::npos);

  auto truncated = bytes_;
  truncated.resize(512 + 3);  // header promises 5 bytes of data
  EXPECT_FALSE(index_tar(*memory_source(truncated)).ok());
  EXPECT_TRUE(index_tar(*memory_source({})).ok());  // empty: no members
}

}  // namespace
}  // namespace l4s::archive
