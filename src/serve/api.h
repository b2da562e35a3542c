// The HTTP API of `fleet serve`, without the network: a parsed request in, a
// response out. The transport (server.h) reads requests with Boost.Beast and
// hands them here on a worker thread; tests and the fuzzer call it directly.
//
//   POST /api/v1/reports     upload one report (upload or admin token)
//   GET  /api/v1/status      `fleet status --format json` (?since=)
//   GET  /api/v1/hosts/NAME  one host: current copies, history, attempts, uploads
//   GET  /                   the live HTML report
//   GET  /metrics            Prometheus text
//   GET  /healthz            the store answers (no token)
// GETs other than /healthz want a read or admin token, as a Bearer token or
// as the password of HTTP Basic (what a browser can send).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fleet/tokens.h"
#include "serve/metrics.h"
#include "serve/rate_limiter.h"
#include "serve/store_pool.h"

namespace l4s::serve {

struct Request {
  std::string method, target;               // target: path and query
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string peer;                          // "ADDR:PORT" of the client
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

struct ApiLimits {
  size_t max_body = 64u << 20;           // bytes as sent
  size_t max_decompressed = 512u << 20;  // bytes after Content-Encoding: gzip
  double uploads_per_second = 50;        // per token, sustained (0: no limit)
  double upload_burst = 500;             // per token, at once
  std::chrono::milliseconds status_ttl{2000};  // how long a computed status is reused
};

class Api {
 public:
  Api(StorePool& stores, ApiLimits limits, Metrics& metrics);
  Response handle(const Request& request);

 private:
  Response upload(const Request& request);
  Response status(const Request& request);
  Response host(const Request& request, const std::string& name);
  Response html(const Request& request);
  Response metrics(const Request& request);
  Response healthz();
  // The token's name when it may act as `needed`, else the refusal.
  struct Auth;
  Auth authorize(const Request& request, fleet::Role needed);

  // The fleet as loaded and analysed, reused for status_ttl.
  struct Snapshot;
  std::shared_ptr<const Snapshot> snapshot(const std::string& since, std::string* error);
  // A read endpoint's start: a read token, then the fleet; null with the
  // refusal set when either fails.
  std::shared_ptr<const Snapshot> read_snapshot(const Request& request, Response* refusal);

  StorePool& stores_;
  ApiLimits limits_;
  Metrics& metrics_;
  RateLimiter rate_;
  std::mutex snapshot_mutex_;
  std::map<std::string, std::shared_ptr<const Snapshot>> snapshots_;  // by since
};

// A JSON error body: {"error": reason}.
Response error_response(int status, const std::string& reason);

}  // namespace l4s::serve
