// The backup store and its journal: content-addressed objects that come back
// byte for byte or not at all, and a JSON-lines journal that survives a torn
// last line. (The first three tests moved here from file_ops_test.cc.)
#include "remediate/backup_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "remediate/sha256.h"
#include "remediate/test_files.h"

namespace l4s::remediate {
namespace {

using testing::slurp;
using testing::spit;

namespace fs = std::filesystem;

std::string scratch(const std::string& name) { return testing::fresh_dir("backup-store-" + name); }

archive::SourcePtr source_of(const std::string& s) {
  return archive::memory_source(std::vector<uint8_t>(s.begin(), s.end()));
}

// Pseudo-random bytes: deflate cannot shrink them much, so reads and writes
// take several rounds of the store's 1 MiB buffers.
std::string noise(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 13);
  return s;
}

// get() into a file; returns the status and what was written.
std::pair<Status, std::string> get_to_file(const BackupStore& store, const std::string& sha, const std::string& out) {
  int fd = open(out.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  Status s = store.get(sha, fd);
  close(fd);
  return {s, slurp(out)};
}

size_t regular_files_under(const std::string& dir) {
  size_t n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(BackupStore, PutGetRoundTripAndDedup) {
  const std::string dir = scratch("store") + "/deep/backups";
  auto store = BackupStore::open(dir, true);
  ASSERT_TRUE(store.ok()) << store.error();
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const std::string content = noise(5 << 20);
  auto src = source_of(content);
  auto sha = store->put(*src);
  ASSERT_TRUE(sha.ok()) << sha.error();
  EXPECT_EQ(*sha, sha256_hex(content));
  EXPECT_TRUE(fs::exists(store->object_path(*sha)));
  auto again = store->put(*src);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *sha);
  EXPECT_EQ(regular_files_under(dir + "/objects"), 1u);  // no temp files left, no duplicate

  auto [s, back] = get_to_file(*store, *sha, dir + "/../restored");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(back == content);
}

TEST(BackupStore, ObjectsAreNamedByContentAndCarryNoMagic) {
  const std::string dir = scratch("naming");
  auto store = BackupStore::open(dir, true);
  ASSERT_TRUE(store.ok()) << store.error();
  const std::string sha = sha256_hex("abc");
  EXPECT_EQ(store->object_path(sha), dir + "/objects/ba/" + sha + ".deflate");

  // A vulnerable jar and a gzip tarball: stored under their hashes, compressed,
  // and with nothing a scanner would recognise as an archive.
  const std::string jar = "PK\x03\x04" + std::string(20000, 'j') + "PK\x05\x06" + std::string(18, '\0');
  const std::string tgz = "\x1f\x8b\x08\x00" + noise(30000);
  for (const std::string& content : {jar, tgz}) {
    auto put = store->put(*source_of(content));
    ASSERT_TRUE(put.ok()) << put.error();
    EXPECT_EQ(*put, sha256_hex(content));
    const std::string object = slurp(store->object_path(*put));
    ASSERT_GE(object.size(), 4u);
    EXPECT_NE(object.substr(0, 2), "PK");
    EXPECT_NE(object.substr(0, 2), "\x1f\x8b");
    EXPECT_EQ(object.find("PK\x03\x04"), std::string::npos);
    EXPECT_NE(object, content);
    struct stat st;
    ASSERT_EQ(stat(store->object_path(*put).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  EXPECT_LT(slurp(store->object_path(sha256_hex(jar))).size(), jar.size() / 10);
  EXPECT_EQ(regular_files_under(dir + "/objects"), 2u);

  // The empty file is a valid original too.
  auto empty = store->put(*source_of(""));
  ASSERT_TRUE(empty.ok()) << empty.error();
  EXPECT_EQ(*empty, sha256_hex(""));
  auto [s, back] = get_to_file(*store, *empty, dir + "/empty");
  EXPECT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(back, "");
}

TEST(BackupStore, DamagedObjectIsRefused) {
  const std::string dir = scratch("damaged");
  auto store = BackupStore::open(dir, true);
  ASSERT_TRUE(store.ok());
  std::string content(100000, 'q');
  auto sha = store->put(*source_of(content));
  ASSERT_TRUE(sha.ok());
  const std::string obj = store->object_path(*sha);
  std::string gz = slurp(obj);
  // Swap in another file's backup under this name: it must not hash right.
  std::string other(100000, 'r');
  auto sha2 = store->put(*source_of(other));
  ASSERT_TRUE(sha2.ok());
  fs::copy_file(store->object_path(*sha2), obj, fs::copy_options::overwrite_existing);
  Status s = get_to_file(*store, *sha, dir + "/out").first;
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("does not hash to its name"), std::string::npos) << s.error();
  spit(obj, gz.substr(0, gz.size() / 2));
  s = get_to_file(*store, *sha, dir + "/out").first;
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("truncated"), std::string::npos) << s.error();
}

TEST(BackupStore, GarbageMissingAndMisnamedObjects) {
  const std::string dir = scratch("garbage");
  auto store = BackupStore::open(dir, true);
  ASSERT_TRUE(store.ok());
  const std::string content = noise(50000);
  auto sha = store->put(*source_of(content));
  ASSERT_TRUE(sha.ok());
  // One flipped bit in the middle of the deflate stream.
  std::string object = slurp(store->object_path(*sha));
  object[object.size() / 2] = static_cast<char>(object[object.size() / 2] ^ 0x10);
  spit(store->object_path(*sha), object);
  Status s = get_to_file(*store, *sha, dir + "/out").first;
  EXPECT_FALSE(s.ok());
  // Not a stream at all.
  spit(store->object_path(*sha), std::string(4096, '\xff'));
  s = get_to_file(*store, *sha, dir + "/out").first;
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("is damaged"), std::string::npos) << s.error();

  const std::string absent = sha256_hex("never stored");
  s = get_to_file(*store, absent, dir + "/out").first;
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find(store->object_path(absent)), std::string::npos) << s.error();

  // A journal naming a path instead of a hash never reaches the file system.
  s = get_to_file(*store, "../../etc/passwd", dir + "/out").first;
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), "bad sha256 in journal");
}

