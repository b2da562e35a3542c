// Crash safety of `fix` and `restore`: fix is killed with SIGKILL at every
// step where it touches the disk (the L4S_TEST_CRASH_AT hook), and at random
// instants, while it rewrites a set of jars. After each kill every file is
// either its original or exactly the fixed file an uninterrupted run writes,
// and restore (or finishing the fix, then restore) brings every original back.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "archive/testing/zip_builder.h"
#include "archive/zip_reader.h"
#include "remediate/sha256.h"

namespace {

namespace stdfs = std::filesystem;
namespace tz = l4s::testzip;

const std::string kJars = std::string(L4S_FIXTURES_DIR) + "/jars/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the binary with args; crash_at > 0 sets the crash hook; kill_after > 0
// sends SIGKILL after that many seconds. Returns the wait status.
int run(const std::vector<std::string>& args, long crash_at, double kill_after = 0) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    if (crash_at > 0) setenv("L4S_TEST_CRASH_AT", std::to_string(crash_at).c_str(), 1);
    std::vector<std::string> a = {L4S_BINARY};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(L4S_BINARY, argv.data());
    _exit(127);
  }
  if (kill_after > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(kill_after));
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

class FixCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::string> rels = {
        "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar",
        "logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j2/loggingBuddies.war",
        "logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j2/outerlog4j.jar",
        "mergebase-log4j-samples/true-hits/shaded/clt-1.0-SNAPSHOT.jar",
        "mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar"};
    for (const auto& r : rels) {
      if (!stdfs::exists(kJars + r)) GTEST_SKIP() << "fixture not found: " << kJars + r;
      originals_[stdfs::path(r).filename().string()] = slurp(kJars + r);
    }
    // A Spring-Boot-style jar: launcher script, STORED nested log4j-core.
    tz::Spec boot;
    boot.prefix = "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n";
    boot.entries = {{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"},
                    {"BOOT-INF/lib/log4j-core-2.14.1.jar", originals_["log4j-core-2.14.1.jar"], 0},
                    {"BOOT-INF/classes/app.properties", "x=1\n"}};
    originals_["boot.jar"] = tz::build(boot);
    tmp_ = stdfs::weakly_canonical(stdfs::path(L4S_TEST_TMP) / ("fix-crash-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()))).string();
    stdfs::remove_all(tmp_);

    // Reference: an uninterrupted run, whose output is deterministic.
    reset();
    ASSERT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0);
    for (const auto& [name, bytes] : originals_) {
      original_sha_[name] = l4s::sha256_hex(bytes);
      fixed_sha_[name] = *l4s::remediate::sha256_of_file(files_ + "/" + name);
    }
    ASSERT_EQ(fixed_sha_["log4j-api-2.14.1.jar"], original_sha_["log4j-api-2.14.1.jar"]);
    size_t changed = 0;
    for (const auto& [name, sha] : fixed_sha_) changed += sha != original_sha_[name];
    ASSERT_EQ(changed, originals_.size() - 1);
  }

  void reset() {
    stdfs::remove_all(tmp_);
    stdfs::create_directories(files_ = tmp_ + "/files");
    backups_ = tmp_ + "/backups";
    for (const auto& [name, bytes] : originals_) std::ofstream(files_ + "/" + name, std::ios::binary) << bytes;
  }

  std::vector<std::string> fix_args() { return {"fix", "--quiet", "--threads", "1", "--backup-dir", backups_, files_}; }
  std::vector<std::string> restore_args() { return {"restore", "--quiet", "--backup-dir", backups_}; }

  // Every file is its original or the reference fixed file; returns how many are fixed.
  int check_each_file_whole(const std::string& when) {
    int fixed = 0;
    for (const auto& [name, orig] : original_sha_) {
      const std::string sha = *l4s::remediate::sha256_of_file(files_ + "/" + name);
      EXPECT_TRUE(sha == orig || sha == fixed_sha_[name]) << when << ": " << name << " is neither original nor fixed";
      fixed += sha != orig;
    }
    return fixed;
  }

  void check_all_original(const std::string& when) {
    for (const auto& [name, orig] : original_sha_)
      EXPECT_EQ(*l4s::remediate::sha256_of_file(files_ + "/" + name), orig) << when << ": " << name;
  }

  size_t temp_files() {
    size_t n = 0;
    for (const auto& e : stdfs::recursive_directory_iterator(tmp_))
      n += e.path().filename().string().find(".l4s-tmp-") != std::string::npos;
    return n;
  }

  std::map<std::string, std::string> originals_, original_sha_, fixed_sha_;
  std::string tmp_, files_, backups_;
};

