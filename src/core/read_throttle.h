// --max-read-rate: one token bucket that every reader thread draws from, so a
// scan or hunt on a production host reads at most N bytes per second in all.
// Readers account bytes after each read (post-paying keeps the read paths
// simple) and sleep off any debt; the clock and the sleep are injectable so
// the arithmetic is tested without timing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace l4s {

class ReadThrottle {
 public:
  using Nanos = std::chrono::nanoseconds;
  using Now = std::function<Nanos()>;         // monotonic time
  using Sleep = std::function<void(Nanos)>;

  // `bytes_per_second` > 0. The bucket holds `burst_bytes` (0: a tenth of a
  // second's worth, at least 64 KiB), so short bursts are not smoothed away
  // and a long idle period does not buy a long burst.
  explicit ReadThrottle(double bytes_per_second, uint64_t burst_bytes = 0, Now now = {}, Sleep sleep = {});

  // Takes `n` bytes from the bucket and returns how long the caller must wait
  // before reading more (zero when the bucket covered them). The bucket may go
  // into debt; later callers then wait for that debt too, which is what keeps
  // the sum over threads at the rate.
  Nanos reserve(uint64_t n);
  // reserve(n), then sleeps the wait.
  void account(uint64_t n);

  double rate() const { return rate_; }
  uint64_t burst() const { return burst_; }

 private:
  double rate_;
  uint64_t burst_;
  Now now_;
  Sleep sleep_;
  std::mutex mutex_;
  double tokens_;  // bytes; negative: debt
  Nanos last_{};
  bool started_ = false;
};

// The process-wide throttle the read paths use; null (the default) reads at
// full speed. Set once, before any reader thread starts.
void set_read_throttle(std::unique_ptr<ReadThrottle> throttle);
ReadThrottle* read_throttle();

// Accounts n bytes just read against the process-wide throttle; free when
// there is none.
void throttle_read(uint64_t n);

// The most to ask for in one read while throttled (1 MiB), so one large read
// does not arrive as a burst followed by a long sleep; n when not throttled.
size_t throttled_chunk(size_t n);

}  // namespace l4s
