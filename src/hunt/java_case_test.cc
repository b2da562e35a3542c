#include "hunt/java_case.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

TEST(JavaCaseTest, Ascii) {
  EXPECT_EQ(JavaToLowerCase("JnDi:LDAP://X/a"), "jndi:ldap://x/a");
  EXPECT_EQ(JavaToUpperCase("jndi"), "JNDI");
}

TEST(JavaCaseTest, MappingsAttackersUse) {
  EXPECT_EQ(JavaToUpperCase("\xC4\xB1"), "I");             // dotless i
  EXPECT_EQ(JavaToUpperCase("\xC5\xBF"), "S");             // long s
  EXPECT_EQ(JavaToUpperCase("\xEF\xAC\x81"), "FI");        // fi ligature
  EXPECT_EQ(JavaToUpperCase("\xC3\x9F"), "SS");            // sharp s
  EXPECT_EQ(JavaToLowerCase("\xE2\x84\xAA"), "k");         // Kelvin sign
  EXPECT_EQ(JavaToLowerCase("\xC4\xB0"), "i\xCC\x87");     // I with dot above -> i + combining dot
  EXPECT_EQ(JavaToLowerCase("\xC4\xB1"), "\xC4\xB1");      // dotless i has no lower-case change
  EXPECT_EQ(JavaToUpperCase("\xF0\x90\x90\xA8"), "\xF0\x90\x90\x80");  // Deseret, outside the BMP
}

TEST(JavaCaseTest, FinalSigma) {
  EXPECT_EQ(JavaToLowerCase("\xCE\xA3"), "\xCF\x83");                      // alone: sigma
  EXPECT_EQ(JavaToLowerCase("\xCE\x9F\xCE\xA3"), "\xCE\xBF\xCF\x82");      // word-final: final sigma
}

TEST(JavaCaseTest, MalformedBytesPassThrough) {
  EXPECT_EQ(JavaToUpperCase("a\xFF\xC4z"), "A\xFF\xC4Z");
}

TEST(JavaCaseTest, Utf16Length) {
  EXPECT_EQ(Utf16Length("ab"), 2u);
  EXPECT_EQ(Utf16Length("\xC3\xA9"), 1u);
  EXPECT_EQ(Utf16Length("\xF0\x9F\x98\x80"), 2u);
  EXPECT_EQ(Utf16Length("\xFF"), 1u);
}

}  // namespace
}  // namespace l4s::hunt
