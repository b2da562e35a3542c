#include "hunt/java_case.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

TEST(JavaCaseTest, Ascii) {
  EXPECT_EQ(java_to_lower_case("JnDi:LDAP://X/a"), "jndi:ldap://x/a");
  EXPECT_EQ(java_to_upper_case("jndi"), "JNDI");
}

TEST(JavaCaseTest, MappingsAttackersUse) {
  EXPECT_EQ(java_to_upper_case("\xC4\xB1"), "I");             // dotless i
  EXPECT_EQ(java_to_upper_case("\xC5\xBF"), "S");             // long s
  EXPECT_EQ(java_to_upper_case("\xEF\xAC\x81"), "FI");        // fi ligature
  EXPECT_EQ(java_to_upper_case("\xC3\x9F"), "SS");            // sharp s
  EXPECT_EQ(java_to_lower_case("\xE2\x84\xAA"), "k");         // Kelvin sign
  EXPECT_EQ(java_to_lower_case("\xC4\xB0"), "i\xCC\x87");     // I with dot above -> i + combining dot
  EXPECT_EQ(java_to_lower_case("\xC4\xB1"), "\xC4\xB1");      // dotless i has no lower-case change
  EXPECT_EQ(java_to_upper_case("\xF0\x90\x90\xA8"), "\xF0\x90\x90\x80");  // Deseret, outside the BMP
}

TEST(JavaCaseTest, FinalSigma) {
  EXPECT_EQ(java_to_lower_case("\xCE\xA3"), "\xCF\x83");                      // alone: sigma
  EXPECT_EQ(java_to_lower_case("\xCE\x9F\xCE\xA3"), "\xCE\xBF\xCF\x82");      // word-final: final sigma
}

TEST(JavaCaseTest, MalformedBytesPassThrough) {
  EXPECT_EQ(java_to_upper_case("a\xFF\xC4z"), "A\xFF\xC4Z");
}

TEST(JavaCaseTest, Utf16Length) {
  EXPECT_EQ(utf16_length("ab"), 2u);
  EXPECT_EQ(utf16_length("\xC3\xA9"), 1u);
  EXPECT_EQ(utf16_length("\xF0\x9F\x98\x80"), 2u);
  EXPECT_EQ(utf16_length("\xFF"), 1u);
}

}  // namespace
}  // namespace l4s::hunt
