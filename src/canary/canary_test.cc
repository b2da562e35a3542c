// The listeners over loopback, in process: captured client bytes replayed by
// plain sockets, replies and hang-ups checked byte for byte.
#include "canary/canary.h"

#include <asio.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "canary/socket_test_util.h"
#include "net/jrmp.h"
#include "net/test_util.h"

namespace l4s::net {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::tohex;
using testing::unhex;

const std::string kBind = unhex("300c020101600702010304008000");
const std::string kSearch = unhex(
    "304c020102632a040a746f6b2d6162633132330a01000a0103020100020100010100870b6f626a656374436c6173733000a01b30190417"
    "322e31362e3834302e312e3131333733302e332e342e32");
const std::string kUnbind = unhex("30220201034200a01b30190417322e31362e3834302e312e3131333733302e332e342e32");
const std::string kJrmiHeader = unhex("4a524d4900024b");
const std::string kJrmiEndpoint = unhex("0009") + "127.0.0.1" + unhex("00000000");
const std::string kJrmiCall = unhex("50aced00057722" "0000000000000000" "00000000" "0000000000000000" "0000"
                                    "00000002" "44154dc9d4e63bdf" "74000a") + "tok-rmi123";
const std::string kDnsQuery = unhex("abcd01000001000000000000 0a") + "tok-dns123" + unhex("0000100001");

// A canary on its own io thread, collecting callbacks.
class RunningCanary {
 public:
  explicit RunningCanary(CanaryOptions options, bool throwing_sink = false) {
    auto started = Canary::start(io_, std::move(options), [this, throwing_sink](const Callback& cb) {
      {
        std::lock_guard<std::mutex> l(mu_);
        got_.push_back(cb);
      }
      cv_.notify_all();
      if (throwing_sink) throw std::runtime_error("sink failed");
    });
    if (!started.ok()) {
      error_ = started.error();
      return;
    }
    canary_ = std::move(*started);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningCanary() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { canary_->stop(); });
    thread_.join();  // returns once nothing is left to do: proves stop() closes everything
  }

  const std::string& error() const { return error_; }
  Canary& canary() { return *canary_; }
  uint16_t port(Protocol p) { return canary_->port(p); }

  std::vector<Callback> wait_for(size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, timeout, [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  asio::io_context io_;
  std::unique_ptr<Canary> canary_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Callback> got_;
  std::string error_;
};

CanaryOptions all_protocols() {
  CanaryOptions o;
  for (Protocol p : {Protocol::kLdap, Protocol::kRmi, Protocol::kDns, Protocol::kHttp})
    o.listen.push_back({p, {"127.0.0.1", 0}});
  return o;
}

TEST(CanaryTest, LdapBindSuccessThenNoSuchObject) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  Client client(c.port(Protocol::kLdap));
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(kBind));
  EXPECT_EQ(tohex(client.read(14)), "300c02010161070a010004000400");
  ASSERT_TRUE(client.send(kSearch));
  EXPECT_EQ(tohex(client.read(14)), "300c02010265070a012004000400");
  ASSERT_TRUE(client.send(kUnbind));
  EXPECT_TRUE(client.closed_by_peer());
  auto got = c.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].protocol, Protocol::kLdap);
  EXPECT_EQ(got[0].name, "tok-abc123");
  EXPECT_EQ(got[0].token, "tok-abc123");
  EXPECT_EQ(got[0].peer.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(got[0].listener, "127.0.0.1:" + std::to_string(c.port(Protocol::kLdap)));
  EXPECT_GT(got[0].time_ms, 0);
}

