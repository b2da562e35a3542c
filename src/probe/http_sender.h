// Sends planned probe requests with libcurl: a fixed pool of workers, one easy
// handle each, a global rate limit. Only http and https, no redirects unless
// asked (a redirect could carry payloads to a host nobody asked us to probe),
// TLS verified unless `insecure`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "probe/probe_plan.h"

namespace l4s::net {

struct SendOptions {
  size_t concurrency = 4;
  double rate = 10;  // requests per second over all workers; 0: unlimited
  std::chrono::milliseconds timeout{10'000};
  bool insecure = false;
  bool follow_redirects = false;
  std::string user_agent = "log4shield-probe";  // when User-Agent is not an injection point
};

struct SendResult {
  int64_t time_ms = 0;  // when the request started
  int http_status = 0;  // 0: no response
  std::string error;    // "" on success (any HTTP status counts as success)
};

// Sends every request; `done(index, result)` runs once per request, from the
// workers but never concurrently. Returns when all are done.
void send_requests(const std::vector<ProbeRequest>& requests, const SendOptions& options,
                   const std::function<void(size_t, const SendResult&)>& done);

}  // namespace l4s::net
