#include "core/csv.h"

#include <gtest/gtest.h>

namespace l4s {
namespace {

TEST(Csv, QuotedAlwaysQuotesAndDoublesQuotes) {
  EXPECT_EQ(csv_quoted(""), "\"\"");
  EXPECT_EQ(csv_quoted("a"), "\"a\"");
  EXPECT_EQ(csv_quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(Csv, FieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(csv_field(" lead"), "\" lead\"");
  EXPECT_EQ(csv_field("trail "), "\"trail \"");
  EXPECT_EQ(csv_field("q\"q"), "\"q\"\"q\"");
}

TEST(Csv, OneFormulaRuleForBothStyles) {
  for (const char* risky : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) {
    EXPECT_TRUE(csv_formula_risk(risky)) << risky;
    EXPECT_EQ(csv_quoted(risky), "\"'" + std::string(risky) + "\"");
    EXPECT_EQ(csv_field(risky), "\"'" + std::string(risky) + "\"");
  }
  for (const char* safe : {"", "a=1", " =1", "1-2", "x@y"}) EXPECT_FALSE(csv_formula_risk(safe)) << safe;
}

}  // namespace
}  // namespace l4s
