// Load on loopback: many concurrent connections, a share of them garbage, and
// DNS datagrams, against an in-process canary recording into SQLite. After the
// storm the canary must still answer and the store must hold exactly one
// record per well-formed lookup. 10,000 connections, 200 at a time, a quarter
// of them garbage: about two seconds. L4S_LOAD_CONNECTIONS and
// L4S_LOAD_CONCURRENCY scale it.
#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "canary/canary.h"
#include "net/callback_store.h"
#include "net/ldap.h"

namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using asio::ip::tcp;
using l4s::net::Protocol;

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

size_t env_or(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoul(v, nullptr, 10) : fallback;
}

// The JDK's LDAP bind + search(baseObject = token) + unbind, as one write.
std::string ldap_lookup(const std::string& token) {
  std::string body;
  l4s::net::ber_append(&body, 0x04, token);
  body += unhex("0a01000a0103020100020100010100870b6f626a656374436c6173733000");
  std::string op;
  l4s::net::ber_append(&op, 0x02, "\x02");
  l4s::net::ber_append(&op, 0x63, body);
  std::string search;
  l4s::net::ber_append(&search, 0x30, op);
  return unhex("300c020101600702010304008000") + search + unhex("30050201034200");
}

std::string rmi_lookup(const std::string& name) {
  std::string s = unhex("4a524d4900024b" "0009") + "127.0.0.1" +
                  unhex("00000000" "50aced00057722" "0000000000000000" "00000000" "0000000000000000" "0000" "00000002"
                        "44154dc9d4e63bdf" "74");
  s.push_back(static_cast<char>(name.size() >> 8));
  s.push_back(static_cast<char>(name.size() & 0xff));
  return s + name;
}

// One client connection: connect, write everything, read until the server hangs up.
class LoadClient : public std::enable_shared_from_this<LoadClient> {
 public:
  LoadClient(asio::io_context& io, tcp::endpoint to, std::string out, std::function<void(bool, std::string)> done)
      : socket_(io), timer_(io), to_(to), out_(std::move(out)), done_(std::move(done)) {}
  void start() {
    timer_.expires_after(20s);
    timer_.async_wait([self = shared_from_this()](asio::error_code ec) {
      if (!ec) self->finish(false);
    });
    socket_.async_connect(to_, [self = shared_from_this()](asio::error_code ec) {
      if (ec) return self->finish(false);
      asio::async_write(self->socket_, asio::buffer(self->out_), [self](asio::error_code, size_t) { self->read(); });
    });
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](asio::error_code ec, size_t n) {
      if (ec) return self->finish(true);  // EOF or reset: the server hung up, as it must
      self->in_.append(self->buf_.data(), n);
      self->read();
    });
  }
  void finish(bool closed_by_server) {
    if (finished_) return;
    finished_ = true;
    asio::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    done_(closed_by_server, in_);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  tcp::endpoint to_;
  std::string out_, in_;
  std::array<char, 1024> buf_;
  std::function<void(bool, std::string)> done_;
  bool finished_ = false;
};