TEST(CanaryTest, RmiAcksReadsTheNameAndHangsUp) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  Client client(c.port(Protocol::kRmi));
  ASSERT_TRUE(client.send(kJrmiHeader));
  std::string ack = client.read(1 + 2 + 9 + 4);
  ASSERT_EQ(ack.size(), 16u);
  EXPECT_EQ(tohex(ack.substr(0, 12)), "4e0009" + tohex("127.0.0.1"));
  ASSERT_TRUE(client.send(kJrmiEndpoint + kJrmiCall));
  EXPECT_EQ(client.read(1, 3000ms), "");  // never ReturnData
  EXPECT_TRUE(client.closed_by_peer());
  auto got = c.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].protocol, Protocol::kRmi);
  EXPECT_EQ(got[0].name, "tok-rmi123");
  EXPECT_EQ(got[0].detail, "lookup");
}

TEST(CanaryTest, DnsOverUdpAndTcp) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  const uint16_t port = c.port(Protocol::kDns);
  Client udp(port, true);
  ASSERT_TRUE(udp.send(kDnsQuery));
  std::string reply = udp.read(1);
  EXPECT_EQ(tohex(reply.substr(0, 4)), "abcd8103");  // NXDOMAIN
  Client tcp(port);
  std::string framed;
  append_be16(&framed, static_cast<uint16_t>(kDnsQuery.size()));
  ASSERT_TRUE(tcp.send(framed + kDnsQuery));
  reply = tcp.read(2 + kDnsQuery.size());
  EXPECT_EQ(tohex(reply.substr(0, 6)), tohex(framed) + "abcd8103");
  auto got = c.wait_for(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "tok-dns123");
  EXPECT_EQ(got[0].detail, "TXT");
  EXPECT_NE(got[0].listener.find("/udp"), std::string::npos);
  EXPECT_EQ(got[1].listener.find("/udp"), std::string::npos);
}

TEST(CanaryTest, HttpAnswers404) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  Client client(c.port(Protocol::kHttp));
  ASSERT_TRUE(client.send("GET /abcdefghijkl0123/Debian_17 HTTP/1.1\r\nHost: x\r\nUser-Agent: Java/17\r\n\r\n"));
  EXPECT_EQ(client.read(22).substr(0, 22), "HTTP/1.1 404 Not Found");
  EXPECT_TRUE(client.closed_by_peer());
  auto got = c.wait_for(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].token, "abcdefghijkl0123");
  EXPECT_EQ(got[0].extras, std::vector<std::string>{"Debian_17"});
}

TEST(CanaryTest, IdleTimeoutAndLinger) {
  CanaryOptions o = all_protocols();
  o.idle_timeout = 300ms;
  o.linger = 100ms;
  RunningCanary c(o);
  ASSERT_EQ(c.error(), "");
  auto t0 = std::chrono::steady_clock::now();
  Client silent(c.port(Protocol::kLdap));
  EXPECT_TRUE(silent.closed_by_peer(3000ms));
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2000ms);
  // After the final answer the client gets only `linger` to leave.
  Client client(c.port(Protocol::kLdap));
  ASSERT_TRUE(client.send(kBind + kSearch));
  EXPECT_EQ(client.read(28).size(), 28u);
  t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_peer(3000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 280ms);
  EXPECT_EQ(c.canary().stats().timeouts, 2u);
}

TEST(CanaryTest, MalformedAndOversizedCloseAtOnce) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  for (const std::string& garbage : {std::string("GET / HTTP/1.0\r\n\r\n"), unhex("3084 00100000"),
                                     unhex("3080"), unhex("160303007a01")}) {
    Client ldap(c.port(Protocol::kLdap));
    ASSERT_TRUE(ldap.send(garbage));
    EXPECT_TRUE(ldap.closed_by_peer(1000ms)) << tohex(garbage);
    Client rmi(c.port(Protocol::kRmi));
    ASSERT_TRUE(rmi.send(garbage));
    EXPECT_TRUE(rmi.closed_by_peer(1000ms)) << tohex(garbage);
  }
  Client http(c.port(Protocol::kHttp));
  ASSERT_TRUE(http.send(std::string(20000, 'a')));
  EXPECT_TRUE(http.closed_by_peer(1000ms));
  EXPECT_EQ(c.canary().stats().callbacks, 0u);
}

