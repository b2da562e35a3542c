#include "core/read_throttle.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace l4s {
namespace {

std::unique_ptr<ReadThrottle> g_owner;
std::atomic<ReadThrottle*> g_throttle{nullptr};

constexpr size_t kChunk = size_t{1} << 20;

ReadThrottle::Nanos steady_now() {
  return std::chrono::duration_cast<ReadThrottle::Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

ReadThrottle::ReadThrottle(double bytes_per_second, uint64_t burst_bytes, Now now, Sleep sleep)
    : rate_(bytes_per_second),
      burst_(burst_bytes ? burst_bytes
                         : std::max<uint64_t>(uint64_t{64} << 10, static_cast<uint64_t>(bytes_per_second / 10))),
      now_(now ? std::move(now) : Now(steady_now)),
      sleep_(sleep ? std::move(sleep) : Sleep([](Nanos d) { std::this_thread::sleep_for(d); })),
      tokens_(static_cast<double>(burst_)) {}

ReadThrottle::Nanos ReadThrottle::reserve(uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Nanos t = now_();
  if (!started_) {
    started_ = true;
  } else if (t > last_) {
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + std::chrono::duration<double>(t - last_).count() * rate_);
  }
  last_ = std::max(last_, t);
  tokens_ -= static_cast<double>(n);
  if (tokens_ >= 0) return Nanos{0};
  return std::chrono::round<Nanos>(std::chrono::duration<double>(-tokens_ / rate_));
}

void ReadThrottle::account(uint64_t n) {
  Nanos wait = reserve(n);
  if (wait > Nanos{0}) sleep_(wait);
}

void set_read_throttle(std::unique_ptr<ReadThrottle> throttle) {
  g_throttle.store(throttle.get(), std::memory_order_release);
  g_owner = std::move(throttle);
}

ReadThrottle* read_throttle() { return g_throttle.load(std::memory_order_acquire); }

void throttle_read(uint64_t n) {
  if (ReadThrottle* t = read_throttle(); t != nullptr && n > 0) t->account(n);
}

size_t throttled_chunk(size_t n) { return read_throttle() != nullptr ? std::min(n, kChunk) : n; }

}  // namespace l4s
