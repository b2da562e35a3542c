// The canary: LDAP, RMI, DNS (UDP and TCP) and HTTP listeners on one
// asio::io_context that record every name a client asks for and serve nothing.
//
//   asio::io_context io;
//   auto canary = Canary::start(io, options, [](const Callback& cb) { ... });
//   // canary->bound() has the real ports (port 0 picks a free one)
//   io.run();
//
// Every connection has an idle timeout and closes on malformed or oversized
// input; the number of open connections is capped. The sink runs on the
// io_context's thread; exceptions it throws are counted and dropped, never
// propagated into the io loop. Run the io_context on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "canary/endpoint.h"
#include "core/result.h"
#include "net/callback.h"
#include "net/dns.h"

namespace asio {
class io_context;
}

namespace l4s::net {

struct ListenSpec {
  Protocol protocol;
  Endpoint at;  // DNS listens on UDP and TCP at the same port
};

struct CanaryOptions {
  std::vector<ListenSpec> listen;
  DnsPolicy dns;
  std::chrono::milliseconds idle_timeout{10'000};  // no byte from the client for this long: close
  std::chrono::milliseconds linger{2'000};         // after the final answer, wait this long for the client to leave
  size_t max_connections = 1024;                   // over this, new connections are closed at once
  bool allow_non_loopback = false;                 // binding elsewhere than loopback must be asked for
};

struct CanaryStats {
  uint64_t connections = 0;   // TCP connections served
  uint64_t rejected = 0;      // closed at accept: over max_connections
  uint64_t timeouts = 0;      // closed for idleness
  uint64_t datagrams = 0;     // UDP messages received
  uint64_t callbacks = 0;     // names recorded
  uint64_t sink_errors = 0;   // exceptions thrown by the sink
};

using CallbackSink = std::function<void(const Callback&)>;

class Canary {
 public:
  struct Bound {
    Protocol protocol;
    const char* transport;  // "tcp" | "udp"
    Endpoint at;            // with the real port
  };

  // Binds every listener (all or nothing) and starts serving on `io`. The
  // Canary must be destroyed before `io`.
  static Result<std::unique_ptr<Canary>> start(asio::io_context& io, CanaryOptions options, CallbackSink sink);
  ~Canary();  // stop()s

  const std::vector<Bound>& bound() const { return bound_; }
  // The port bound for the first listener of `p`, 0 if none.
  uint16_t port(Protocol p) const;
  CanaryStats stats() const;

  // Closes the listeners and every open connection; io.run() then returns once
  // nothing else is queued. Call on the io thread or while it is not running.
  void stop();

  // Runs `io` until SIGINT or SIGTERM, then stops and lets it drain. An
  // exception escaping a handler is reported on stderr and the loop resumes.
  void run_until_signal(asio::io_context& io);

  struct State;

 private:
  Canary() = default;
  std::shared_ptr<State> state_;
  std::vector<Bound> bound_;
  std::vector<std::function<void()>> stoppers_;  // one per listener
};

}  // namespace l4s::net
