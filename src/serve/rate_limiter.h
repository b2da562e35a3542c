// Per-token upload rate: a token bucket each (so a burst of hosts starting
// their daily timer at once still gets in, a runaway client does not).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace l4s::serve {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // `per_second` 0: no limit.
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  // True when `key` may go now; otherwise the seconds until it may.
  bool allow(const std::string& key, double* retry_after, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace l4s::serve
