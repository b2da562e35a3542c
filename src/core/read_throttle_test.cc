#include "core/read_throttle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace l4s {
namespace {

using std::chrono::milliseconds;
using Nanos = ReadThrottle::Nanos;

// A clock the test moves by hand; "sleeping" advances it, so a run of reads
// shows exactly the schedule the throttle imposes.
struct FakeTime {
  Nanos now{std::chrono::seconds(1000)};
  Nanos slept{0};
  ReadThrottle make(double rate, uint64_t burst) {
    return ReadThrottle(rate, burst, [this] { return now; }, [this](Nanos d) { slept += d; now += d; });
  }
};

constexpr double kMiB = 1 << 20;

TEST(ReadThrottle, BurstIsFreeThenDebtIsWaitedAtTheRate) {
  FakeTime t;
  ReadThrottle th = t.make(1000, 500);
  EXPECT_EQ(th.reserve(500), Nanos{0});                 // the full bucket covers it
  EXPECT_EQ(th.reserve(100), milliseconds(100));        // 100 bytes of debt at 1000 B/s
  EXPECT_EQ(th.reserve(200), milliseconds(300));        // the debt adds up
  t.now += milliseconds(300);                            // the caller slept it off
  EXPECT_EQ(th.reserve(0), Nanos{0});
  EXPECT_EQ(th.reserve(1000), milliseconds(1000));
}

TEST(ReadThrottle, IdleTimeRefillsOnlyUpToTheBurst) {
  FakeTime t;
  ReadThrottle th = t.make(1000, 500);
  EXPECT_EQ(th.reserve(500), Nanos{0});
  t.now += std::chrono::hours(1);  // an hour idle buys 500 bytes, not 3.6 MB
  EXPECT_EQ(th.reserve(500), Nanos{0});
  EXPECT_EQ(th.reserve(1), milliseconds(1));
}

TEST(ReadThrottle, LongRunAveragesTheRate) {
  FakeTime t;
  ReadThrottle th = t.make(50 * kMiB, 0);
  const Nanos start = t.now;
  uint64_t total = 0;
  for (int i = 0; i < 2000; ++i) {  // 2000 reads of 256 KiB: 500 MiB
    th.account(256 << 10);
    total += 256 << 10;
    t.now += std::chrono::microseconds(200);  // the work between reads
  }
  const double seconds = std::chrono::duration<double>(t.now - start).count();
  const double rate = static_cast<double>(total) / seconds;
  // Only the initial burst (5 MiB of 500) is free: within 1 % of the cap.
  EXPECT_GT(rate, 50 * kMiB * 0.99);
  EXPECT_LT(rate, 50 * kMiB * 1.02);
}

TEST(ReadThrottle, DefaultBurstIsATenthOfASecondAtLeast64KiB) {
  EXPECT_EQ(ReadThrottle(50 * kMiB).burst(), static_cast<uint64_t>(5 * kMiB));
  EXPECT_EQ(ReadThrottle(1000).burst(), uint64_t{64} << 10);
}

TEST(ReadThrottle, ThreadsShareOneBucket) {
  // Each thread pays for the bytes before it; their waits together cover the
  // whole amount at the rate, whatever the interleaving.
  FakeTime t;  // time stands still: no refill during the test
  ReadThrottle th(1000, 1, [&t] { return t.now; }, [](Nanos) {});
  std::vector<std::thread> threads;
  std::vector<Nanos> worst(4);
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 100; ++k) worst[i] = std::max(worst[i], th.reserve(10));
    });
  for (auto& th_ : threads) th_.join();
  Nanos longest = *std::max_element(worst.begin(), worst.end());
  EXPECT_EQ(longest, milliseconds(3999));  // 4000 bytes less the 1-byte bucket, at 1000 B/s
}

TEST(ReadThrottle, ProcessWideThrottleIsOffUntilSet) {
  EXPECT_EQ(read_throttle(), nullptr);
  EXPECT_EQ(throttled_chunk(size_t{64} << 20), size_t{64} << 20);
  throttle_read(1 << 30);  // no throttle: returns at once
  set_read_throttle(std::make_unique<ReadThrottle>(1e9));
  ASSERT_NE(read_throttle(), nullptr);
  EXPECT_EQ(throttled_chunk(size_t{64} << 20), size_t{1} << 20);
  EXPECT_EQ(throttled_chunk(10), 10u);
  set_read_throttle(nullptr);
  EXPECT_EQ(read_throttle(), nullptr);
}

}  // namespace
}  // namespace l4s