TEST(CanaryTest, ConnectionCap) {
  CanaryOptions o = all_protocols();
  o.max_connections = 2;
  RunningCanary c(o);
  ASSERT_EQ(c.error(), "");
  Client a(c.port(Protocol::kLdap)), b(c.port(Protocol::kLdap));
  // Make sure both are accepted before the third arrives.
  ASSERT_TRUE(a.send(kBind));
  ASSERT_EQ(a.read(14).size(), 14u);
  ASSERT_TRUE(b.send(kBind));
  ASSERT_EQ(b.read(14).size(), 14u);
  Client third(c.port(Protocol::kLdap));
  EXPECT_TRUE(third.closed_by_peer(1000ms));
  EXPECT_EQ(c.canary().stats().rejected, 1u);
  a.close();
  b.close();
  // Capacity comes back once they are gone.
  std::this_thread::sleep_for(100ms);
  Client again(c.port(Protocol::kLdap));
  ASSERT_TRUE(again.send(kBind));
  EXPECT_EQ(again.read(14).size(), 14u);
}

TEST(CanaryTest, SinkExceptionsDoNotStopTheListener) {
  RunningCanary c(all_protocols(), /*throwing_sink=*/true);
  ASSERT_EQ(c.error(), "");
  for (int i = 0; i < 3; ++i) {
    Client client(c.port(Protocol::kLdap));
    ASSERT_TRUE(client.send(kBind + kSearch));
    EXPECT_EQ(client.read(28).size(), 28u);
  }
  EXPECT_EQ(c.wait_for(3).size(), 3u);
  EXPECT_EQ(c.canary().stats().sink_errors, 3u);
}

TEST(CanaryTest, StopClosesOpenConnections) {
  RunningCanary c(all_protocols());
  ASSERT_EQ(c.error(), "");
  Client client(c.port(Protocol::kLdap));
  ASSERT_TRUE(client.send(kBind));
  ASSERT_EQ(client.read(14).size(), 14u);
  c.stop();  // joins the io thread: would hang if a session kept work queued
  EXPECT_TRUE(client.closed_by_peer(1000ms));
}

TEST(CanaryTest, RefusesNonLoopbackAndBusyPorts) {
  asio::io_context io;
  CanaryOptions o;
  o.listen.push_back({Protocol::kLdap, {"0.0.0.0", 0}});
  auto r = Canary::start(io, o, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("loopback"), std::string::npos);

  RunningCanary first(all_protocols());
  ASSERT_EQ(first.error(), "");
  CanaryOptions busy;
  busy.listen.push_back({Protocol::kRmi, {"127.0.0.1", 0}});
  busy.listen.push_back({Protocol::kLdap, {"127.0.0.1", first.port(Protocol::kLdap)}});
  auto r2 = Canary::start(io, busy, nullptr);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("ldap 127.0.0.1:"), std::string::npos) << r2.error();
}

TEST(CanaryTest, Ipv6Loopback) {
  CanaryOptions o;
  o.listen.push_back({Protocol::kLdap, {"::1", 0}});
  asio::io_context io;
  auto r = Canary::start(io, o, nullptr);
  if (!r.ok()) GTEST_SKIP() << "no IPv6 loopback: " << r.error();
  EXPECT_EQ((*r)->bound()[0].at.text().rfind("[::1]:", 0), 0u);
}

TEST(EndpointTest, Parse) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:1389")->port, 1389);
  EXPECT_EQ(parse_endpoint("[::1]:0")->address, "::1");
  EXPECT_EQ(parse_endpoint("localhost:53")->address, "127.0.0.1");
  EXPECT_FALSE(parse_endpoint("127.0.0.1").ok());
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536").ok());
  EXPECT_FALSE(parse_endpoint("example.com:1").ok());
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
}

}  // namespace
}  // namespace l4s::net