TEST_F(FixCrash, KilledAtEveryDiskStepLeavesOriginalOrFixedFiles) {
  long points = 0;
  int states_with_some_fixed = 0;
  for (long n = 1; n < 500; ++n) {
    reset();
    int status = run(fix_args(), n);
    if (!killed(status)) {
      EXPECT_EQ(WEXITSTATUS(status), 0);
      break;
    }
    ++points;
    const std::string when = "killed at step " + std::to_string(n);
    states_with_some_fixed += check_each_file_whole(when) > 0;
    if (n % 2) {
      // Restore straight from the state the crash left. (A temp file beside a
      // file not yet journaled stays until the next fix of that file.)
      EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0) << when;
    } else {
      // Finish the fix (stale temp files cleaned up), then restore.
      EXPECT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0) << when;
      for (const auto& [name, sha] : fixed_sha_)
        EXPECT_EQ(*l4s::remediate::sha256_of_file(files_ + "/" + name), sha) << when << ", re-run: " << name;
      EXPECT_EQ(temp_files(), 0u) << when;
      EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0) << when;
    }
    check_all_original(when + ", then restored");
  }
  EXPECT_GE(points, 5 * 5L) << "too few crash points: the hook is not wired";
  EXPECT_GT(states_with_some_fixed, 0);
  std::printf("fix killed at %ld distinct disk steps; every file whole each time, restore exact\n", points);
}

TEST_F(FixCrash, KilledAtRandomInstantsLeavesOriginalOrFixedFiles) {
  reset();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0);
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(20211209);
  std::uniform_real_distribution<double> when(0.0, full * 1.2);
  int kills = 0;
  for (int i = 0; i < 30; ++i) {
    reset();
    const double t = when(rng);
    int status = run(fix_args(), 0, t);
    kills += killed(status);
    check_each_file_whole("killed after " + std::to_string(t) + " s");
    if (!stdfs::exists(backups_)) {
      // Killed before the store existed: nothing may have changed, and restore
      // refuses a store that is not there (a usage error, not "0 restored").
      check_all_original("killed before the backup store was made");
      EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 64);
      continue;
    }
    EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0);
    check_all_original("restored after a kill at " + std::to_string(t) + " s");
  }
  std::printf("fix (%.0f ms uninterrupted) killed at %d random instants\n", full * 1000, kills);
}

// restore itself killed at its disk steps: files stay whole, a re-run completes it.
TEST_F(FixCrash, RestoreKilledAtEveryStepCanBeRerun) {
  int points = 0;
  for (long n = 1; n < 200; ++n) {
    reset();
    ASSERT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0);
    int status = run(restore_args(), n);
    if (!killed(status)) break;
    ++points;
    check_each_file_whole("restore killed at step " + std::to_string(n));
    EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0);
    check_all_original("restore re-run after a kill at step " + std::to_string(n));
  }
  EXPECT_GE(points, 5);
}

