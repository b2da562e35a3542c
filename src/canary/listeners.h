// Internal to the canary: the shared state and the TCP / UDP listeners behind
// Canary. Everything here runs on the io_context's single thread.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include <asio.hpp>

#include "canary/canary.h"
#include "net/conversation.h"

namespace l4s::net {

class TcpSession;

struct Canary::State {
  CanaryOptions options;
  CallbackSink sink;
  std::unordered_set<TcpSession*> sessions;  // open connections, for stop() and the cap
  std::atomic<uint64_t> connections{0}, rejected{0}, timeouts{0}, datagrams{0}, callbacks{0}, sink_errors{0};

  // Turns what a conversation saw into a Callback and hands it to the sink.
  void emit(Protocol protocol, Sighting seen, const std::string& peer, const std::string& listener);
};

// "ip:port" of an endpoint, brackets around IPv6.
template <typename Endpoint>
std::string endpoint_text(const Endpoint& ep) {
  const auto a = ep.address();
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(ep.port())
                   : a.to_string() + ":" + std::to_string(ep.port());
}

using ConversationFactory = std::function<std::unique_ptr<Conversation>(const asio::ip::tcp::endpoint& peer)>;

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  TcpListener(asio::io_context& io, std::shared_ptr<Canary::State> state, Protocol protocol,
              ConversationFactory factory);
  Status bind(const asio::ip::tcp::endpoint& at);
  uint16_t port() const;
  void start() { accept(); }
  void stop();

 private:
  void accept();
  void on_accept(asio::ip::tcp::socket socket);

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer backoff_;  // after accept errors such as EMFILE: retry later, don't spin
  std::shared_ptr<Canary::State> state_;
  Protocol protocol_;
  ConversationFactory factory_;
  std::string local_;
};

class UdpDnsListener : public std::enable_shared_from_this<UdpDnsListener> {
 public:
  UdpDnsListener(asio::io_context& io, std::shared_ptr<Canary::State> state);
  Status bind(const asio::ip::udp::endpoint& at);
  uint16_t port() const;
  void start() { receive(); }
  void stop();

 private:
  void receive();

  asio::ip::udp::socket socket_;
  std::shared_ptr<Canary::State> state_;
  std::array<uint8_t, kDnsMaxMessage + 1> buf_;
  asio::ip::udp::endpoint from_;
  std::string local_;
};

// Closes every open TCP session of the canary.
void close_all_sessions(Canary::State& state);

}  // namespace l4s::net
