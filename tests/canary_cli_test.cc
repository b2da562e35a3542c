// `log4shield canary` as a process: flags, port 0, jsonl on stdout, the
// SQLite store surviving a restart, --list, clean exit on SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/socket_test_util.h"
#include "net/test_util.h"

namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using l4s::net::testing::Client;
using l4s::net::testing::unhex;
using nlohmann::json;

const std::string kBin = L4S_BINARY;

std::string ldap_exchange(const std::string& dn) {
  std::string body;
  body.push_back(0x04);
  body.push_back(static_cast<char>(dn.size()));
  body += dn + unhex("0a01000a0103020100020100010100870b6f626a656374436c6173733000");
  std::string op = unhex("020102") + "\x63" + std::string(1, static_cast<char>(body.size())) + body;
  return unhex("300c020101600702010304008000") + "\x30" + std::string(1, static_cast<char>(op.size())) + op +
         unhex("30050201034200");
}

// A running `log4shield canary ...` with its stdout and stderr as pipes.
class CanaryProcess {
 public:
  explicit CanaryProcess(std::vector<std::string> args) {
    int out[2], err[2];
    EXPECT_EQ(pipe(out), 0);
    EXPECT_EQ(pipe(err), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      close(out[0]);
      close(err[0]);
      std::vector<char*> argv{const_cast<char*>(kBin.c_str()), const_cast<char*>("canary")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(kBin.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~CanaryProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
    close(err_);
  }

  // Reads stderr until the "recording to" line; returns protocol/transport -> port.
  std::map<std::string, int> ports() {
    std::map<std::string, int> found;
    std::regex re("(\\w+) listening on 127\\.0\\.0\\.1:(\\d+) \\((\\w+)\\)");
    while (stderr_text_.find("recording to") == std::string::npos) {
      std::string more = read_fd(err_, 5s);
      if (more.empty()) break;
      stderr_text_ += more;
    }
    for (auto it = std::sregex_iterator(stderr_text_.begin(), stderr_text_.end(), re); it != std::sregex_iterator(); ++it)
      found[(*it)[1].str() + "/" + (*it)[3].str()] = std::stoi((*it)[2]);
    return found;
  }
  // The next stdout line.
  std::string line() {
    while (stdout_text_.find('\n') == std::string::npos) {
      std::string more = read_fd(out_, 5s);
      if (more.empty()) return "";
      stdout_text_ += more;
    }
    size_t nl = stdout_text_.find('\n');
    std::string l = stdout_text_.substr(0, nl);
    stdout_text_.erase(0, nl + 1);
    return l;
  }
  // SIGTERM, then the exit code (-1 if it did not exit within 5 s).
  int terminate() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
  const std::string& stderr_text() const { return stderr_text_; }

 private:
  static std::string read_fd(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string stdout_text_, stderr_text_;
};

// Runs the binary to completion; returns {exit code, stdout}.
std::pair<int, std::string> run(const std::string& args) {
  FILE* p = popen((kBin + " " + args + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CanaryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / "canary-cli";
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    db_ = (dir_ / "canary.db").string();
  }
  stdfs::path dir_;
  std::string db_;
};

TEST_F(CanaryCli, RecordsPrintsPersistsAndLists) {
  {
    CanaryProcess canary({"--ldap", "127.0.0.1:0", "--rmi", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--db", db_,
                          "--format", "jsonl"});
    auto ports = canary.ports();
    ASSERT_EQ(ports.size(), 4u) << canary.stderr_text();
    EXPECT_EQ(ports["dns/udp"], ports["dns/tcp"]);
    EXPECT_NE(ports["ldap/tcp"], 0);
    Client c(static_cast<uint16_t>(ports["ldap/tcp"]));
    ASSERT_TRUE(c.send(ldap_exchange("abcdefghijkl0001/Debian_17")));
    EXPECT_TRUE(c.closed_by_peer());
    json j = json::parse(canary.line());
    EXPECT_EQ(j["protocol"], "ldap");
    EXPECT_EQ(j["token"], "abcdefghijkl0001");
    EXPECT_EQ(j["extras"], json::array({"Debian_17"}));
    EXPECT_EQ(j["id"], 1);
    EXPECT_EQ(canary.terminate(), 0);
  }
  {
    // A restart on the same file appends; nothing recorded before is lost.
    CanaryProcess canary({"--ldap", "127.0.0.1:0", "--db", db_});
    auto ports = canary.ports();
    ASSERT_EQ(ports.size(), 1u) << canary.stderr_text();
    Client c(static_cast<uint16_t>(ports["ldap/tcp"]));
    ASSERT_TRUE(c.send(ldap_exchange("abcdefghijkl0002")));
    EXPECT_TRUE(c.closed_by_peer());
    std::string line = canary.line();
    EXPECT_NE(line.find(" ldap from 127.0.0.1:"), std::string::npos) << line;
    EXPECT_NE(line.find("token=abcdefghijkl0002"), std::string::npos) << line;
    EXPECT_EQ(canary.terminate(), 0);
  }
  auto [rc, out] = run("canary --list --format jsonl --db " + db_);
  EXPECT_EQ(rc, 1);  // something was recorded
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  std::tie(rc, out) = run("canary --list --token ABCDEFGHIJKL0002 --db " + db_);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("abcdefghijkl0002"), std::string::npos);
}

TEST_F(CanaryCli, RejectsUnsafeOrBadFlags) {
  EXPECT_EQ(run("canary --ldap 0.0.0.0:0 --db " + db_).first, 2);  // not loopback, not asked for
  EXPECT_EQ(run("canary --ldap nowhere --db " + db_).first, 64);
  EXPECT_EQ(run("canary --dns 127.0.0.1:0 --answer 127.0.0.1 --db " + db_).first, 64);  // --answer needs --zone
  EXPECT_EQ(run("canary --format xml --db " + db_).first, 64);
  EXPECT_EQ(run("canary --list --db " + (dir_ / "nope" / "x.db").string()).first, 2);
  EXPECT_EQ(run("canary --list --db " + db_).first, 0);  // empty store
}

}  // namespace