TEST(BackupStore, OpenWithoutCreateNeedsTheStore) {
  const std::string dir = scratch("open");
  EXPECT_FALSE(BackupStore::open(dir + "/missing", false).ok());
  EXPECT_FALSE(fs::exists(dir + "/missing"));
  EXPECT_FALSE(BackupStore::open("", true).ok());
  spit(dir + "/file", "x");
  auto blocked = BackupStore::open(dir + "/file/backups", true);
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.error().find("not a directory"), std::string::npos) << blocked.error();
  ASSERT_TRUE(BackupStore::open(dir + "/made", true).ok());
  auto reopened = BackupStore::open(dir + "/made", false);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->journal_path(), dir + "/made/journal.jsonl");
  EXPECT_TRUE(fs::is_directory(dir + "/made/objects"));
}

JournalRecord sample_record() {
  JournalRecord r;
  r.action = "fix";
  r.time = "2021-12-10T12:00:00Z";
  r.path = "/srv/app/lib/log4j-core-2.14.1.jar";
  r.original_sha256 = std::string(64, 'a');
  r.fixed_sha256 = std::string(64, 'b');
  r.original_size = 1762731;
  r.fixed_size = 1760000;
  r.mode = 0640;
  r.uid = 1000;
  r.gid = 50;
  r.removed = {r.path + "!/org/apache/logging/log4j/core/lookup/JndiLookup.class"};
  r.tool_version = "0.1.0";
  return r;
}

TEST(Journal, LineIsOneJsonObjectWithEveryField) {
  const JournalRecord r = sample_record();
  const std::string line = journal_line(r);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["action"], "fix");
  EXPECT_EQ(j["path"], r.path);
  EXPECT_EQ(j["original_size"], 1762731);
  EXPECT_EQ(j["mode"], 0640);
  EXPECT_EQ(j["removed"].size(), 1u);
  EXPECT_EQ(line.rfind("{\"action\":\"fix\",\"time\":", 0), 0u) << line;  // fields in a fixed order

  // A path that is not UTF-8 still gives one parseable line.
  JournalRecord odd = r;
  odd.path = "/srv/caf\xe9.jar";
  const std::string odd_line = journal_line(odd);
  EXPECT_FALSE(nlohmann::json::parse(odd_line, nullptr, false).is_discarded());
}

