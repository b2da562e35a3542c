#include "hunt/java_date.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

// Expected strings come from java.text.SimpleDateFormat on OpenJDK 17
// (-Duser.timezone=UTC -Duser.language=en -Duser.country=US).
TEST(JavaDateTest, AllPatternLetters) {
  EXPECT_EQ(java_simple_date_format("G GGGG y yy yyy yyyyy Y YY M MM MMM MMMM L LLL LLLL w W D F E EEEE u a H k K h "
                                 "m s S SSSS z zzzz Z X XX XXX",
                                 1639150000123),
            "AD AD 2021 21 2021 02021 2021 21 12 12 Dec December 12 Dec December 50 2 344 2 Fri Friday 5 PM 15 15 3 "
            "3 26 40 123 0123 UTC Coordinated Universal Time +0000 Z Z Z");
}

TEST(JavaDateTest, WeekFieldsAroundNewYear) {
  const char* kPattern = "yyyy-MM-dd E YYYY w W F D u k K h a";
  EXPECT_EQ(java_simple_date_format(kPattern, 1640908800000), "2021-12-31 Fri 2022 1 5 5 365 5 24 0 12 AM");
  EXPECT_EQ(java_simple_date_format(kPattern, 1640995200000), "2022-01-01 Sat 2022 1 1 1 1 6 24 0 12 AM");
  EXPECT_EQ(java_simple_date_format(kPattern, 1609027200000), "2020-12-27 Sun 2021 1 5 4 362 7 24 0 12 AM");
  EXPECT_EQ(java_simple_date_format(kPattern, 0), "1970-01-01 Thu 1970 1 1 1 1 4 24 0 12 AM");
  EXPECT_EQ(java_simple_date_format(kPattern, 951782400000), "2000-02-29 Tue 2000 10 5 5 60 2 24 0 12 AM");
}

TEST(JavaDateTest, Quoting) {
  EXPECT_EQ(java_simple_date_format("'j'", 0), "j");
  EXPECT_EQ(java_simple_date_format("", 0), "");
  EXPECT_EQ(java_simple_date_format("''", 0), "'");
  EXPECT_EQ(java_simple_date_format("'a''b'", 0), "a'b");
  EXPECT_EQ(java_simple_date_format("'${jndi:'", 0), "${jndi:");
  EXPECT_EQ(java_simple_date_format(":/-$", 0), ":/-$");              // ASCII non-letters are literal
  EXPECT_EQ(java_simple_date_format("\xC4\xB1", 0), "\xC4\xB1");      // so is non-ASCII text
}

TEST(JavaDateTest, InvalidPatterns) {
  EXPECT_FALSE(java_simple_date_format("j", 0));       // not a pattern letter
  EXPECT_FALSE(java_simple_date_format("dd'", 0));     // unterminated quote
  EXPECT_FALSE(java_simple_date_format("XXXX", 0));    // ISO zone longer than 3
  EXPECT_EQ(java_date_lookup("j", 1639150000123), "12/10/21, 3:26 PM");  // DateFormat.getInstance()
}

}  // namespace
}  // namespace l4s::hunt
