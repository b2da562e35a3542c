// The transport of `fleet serve`: HTTPS (or plain HTTP behind a TLS proxy)
// with Boost.Beast over Asio. I/O is asynchronous, so slow or idle clients
// cost a socket and a timer, not a thread; each request, once read, runs on a
// worker pool (the store calls block). Limits that hold under abuse: header
// size and time, body size and time, connections open at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "serve/api.h"
#include "serve/metrics.h"

namespace l4s::serve {

struct ServerOptions {
  std::string listen = "127.0.0.1:8443";  // ADDR:PORT, [IPv6]:PORT; port 0 picks a free one
  std::string tls_cert, tls_key;          // PEM files
  bool insecure_http = false;             // plain HTTP (a TLS-terminating proxy in front)
  size_t max_connections = 4096;          // more are closed at once
  size_t max_header_bytes = 16 * 1024;
  size_t max_body = 64u << 20;
  std::chrono::milliseconds header_timeout{10000};  // TLS handshake, then each request's header (and idle keep-alive)
  std::chrono::milliseconds body_timeout{120000};   // the rest of a request, and writing the response
  size_t workers = 0;                               // request threads; 0: twice the cores
};

class Server {
 public:
  // Binds (so the port is known at once) and loads the certificate; run()
  // then serves until stop() or SIGINT/SIGTERM.
  static Result<std::unique_ptr<Server>> bind(const ServerOptions& options, Api& api, Metrics& metrics);
  ~Server();
  // "https://ADDR:PORT" (http:// with insecure_http), the bound port.
  std::string url() const;
  void run();
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l4s::serve