TEST(Journal, StoreAppendReadsBackEveryField) {
  const std::string dir = scratch("fields");
  auto store = BackupStore::open(dir, true);
  ASSERT_TRUE(store.ok());
  JournalRecord a = sample_record();
  JournalRecord b = sample_record();
  b.action = "restore";
  b.path = "/srv/other.war";
  b.removed.clear();
  ASSERT_TRUE(store->append(a).ok());
  ASSERT_TRUE(store->append(b).ok());
  struct stat st;
  ASSERT_EQ(stat(store->journal_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::vector<std::string> warnings;
  auto records = read_journal(store->journal_path(), &warnings);
  ASSERT_TRUE(records.ok()) << records.error();
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(records->size(), 2u);
  const JournalRecord& r = (*records)[0];
  EXPECT_EQ(r.action, a.action);
  EXPECT_EQ(r.time, a.time);
  EXPECT_EQ(r.path, a.path);
  EXPECT_EQ(r.original_sha256, a.original_sha256);
  EXPECT_EQ(r.fixed_sha256, a.fixed_sha256);
  EXPECT_EQ(r.original_size, a.original_size);
  EXPECT_EQ(r.fixed_size, a.fixed_size);
  EXPECT_EQ(r.mode, a.mode);
  EXPECT_EQ(r.uid, a.uid);
  EXPECT_EQ(r.gid, a.gid);
  EXPECT_EQ(r.removed, a.removed);
  EXPECT_EQ(r.tool_version, a.tool_version);
  EXPECT_EQ((*records)[1].action, "restore");
  EXPECT_EQ((*records)[1].path, "/srv/other.war");
  EXPECT_EQ(slurp(store->journal_path()), journal_line(a) + journal_line(b));
}

TEST(Journal, AppendReadAndTornLines) {
  const std::string dir = scratch("journal");
  const std::string j = dir + "/journal.jsonl";
  JournalRecord r;
  r.action = "fix";
  r.path = "/x/a.jar";
  r.original_sha256 = std::string(64, 'a');
  r.fixed_sha256 = std::string(64, 'b');
  r.removed = {"/x/a.jar!/org/apache/logging/log4j/core/lookup/JndiLookup.class"};
  r.mode = 0644;
  ASSERT_TRUE(append_journal(j, r).ok());
  // A writer killed mid-line leaves a torn record without a newline.
  { std::ofstream(j, std::ios::app) << "{\"action\":\"fix\",\"pa"; }
  r.path = "/x/b.jar";
  ASSERT_TRUE(append_journal(j, r).ok());
  std::vector<std::string> warnings;
  auto records = read_journal(j, &warnings);
  ASSERT_TRUE(records.ok()) << records.error();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].path, "/x/a.jar");
  EXPECT_EQ((*records)[0].removed, r.removed);
  EXPECT_EQ((*records)[0].mode, 0644u);
  EXPECT_EQ((*records)[1].path, "/x/b.jar");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], j + ":2: unreadable journal line skipped");
}

TEST(Journal, UnusableLinesAreSkippedWithTheirNumbers) {
  const std::string dir = scratch("unusable");
  const std::string j = dir + "/journal.jsonl";
  spit(j, std::string("[1,2,3]\n") +                       // not an object
              "{\"action\":\"fix\"}\n" +                   // no path
              "\n" +                                       // blank: ignored silently
              "{\"action\":\"fix\",\"path\":\"/ok\",\"mode\":-1,\"removed\":[1,\"/ok!/x\"]}\n");
  std::vector<std::string> warnings;
  auto records = read_journal(j, &warnings);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].path, "/ok");
  EXPECT_EQ((*records)[0].mode, 0u);  // a negative mode is not taken
  EXPECT_EQ((*records)[0].removed, std::vector<std::string>{"/ok!/x"});
  EXPECT_EQ(warnings, (std::vector<std::string>{j + ":1: unreadable journal line skipped",
                                                j + ":2: unreadable journal line skipped"}));
  EXPECT_TRUE(read_journal(j, nullptr).ok());  // warnings are optional

  auto missing = read_journal(dir + "/absent.jsonl", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("absent.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace l4s::remediate
