// `restore` on fixes the test stages itself (the original put in a backup
// store, the "fixed" bytes on disk, a journal record tying them together), so
// every outcome is checked without the fixer or fixture jars.
#include "remediate/restore.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "remediate/backup_store.h"
#include "remediate/sha256.h"
#include "remediate/test_files.h"

namespace l4s::remediate {
namespace {

using testing::slurp;
using testing::spit;

namespace fs = std::filesystem;

std::string sha_of(const std::string& s) { return sha256_hex(s); }

mode_t mode_of(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

class Restore : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path d = fs::path(L4S_TEST_TMP) / ("restore-" + std::string(info->name()));
    fs::remove_all(d);
    fs::create_directories(d / "app" / "lib");
    dir_ = fs::canonical(d).string();  // the journal holds resolved paths
    backups_ = dir_ + "/backups";
    auto store = BackupStore::open(backups_, true);
    ASSERT_TRUE(store.ok()) << store.error();
  }

  // What `fix` leaves behind: the original in the store, `fixed` on disk at
  // mode 0640, and a journal record.
  std::string stage_fix(const std::string& name, const std::string& original, const std::string& fixed) {
    const std::string path = dir_ + "/app/lib/" + name;
    auto store = BackupStore::open(backups_, false);
    EXPECT_TRUE(store.ok());
    auto sha = store->put(*archive::memory_source(std::vector<uint8_t>(original.begin(), original.end())));
    EXPECT_TRUE(sha.ok()) << sha.error();
    spit(path, fixed);
    chmod(path.c_str(), 0640);
    JournalRecord r;
    r.action = "fix";
    r.time = "2021-12-10T12:00:00Z";
    r.path = path;
    r.original_sha256 = *sha;
    r.fixed_sha256 = sha_of(fixed);
    r.original_size = original.size();
    r.fixed_size = fixed.size();
    r.mode = 0640;
    r.uid = getuid();
    r.gid = getgid();
    r.tool_version = "test";
    EXPECT_TRUE(store->append(r).ok());
    return path;
  }

  std::vector<RestoreItem> run(RestoreOptions o = {}) {
    if (o.backup_dir.empty() && o.journal.empty()) o.backup_dir = backups_;
    warnings_.clear();
    auto items = restore(o, &warnings_);
    EXPECT_TRUE(items.ok()) << items.error();
    return items.ok() ? *items : std::vector<RestoreItem>{};
  }

  std::vector<JournalRecord> journal() {
    auto r = read_journal(backups_ + "/journal.jsonl", nullptr);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<JournalRecord>{};
  }

  // Files in app/lib, temp files included.
  std::vector<std::string> lib_files() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_ + "/app/lib")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  const std::string original_ = "PK original log4j-core with JndiLookup.class " + std::string(70000, 'o');
  const std::string fixed_ = "PK fixed copy without it " + std::string(60000, 'f');
  std::string dir_, backups_;
  std::vector<std::string> warnings_;
};

TEST_F(Restore, PutsTheOriginalBackByteForByte) {
  const std::string path = stage_fix("log4j-core-2.14.1.jar", original_, fixed_);
  auto items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].path, path);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(items[0].sha256, sha_of(original_));
  EXPECT_TRUE(slurp(path) == original_);
  EXPECT_EQ(mode_of(path), 0640u);
  EXPECT_EQ(lib_files(), std::vector<std::string>{"log4j-core-2.14.1.jar"});  // no temp file left

  // The journal records the restore: what was put back and what it replaced.
  auto records = journal();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].action, "restore");
  EXPECT_EQ(records[1].path, path);
  EXPECT_EQ(records[1].original_sha256, sha_of(original_));
  EXPECT_EQ(records[1].fixed_sha256, sha_of(fixed_));
  EXPECT_EQ(records[1].tool_version, "");

  // Again: nothing to do, nothing journaled.
  items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kAlreadyOriginal);
  EXPECT_EQ(journal().size(), 2u);
}

TEST_F(Restore, RefusesAChangedFileUnlessForced) {
  const std::string path = stage_fix("app.jar", original_, fixed_);
  const std::string edited = "redeployed since the fix";
  spit(path, edited);
  auto items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRefused);
  EXPECT_NE(items[0].reason.find("changed since it was fixed (sha256 " + sha_of(edited)), std::string::npos)
      << items[0].reason;
  EXPECT_NE(items[0].reason.find("--force"), std::string::npos);
  EXPECT_EQ(slurp(path), edited);
  EXPECT_EQ(journal().size(), 1u);

  RestoreOptions force;
  force.force = true;
  force.tool_version = "9.9";
  items = run(force);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_TRUE(slurp(path) == original_);
  auto records = journal();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fixed_sha256, sha_of(edited));  // what the forced restore overwrote
  EXPECT_EQ(records[1].tool_version, "9.9");
}

TEST_F(Restore, MissingFileIsRecreatedOnlyWhenForced) {
  const std::string path = stage_fix("gone.jar", original_, fixed_);
  fs::remove(path);
  auto items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRefused);
  EXPECT_EQ(items[0].reason, "missing; --force recreates the original");
  EXPECT_FALSE(fs::exists(path));

  RestoreOptions force;
  force.force = true;
  items = run(force);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_TRUE(slurp(path) == original_);
  EXPECT_EQ(mode_of(path), 0640u);  // from the journal
}