TEST(CanaryLoadTest, StormThenStillAnsweringWithNothingLost) {
  const size_t total = env_or("L4S_LOAD_CONNECTIONS", 10000);
  const size_t concurrency = env_or("L4S_LOAD_CONCURRENCY", 200);
  const stdfs::path dir = stdfs::path(L4S_TEST_TMP) / "canary-load";
  stdfs::remove_all(dir);
  stdfs::create_directories(dir);
  auto store = l4s::net::CallbackStore::open((dir / "load.db").string());
  ASSERT_TRUE(store.ok()) << store.error();

  asio::io_context server_io;
  l4s::net::CanaryOptions options;
  for (Protocol p : {Protocol::kLdap, Protocol::kRmi, Protocol::kDns}) options.listen.push_back({p, {"127.0.0.1", 0}});
  options.max_connections = concurrency * 2;  // the storm must not be shed: every lookup should be recorded
  std::atomic<uint64_t> store_errors{0};
  auto canary = l4s::net::Canary::start(server_io, options, [&](const l4s::net::Callback& seen) {
    l4s::net::Callback cb = seen;
    if (!(*store)->add(&cb).ok()) store_errors++;
  });
  ASSERT_TRUE(canary.ok()) << canary.error();
  std::thread server([&] { server_io.run(); });

  const tcp::endpoint ldap(asio::ip::make_address("127.0.0.1"), (*canary)->port(Protocol::kLdap));
  const tcp::endpoint rmi(asio::ip::make_address("127.0.0.1"), (*canary)->port(Protocol::kRmi));
  const asio::ip::udp::endpoint dns(asio::ip::make_address("127.0.0.1"), (*canary)->port(Protocol::kDns));

  // Client side: a single thread keeping `concurrency` connections in flight.
  asio::io_context client_io;
  std::mt19937 rng(7);
  size_t started = 0, valid_sent = 0, finished = 0, hung_up = 0, bad_replies = 0;
  std::function<void()> launch = [&] {
    if (started == total) return;
    const size_t i = started++;
    const std::string token = "load" + std::to_string(100000000 + i);  // 13 chars: token-shaped
    std::string out;
    tcp::endpoint to = i % 3 == 0 ? rmi : ldap;
    const bool garbage = i % 4 == 3;
    if (garbage) {
      out.resize(1 + rng() % 3000);
      for (char& c : out) c = static_cast<char>(rng());
      if (i % 8 == 3) out = unhex("3084ffffffff");  // declares 4 GiB
    } else {
      out = to == rmi ? rmi_lookup(token) : ldap_lookup(token);
      valid_sent++;
    }
    const bool is_ldap = to == ldap && !garbage;
    std::make_shared<LoadClient>(client_io, to, std::move(out), [&, is_ldap](bool closed, std::string in) {
      finished++;
      if (closed) hung_up++;
      // A valid LDAP exchange gets exactly the bind success and noSuchObject.
      if (is_ldap && in != unhex("300c02010161070a010004000400300c02010265070a012004000400")) bad_replies++;
      launch();
    })->start();
  };
  for (size_t k = 0; k < concurrency; ++k) launch();

  // DNS datagrams alongside, some malformed.
  asio::ip::udp::socket udp(client_io, asio::ip::udp::v4());
  size_t dns_valid = 0;
  for (int i = 0; i < 500; ++i) {
    std::string q = unhex("abcd01000001000000000000") + "\x0d" + "dnsload" + std::to_string(100000 + i) + unhex("0000100001");
    if (i % 5 == 4) q = q.substr(0, 15);
    else dns_valid++;
    udp.send_to(asio::buffer(q), dns);
    if (i % 50 == 0) std::this_thread::sleep_for(1ms);  // don't overflow the server's socket buffer
  }
  auto t0 = std::chrono::steady_clock::now();
  client_io.run();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  EXPECT_EQ(finished, total);
  EXPECT_EQ(hung_up, total) << "the server must close every connection itself";
  EXPECT_EQ(bad_replies, 0u);

  // Still answering after the storm.
  asio::io_context probe_io;
  bool answered = false;
  std::make_shared<LoadClient>(probe_io, ldap, ldap_lookup("afterstorm0001"), [&](bool closed, std::string in) {
    answered = closed && in.size() == 28;
  })->start();
  probe_io.run();
  EXPECT_TRUE(answered);

  // Let the server drain the last datagrams, then stop it.
  std::this_thread::sleep_for(300ms);
  asio::post(server_io, [&] { (*canary)->stop(); });
  server.join();
  l4s::net::CanaryStats stats = (*canary)->stats();
  canary->reset();

  EXPECT_EQ(store_errors.load(), 0u);
  auto rows = (*store)->list();
  ASSERT_TRUE(rows.ok());
  size_t tcp_rows = 0, dns_rows = 0;
  for (const auto& cb : *rows) (cb.protocol == Protocol::kDns ? dns_rows : tcp_rows)++;
  EXPECT_EQ(tcp_rows, valid_sent + 1) << "lost or invented LDAP/RMI records";
  // UDP may drop under load on a busy machine, but what arrived was stored.
  EXPECT_EQ(dns_rows, stats.callbacks - tcp_rows);
  EXPECT_LE(dns_rows, dns_valid);
  EXPECT_EQ(stats.rejected, 0u);
  std::cout << "[ load ] " << total << " connections (" << valid_sent << " lookups), " << concurrency
            << " concurrent, " << dns_rows << "/" << dns_valid << " DNS queries recorded, in " << seconds << " s\n";
}

}  // namespace
