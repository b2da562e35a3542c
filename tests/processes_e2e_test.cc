// `scan --processes` against real JVMs (JDK 17) running Log4j from the fixtures.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

// Canonical: the JVM's open files are reported by their real paths.
const std::string kFixtures = std::filesystem::weakly_canonical(L4S_FIXTURES_DIR).string();
const std::string kCore2141 = kFixtures + "/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string kCore2171 = kFixtures + "/jars/mergebase-log4j-samples/false-hits/log4j-core-2.17.1.jar";
const std::string kApi2141 = kFixtures + "/jars/mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar";

std::string q(const std::string& s) { return "'" + s + "'"; }

class ProcessesE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "java/javac not installed";
    if (!stdfs::exists(kCore2141) || !stdfs::exists(kCore2171) || !stdfs::exists(kApi2141))
      GTEST_SKIP() << "fixtures not found under " << kFixtures;
    tmp_ = stdfs::path(L4S_TEST_TMP) / "processes-e2e";
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_ / "classes");
    std::string src = std::string(L4S_SOURCE_DIR) + "/tests/java/HoldLog4j.java";
    ASSERT_EQ(std::system(("javac -d " + q((tmp_ / "classes").string()) + " -cp " + q(kApi2141) + " " + q(src)).c_str()), 0);
  }
  void TearDown() override {
    for (pid_t p : pids_) kill(p, SIGKILL);
    for (pid_t p : pids_) waitpid(p, nullptr, 0);
  }

  // Starts `java [flag] -cp classes:api:core HoldLog4j ready-file [noload]` and waits until it is ready.
  pid_t start(const std::string& core, const std::string& flag, const std::string& name, bool load = true) {
    std::string ready = (tmp_ / (name + ".ready")).string();
    std::string cp = (tmp_ / "classes").string() + ":" + kApi2141 + ":" + core;
    pid_t pid = fork();
    if (pid == 0) {
      std::vector<std::string> args = {"java"};
      if (!flag.empty()) args.push_back(flag);
      for (std::string a : {std::string("-cp"), cp, std::string("HoldLog4j"), ready}) args.push_back(a);
      if (!load) args.push_back("noload");
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execvp("java", argv.data());
      _exit(127);
    }
    pids_.push_back(pid);
    for (int i = 0; i < 600 && !stdfs::exists(ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(stdfs::exists(ready)) << name << " did not start";
    return pid;
  }

  json scan_processes() {
    std::string cmd = std::string(L4S_BINARY) + " scan --quiet --processes --format json 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return json::parse(out);
  }

  static std::vector<json> of_pid(const json& r, pid_t pid) {
    std::vector<json> out;
    for (const auto& f : r["findings"])
      if (f.contains("process") && f["process"]["pid"] == pid && f["component"] == "log4j-core") out.push_back(f);
    return out;
  }

  stdfs::path tmp_;
  std::vector<pid_t> pids_;
};

TEST_F(ProcessesE2E, ReportsEachJvmsLoadedLog4jFlagsAndReplacedJars) {
  pid_t vulnerable = start(kCore2141, "", "vulnerable");
  // No log4j-api 2.17.x among the fixtures: 2.17.1 sits on the class path unloaded.
  pid_t fixed = start(kCore2171, "", "fixed", false);
  pid_t flagged = start(kCore2141, "-Dlog4j2.formatMsgNoLookups=true", "flagged");
  // A jar replaced on disk (new inode) while the JVM runs the old one.
  stdfs::create_directories(tmp_ / "replaced");
  stdfs::path jar = tmp_ / "replaced/log4j-core.jar";
  stdfs::copy_file(kCore2141, jar);
  pid_t replaced = start(jar.string(), "", "replaced");
  stdfs::copy_file(kCore2171, tmp_ / "replaced/new.jar");
  stdfs::rename(tmp_ / "replaced/new.jar", jar);

  json r = scan_processes();

  auto v = of_pid(r, vulnerable);
  ASSERT_EQ(v.size(), 1u) << r.dump(1);
  EXPECT_EQ(v[0]["version"], "2.14.1");
  EXPECT_EQ(v[0]["status"], "vulnerable");
  EXPECT_EQ(v[0]["location"], kCore2141);
  EXPECT_FALSE(v[0]["process"]["no_lookups_flag"].get<bool>());

  auto f = of_pid(r, fixed);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["version"], "2.17.1");
  EXPECT_EQ(f[0]["status"], "safe");

  auto g = of_pid(r, flagged);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_TRUE(g[0]["process"]["no_lookups_flag"].get<bool>());
  EXPECT_EQ(g[0]["status"], "vulnerable");  // the flag does not stop CVE-2021-45046
  EXPECT_NE(g[0]["evidence"].dump().find("CVE-2021-45046"), std::string::npos);

  auto x = of_pid(r, replaced);
  ASSERT_EQ(x.size(), 1u) << r.dump(1);
  EXPECT_EQ(x[0]["location"], jar.string());
  EXPECT_EQ(x[0]["version"], "2.14.1");  // the code the JVM runs, not the file now on disk
  EXPECT_TRUE(x[0]["process"]["deleted_on_disk"].get<bool>());
}

}  // namespace
