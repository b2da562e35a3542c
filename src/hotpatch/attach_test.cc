#include "hotpatch/attach.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace l4s::hotpatch {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A listener that reads one protocol-1 request (5 NUL-terminated strings)
// and answers as `respond` says.
class FakeListener {
 public:
  explicit FakeListener(std::function<void(int fd, const std::string& request)> respond)
      : path_((std::filesystem::temp_directory_path() / ("l4s-attach-" + std::to_string(::getpid()) + "-" +
                                                          std::to_string(counter_++)))
                  .string()) {
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this, respond] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char ch;
      int nuls = 0;
      while (nuls < 5 && ::read(c, &ch, 1) == 1) {
        req.push_back(ch);
        nuls += ch == '\0';
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        request_ = req;
      }
      respond(c, req);
      ::close(c);
    });
  }
  ~FakeListener() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string request() const {
    std::lock_guard<std::mutex> lock(mu_);
    return request_;
  }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string request_;
};

void write_all(int fd, std::string_view s) { ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }

TEST(AttachTest, SendsProtocolOneAndReadsTheWholeReply) {
  FakeListener l([](int fd, const std::string&) {
    // Partial writes: the client must read to the end of the stream.
    write_all(fd, "0");
    std::this_thread::sleep_for(20ms);
    write_all(fd, "\nreturn code: 0\n");
  });
  auto r = send_attach_command(l.path(), "load", {"instrument", "false", "/tmp/a.jar=x=1"}, Clock::now() + 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(r->return_code, 0);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(std::string_view("1\0load\0instrument\0false\0/tmp/a.jar=x=1\0", 39), l.request());
}

TEST(AttachTest, EmptyArgumentsAreLoneNuls) {
  FakeListener l([](int fd, const std::string&) { write_all(fd, "0\n#props\nx=y\n"); });
  auto r = send_attach_command(l.path(), "properties", {"", "", ""}, Clock::now() + 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(std::string_view("1\0properties\0\0\0\0", 16), l.request());
  EXPECT_EQ(r->output, "#props\nx=y\n");
  EXPECT_FALSE(r->return_code.has_value());
}

TEST(AttachTest, ErrorCodesAreReported) {
  FakeListener l([](int fd, const std::string&) { write_all(fd, "0\nreturn code: -1\nAgent failed\n"); });
  auto r = send_attach_command(l.path(), "load", {"instrument", "false", "x"}, Clock::now() + 5s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->return_code, -1);
  FakeListener l2([](int fd, const std::string&) { write_all(fd, "101\nOperation not supported\n"); });
  auto r2 = send_attach_command(l2.path(), "nope", {"", "", ""}, Clock::now() + 5s);
  ASSERT_TRUE(r2) << r2.error();
  EXPECT_EQ(r2->status, 101);
  EXPECT_FALSE(r2->ok());
}

TEST(AttachTest, SilentListenerTimesOut) {
  FakeListener l([](int, const std::string&) { std::this_thread::sleep_for(1500ms); });
  auto t0 = Clock::now();
  auto r = send_attach_command(l.path(), "properties", {"", "", ""}, Clock::now() + 300ms);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("timed out"), std::string::npos) << r.error();
  EXPECT_LT(Clock::now() - t0, 1400ms);  // the deadline, not the listener, ended it
}

TEST(AttachTest, ClosedWithoutReplyIsAnError) {
  FakeListener l([](int, const std::string&) {});
  auto r = send_attach_command(l.path(), "properties", {"", "", ""}, Clock::now() + 5s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("malformed reply (empty)"), std::string::npos) << r.error();
}

TEST(AttachTest, NoListenerIsAnError) {
  auto r = send_attach_command("/nonexistent/.java_pid1", "properties", {"", "", ""}, Clock::now() + 1s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("connect"), std::string::npos) << r.error();
}

TEST(AttachTest, ParsesReplies) {
  EXPECT_FALSE(parse_attach_reply(""));
  EXPECT_FALSE(parse_attach_reply("abc\n"));
  EXPECT_FALSE(parse_attach_reply("0x\n"));
  auto r = parse_attach_reply("0");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  r = parse_attach_reply("0\nreturn code: 102\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->return_code, 102);
  EXPECT_FALSE(r->ok());
  r = parse_attach_reply("0\nreturn code: x\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->return_code.has_value());
}

// A process that is no JVM is never signalled: it would die of SIGQUIT.
TEST(AttachTest, NeverSignalsWhatIsNotAJvm) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execlp("sleep", "java", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(100ms);
  auto jvm = inspect_jvm(child);
  ASSERT_TRUE(jvm) << jvm.error();
  EXPECT_FALSE(jvm->hotspot);
  EXPECT_EQ(jvm->ns_pid, child);
  auto socket = ensure_listener(*jvm, Clock::now() + 1s);
  ASSERT_FALSE(socket);
  EXPECT_NE(socket.error().find("not a HotSpot JVM"), std::string::npos) << socket.error();
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0);  // still running
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
}

}  // namespace
}  // namespace l4s::hotpatch
