#include "serve/rate_limiter.h"

#include <algorithm>

namespace l4s::serve {

bool RateLimiter::allow(const std::string& key, double* retry_after, Clock::time_point now) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after = (1 - b.tokens) / rate_;
  return false;
}

}  // namespace l4s::serve