// An exploded class folder: fix and restore killed at each of their disk
// steps. JndiLookup.class is always either there with its original bytes or
// gone with its backup journaled, and restore brings it back with its mtime.
class FolderCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string jar = kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
    if (!stdfs::exists(jar)) GTEST_SKIP() << "fixture not found: " << jar;
    const std::string bytes = slurp(jar);
    auto zr = l4s::archive::ZipReader::open(l4s::archive::memory_source(std::vector<uint8_t>(bytes.begin(), bytes.end())));
    ASSERT_TRUE(zr.ok()) << zr.error();
    for (const auto& e : zr->entries()) {
      if (e.is_directory()) continue;
      auto content = zr->read(e, 64 << 20);
      ASSERT_TRUE(content.ok()) << e.name;
      classes_[e.name] = *content;
    }
    original_ = classes_.at(kLookup);
    // One folder per test: ctest runs them in parallel.
    tmp_ = stdfs::weakly_canonical(stdfs::path(L4S_TEST_TMP) /
                                   ("fix-crash-folder-" +
                                    std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())))
               .string();
    root_ = tmp_ + "/webapp/WEB-INF/classes";
    backups_ = tmp_ + "/backups";
  }

  void reset() {
    stdfs::remove_all(tmp_);
    for (const auto& [name, content] : classes_) {
      const stdfs::path p = stdfs::path(root_) / name;
      stdfs::create_directories(p.parent_path());
      std::ofstream(p, std::ios::binary) << content;
    }
    const struct timespec t[2] = {{0, UTIME_OMIT}, {1639139696, 777}};
    ASSERT_EQ(utimensat(AT_FDCWD, lookup().c_str(), t, 0), 0);
  }
  std::string lookup() const { return root_ + "/" + kLookup; }
  std::vector<std::string> fix_args() { return {"fix", "--quiet", "--threads", "1", "--backup-dir", backups_, root_}; }
  std::vector<std::string> restore_args() { return {"restore", "--quiet", "--backup-dir", backups_}; }

  // There with its original bytes (true), or gone (false); never anything else.
  bool whole(const std::string& when) {
    if (!stdfs::exists(lookup())) return false;
    EXPECT_EQ(slurp(lookup()), original_) << when << ": JndiLookup.class damaged";
    return true;
  }
  void check_restored(const std::string& when) {
    EXPECT_TRUE(whole(when)) << when << ": not restored";
    struct stat st;
    ASSERT_EQ(stat(lookup().c_str(), &st), 0) << when;
    EXPECT_EQ(st.st_mtim.tv_sec, 1639139696) << when;
    EXPECT_EQ(st.st_mtim.tv_nsec, 777) << when;
    size_t temps = 0;
    for (const auto& e : stdfs::recursive_directory_iterator(root_))
      temps += e.path().filename().string().find(".l4s-tmp-") != std::string::npos;
    EXPECT_EQ(temps, 0u) << when;
  }

  static constexpr const char* kLookup = "org/apache/logging/log4j/core/lookup/JndiLookup.class";
  std::map<std::string, std::string> classes_;
  std::string original_, tmp_, root_, backups_;
};

TEST_F(FolderCrash, FixKilledAtEveryStepNeverLosesTheClass) {
  int points = 0, removed = 0;
  for (long n = 1; n < 50; ++n) {
    reset();
    const int status = run(fix_args(), n);
    if (!killed(status)) {
      EXPECT_EQ(WEXITSTATUS(status), 0);
      break;
    }
    ++points;
    const std::string when = "fix killed at step " + std::to_string(n);
    removed += !whole(when);
    if (n % 2 == 0) {
      // Finish the fix first: the class goes (once).
      EXPECT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0) << when;
      EXPECT_FALSE(stdfs::exists(lookup())) << when;
    }
    if (stdfs::exists(backups_)) {
      EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0) << when;
    }
    check_restored(when + ", then restored");
  }
  EXPECT_GE(points, 3) << "backup, journal and removal are each a step";
  EXPECT_GT(removed, 0);
  std::printf("folder fix killed at %d disk steps; the class was whole or journaled each time\n", points);
}

TEST_F(FolderCrash, RestoreKilledAtEveryStepCanBeRerun) {
  int points = 0;
  for (long n = 1; n < 50; ++n) {
    reset();
    ASSERT_EQ(WEXITSTATUS(run(fix_args(), 0)), 0);
    ASSERT_FALSE(stdfs::exists(lookup()));
    if (!killed(run(restore_args(), n))) break;
    ++points;
    const std::string when = "restore killed at step " + std::to_string(n);
    whole(when);
    EXPECT_EQ(WEXITSTATUS(run(restore_args(), 0)), 0) << when;
    check_restored(when + ", then re-run");
  }
  EXPECT_GE(points, 1);
}

}  // namespace