TEST_F(Restore, DryRunChangesNothing) {
  const std::string path = stage_fix("log4j-core.jar", original_, fixed_);
  const std::string other = stage_fix("edited.jar", original_ + "2", fixed_ + "2");
  spit(other, "edited");
  // A temp file a killed fix left: a real restore removes it, a dry run must not.
  const std::string stale = dir_ + "/app/lib/.log4j-core.jar.l4s-tmp-abc123";
  spit(stale, "half written");
  struct stat before;
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  const std::string journal_before = slurp(backups_ + "/journal.jsonl");
  const auto files_before = lib_files();

  RestoreOptions dry;
  dry.dry_run = true;
  auto items = run(dry);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].path, path);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kWouldRestore);
  EXPECT_EQ(items[0].sha256, sha_of(original_));
  EXPECT_EQ(items[1].outcome, RestoreOutcome::kRefused);  // a dry run still tells what would be refused

  dry.force = true;
  items = run(dry);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].outcome, RestoreOutcome::kWouldRestore);

  struct stat after;
  ASSERT_EQ(stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_TRUE(slurp(path) == fixed_);
  EXPECT_EQ(slurp(other), "edited");
  EXPECT_EQ(slurp(backups_ + "/journal.jsonl"), journal_before);
  EXPECT_EQ(lib_files(), files_before);

  items = run();  // for real this time
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored);
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(Restore, ChainOfFixesGoesBackToTheFirstOriginal) {
  // Fixed twice: original -> fixed_ -> fixed2.
  const std::string path = stage_fix("fat.jar", original_, fixed_);
  const std::string fixed2 = fixed_ + " and log4j 1 classes removed too";
  stage_fix("fat.jar", fixed_, fixed2);
  ASSERT_EQ(slurp(path), fixed2);
  auto items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_EQ(items[0].sha256, sha_of(original_));
  EXPECT_TRUE(slurp(path) == original_);
  // Run again: the file is the first original now.
  EXPECT_EQ(run()[0].outcome, RestoreOutcome::kAlreadyOriginal);
}

TEST_F(Restore, PathsSelectFilesAndFolders) {
  const std::string a = stage_fix("a.jar", original_ + "a", fixed_ + "a");
  const std::string a2 = stage_fix("a.jar2", original_ + "b", fixed_ + "b");
  RestoreOptions only_a;
  only_a.paths = {a};
  auto items = run(only_a);
  ASSERT_EQ(items.size(), 1u);  // a.jar2 merely shares a prefix
  EXPECT_EQ(items[0].path, a);
  EXPECT_EQ(slurp(a2), fixed_ + "b");

  RestoreOptions folder;
  folder.paths = {dir_ + "/app/lib/"};  // trailing slash and all
  folder.dry_run = true;
  items = run(folder);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kAlreadyOriginal);
  EXPECT_EQ(items[1].outcome, RestoreOutcome::kWouldRestore);

  RestoreOptions elsewhere;
  elsewhere.paths = {dir_ + "/nothing-here"};
  items = run(elsewhere);
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(warnings_, std::vector<std::string>{dir_ + "/nothing-here: nothing in the journal"});
}

TEST_F(Restore, JournalGivenDirectlyUsesItsFolderAsTheStore) {
  const std::string path = stage_fix("x.jar", original_, fixed_);
  RestoreOptions o;
  o.journal = backups_ + "/journal.jsonl";
  auto items = run(o);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kRestored) << items[0].reason;
  EXPECT_TRUE(slurp(path) == original_);
}

TEST_F(Restore, DamagedBackupFailsAndLeavesTheFileAlone) {
  const std::string path = stage_fix("x.jar", original_, fixed_);
  auto store = BackupStore::open(backups_, false);
  ASSERT_TRUE(store.ok());
  spit(store->object_path(sha_of(original_)), "not deflate at all, just bytes");
  auto items = run();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].outcome, RestoreOutcome::kFailed);
  EXPECT_NE(items[0].reason.find("backup"), std::string::npos) << items[0].reason;
  EXPECT_TRUE(slurp(path) == fixed_);
  EXPECT_EQ(lib_files(), std::vector<std::string>{"x.jar"});
  EXPECT_EQ(journal().size(), 1u);
}

TEST_F(Restore, EmptyOrMissingStore) {
  auto items = run();  // a store whose first fix never reached the journal
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(warnings_, std::vector<std::string>{backups_ + "/journal.jsonl: no journal yet, nothing to restore"});

  RestoreOptions missing;
  missing.backup_dir = dir_ + "/no-such-store";
  EXPECT_FALSE(restore(missing, nullptr).ok());
}

TEST(RestoreOutcome, Names) {
  EXPECT_STREQ(to_string(RestoreOutcome::kRestored), "restored");
  EXPECT_STREQ(to_string(RestoreOutcome::kWouldRestore), "would restore");
  EXPECT_STREQ(to_string(RestoreOutcome::kAlreadyOriginal), "already original");
  EXPECT_STREQ(to_string(RestoreOutcome::kRefused), "refused");
  EXPECT_STREQ(to_string(RestoreOutcome::kFailed), "failed");
}

}  // namespace
}  // namespace l4s::remediate
