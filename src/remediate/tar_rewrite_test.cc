#include "remediate/tar_rewrite.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l4s::remediate {
namespace {

using archive::SourcePtr;

SourcePtr mem(const std::string& s) { return archive::memory_source(std::vector<uint8_t>(s.begin(), s.end())); }

std::string bytes_of(const archive::ByteSource& src) {
  std::string out(src.size(), '\0');
  EXPECT_TRUE(src.read_at(0, out.data(), out.size()));
  return out;
}

struct Member {
  std::string name;
  std::string content;
  unsigned type = AE_IFREG;
  unsigned perm = 0644;
  std::string symlink = {};  // target of an AE_IFLNK member (initialised so short member lists need not name it)
};

// A tar written by libarchive in the given format and compression.
std::string make_tar(const std::vector<Member>& members, int format, int filter) {
  std::string out;
  struct archive* w = archive_write_new();
  archive_write_set_format(w, format);
  if (filter != ARCHIVE_FILTER_NONE) archive_write_add_filter(w, filter);
  archive_write_set_bytes_in_last_block(w, 1);  // no zero padding after a zstd frame
  archive_write_open2(
      w, &out, nullptr,
      [](struct archive*, void* d, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(d)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  int64_t mtime = 1639094400;
  for (const Member& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, m.perm);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 50);
    archive_entry_set_uname(e, "app");
    archive_entry_set_mtime(e, mtime++, 0);
    if (!m.symlink.empty()) archive_entry_set_symlink(e, m.symlink.c_str());
    archive_entry_set_size(e, m.type == AE_IFREG ? static_cast<la_int64_t>(m.content.size()) : 0);
    archive_write_header(w, e);
    if (m.type == AE_IFREG) archive_write_data(w, m.content.data(), m.content.size());
    archive_entry_free(e);
  }
  archive_write_close(w);
  archive_write_free(w);
  return out;
}

const std::vector<Member> kMembers = {
    {"opt/", "", AE_IFDIR, 0755},
    {"opt/app/lib/log4j-core-2.14.1.jar", std::string(3000, 'j')},
    {"opt/app/run.sh", "#!/bin/sh\nexec java -jar app.jar\n", AE_IFREG, 0755},
    {"opt/app/current", "", AE_IFLNK, 0777, "lib/log4j-core-2.14.1.jar"},
    {"opt/app/" + std::string(120, 'n') + "/long-name.txt", "pax or gnu long name"},
    {"opt/app/lib/log4j-core-2.14.1.jar", "a duplicate name, a different member"},
};

class TarRewrite : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(TarRewrite, ReplacesOneMemberAndKeepsEverythingElse) {
  auto [format, filter] = GetParam();
  archive::MemoryBudget budget(64 << 20, "/tmp");
  SourcePtr original = mem(make_tar(kMembers, format, filter));

  auto names = list_tar_members(original, budget);
  ASSERT_TRUE(names.ok()) << names.error();
  ASSERT_EQ(names->size(), kMembers.size());
  EXPECT_EQ((*names)[4], kMembers[4].name);

  auto read = read_tar_members(original, {1, 5}, budget, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(bytes_of(*read->at(1)), kMembers[1].content);
  EXPECT_EQ(bytes_of(*read->at(5)), kMembers[5].content);

  TarReplacements replace = {{1, mem("fixed jar, shorter")}};
  SpillSink sink(budget, original->size());
  Status s = rewrite_tar(original, replace, budget, sink);
  ASSERT_TRUE(s.ok()) << s.error();
  auto out = sink.finish();
  ASSERT_TRUE(out.ok());
  Status v = verify_tar_rewrite(original, replace, *out, budget);
  EXPECT_TRUE(v.ok()) << v.error();

  auto after = read_tar_members(*out, {1, 2, 5}, budget, 1 << 20);
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_EQ(bytes_of(*after->at(1)), "fixed jar, shorter");
  EXPECT_EQ(bytes_of(*after->at(2)), kMembers[2].content);
  EXPECT_EQ(bytes_of(*after->at(5)), kMembers[5].content);  // the duplicate name is untouched

  // The proof fails when the output is not what the replacements say.
  TarReplacements other = {{1, mem("something else")}};
  EXPECT_FALSE(verify_tar_rewrite(original, other, *out, budget).ok());
  EXPECT_FALSE(verify_tar_rewrite(original, {}, *out, budget).ok());
}

INSTANTIATE_TEST_SUITE_P(FormatsAndCompressions, TarRewrite,
                         ::testing::Values(std::make_pair(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE),
                                           std::make_pair(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP),
                                           std::make_pair(ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_BZIP2),
                                           std::make_pair(ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, ARCHIVE_FILTER_XZ),
                                           std::make_pair(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_ZSTD)));

TEST(TarRewriteErrors, ChangedMetadataIsCaught) {
  archive::MemoryBudget budget(64 << 20, "/tmp");
  SourcePtr original = mem(make_tar(kMembers, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE));
  std::vector<Member> changed = kMembers;
  changed[2].perm = 0600;
  SourcePtr tampered = mem(make_tar(changed, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE));
  Status v = verify_tar_rewrite(original, {}, tampered, budget);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().find("run.sh: mode changed"), std::string::npos) << v.error();
  // Same members, other compression.
  SourcePtr gz = mem(make_tar(kMembers, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP));
  EXPECT_EQ(verify_tar_rewrite(original, {}, gz, budget).error(), "compression changed");
}

TEST(TarRewriteErrors, TruncatedTarIsAnError) {
  archive::MemoryBudget budget(64 << 20, "/tmp");
  std::string bytes = make_tar(kMembers, ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE);
  bytes.resize(2000);  // inside the jar's data (its header ends at 1024, 3000 bytes follow)
  SpillSink sink(budget, bytes.size());
  Status s = rewrite_tar(mem(bytes), {}, budget, sink);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("log4j-core-2.14.1.jar"), std::string::npos) << "error: " << s.error();
}

}  // namespace
}  // namespace l4s::remediate
