#include "core/cve.h"

#include <gtest/gtest.h>

namespace l4s {
namespace {

TEST(CveTest, SeverityIsTheWorstCve) {
  EXPECT_EQ(severity_of({"CVE-2021-44228", "CVE-2021-44832"}), Severity::kCritical);
  EXPECT_EQ(severity_of({"CVE-2021-45105", "CVE-2021-44832"}), Severity::kMedium);
  EXPECT_EQ(severity_of({}), Severity::kNone);
}

TEST(CveTest, UnknownCveIsNotHidden) {
  EXPECT_EQ(find_cve("CVE-1999-0001"), nullptr);
  EXPECT_EQ(severity_of({"CVE-1999-0001"}), Severity::kHigh);
}

}  // namespace
}  // namespace l4s
