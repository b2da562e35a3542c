#include "core/gzip.h"

#include <gtest/gtest.h>

namespace l4s {
namespace {

TEST(Gzip, RoundTripsEmptyAndLarge) {
  bool too_large = false;
  for (const std::string& data : {std::string(), std::string("x"), std::string(3 << 20, 'a') + "tail"}) {
    auto back = gunzip_bounded(gzip(data), data.size(), &too_large);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(*back, data);
  }
}

TEST(GunzipBounded, ConcatenatedMembersAndLimits) {
  bool too_large = false;
  auto two = gunzip_bounded(gzip("abc") + gzip("def"), 100, &too_large);
  ASSERT_TRUE(two.ok()) << two.error();
  EXPECT_EQ(*two, "abcdef");
  EXPECT_FALSE(gunzip_bounded(gzip(std::string(1000, 'x')), 999, &too_large).ok());
  EXPECT_TRUE(too_large);
  EXPECT_TRUE(gunzip_bounded(gzip(std::string(1000, 'x')), 1000, &too_large).ok());
  EXPECT_FALSE(gunzip_bounded("not gzip", 100, &too_large).ok());
  EXPECT_FALSE(too_large);
}}  // namespace
}  // namespace l4s
