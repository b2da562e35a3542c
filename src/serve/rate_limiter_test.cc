#include "serve/rate_limiter.h"

#include <gtest/gtest.h>

namespace l4s::serve {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, BurstThenSustainedRatePerKey) {
  RateLimiter limiter(2, 3);  // 2 per second, 3 at once
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  double retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", &retry, t0)) << i;
  EXPECT_FALSE(limiter.allow("a", &retry, t0));
  EXPECT_NEAR(retry, 0.5, 1e-9);
  // Another token has its own bucket.
  EXPECT_TRUE(limiter.allow("b", &retry, t0));
  // Half a second later one more is allowed, not two.
  EXPECT_TRUE(limiter.allow("a", &retry, t0 + 500ms));
  EXPECT_FALSE(limiter.allow("a", &retry, t0 + 500ms));
  // A long pause refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", &retry, t0 + 100s)) << i;
  EXPECT_FALSE(limiter.allow("a", &retry, t0 + 100s));
}

TEST(RateLimiter, ZeroRateMeansNoLimit) {
  RateLimiter limiter(0, 0);
  double retry = 0;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.allow("a", &retry));
}

}  // namespace
}  // namespace l4s::serve
