#include "core/version.h"

#include <gtest/gtest.h>

namespace l4s {
namespace {

Version V(const char* s) { return *parse_version(s); }

TEST(VersionTest, OrdersPreReleasesBeforeFinal) {
  EXPECT_LT(V("2.0-alpha1"), V("2.0-alpha2"));
  EXPECT_LT(V("2.0-alpha2"), V("2.0-beta1"));
  EXPECT_LT(V("2.0-beta9"), V("2.0-rc1"));
  EXPECT_LT(V("2.0-rc2"), V("2.0"));
  EXPECT_LT(V("2.0"), V("2.0.1"));
}

TEST(VersionTest, ComparesNumerically) {
  EXPECT_LT(V("2.9.1"), V("2.10.0"));
  EXPECT_LT(V("2.14.1"), V("2.15.0"));
  EXPECT_EQ(V("2.3"), V("2.3.0"));
  EXPECT_LT(V("1.2.17"), V("1.2.18.0"));
  EXPECT_LT(V("1.2.18.2"), V("1.2.18.3"));
}

TEST(VersionTest, RejectsNonVersions) {
  EXPECT_FALSE(parse_version("core"));
  EXPECT_FALSE(parse_version(""));
  EXPECT_TRUE(parse_version("2.17.1-SNAPSHOT"));
}

TEST(VersionTest, RangeIsInclusive) {
  EXPECT_TRUE(version_in(V("2.0-beta9"), "2.0-beta9", "2.14.1"));
  EXPECT_TRUE(version_in(V("2.14.1"), "2.0-beta9", "2.14.1"));
  EXPECT_FALSE(version_in(V("2.0-beta8"), "2.0-beta9", "2.14.1"));
  EXPECT_FALSE(version_in(V("2.15.0"), "2.0-beta9", "2.14.1"));
}

}  // namespace
}  // namespace l4s
