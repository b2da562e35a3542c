// Runs `log4shield canary ...` (or any command) as a child process for the
// canary and probe end-to-end tests.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace l4s::net::testing {

using namespace std::chrono_literals;

inline const std::string kBin = L4S_BINARY;

// A running `log4shield canary ...` with its stdout and stderr as pipes.
// Without capture_stdout, stdout goes to /dev/null: a pipe nobody reads would
// eventually block the canary.
class CanaryProcess {
 public:
  explicit CanaryProcess(std::vector<std::string> args, bool capture_stdout = true, std::string command = "canary") {
    int out[2], err[2];
    EXPECT_EQ(pipe(out), 0);
    EXPECT_EQ(pipe(err), 0);
    pid_ = fork();
    if (pid_ == 0) {
      if (capture_stdout) dup2(out[1], 1);
      else freopen("/dev/null", "w", stdout);
      dup2(err[1], 2);
      close(out[0]);
      close(err[0]);
      std::vector<char*> argv{const_cast<char*>(kBin.c_str()), command.data()};
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

// Runs the binary to completion (stderr discarded); returns {exit code, stdout}.
inline std::pair<int, std::string> run(const std::string& args) {
  FILE* p = popen((kBin + " " + args + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace l4s::net::testing
