#include "hunt/jndi_name.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

// Expected values are java.net.URI's (OpenJDK 17); the differential test
// checks thousands more.
TEST(JavaUriTest, ServerAuthority) {
  JavaUri u = ParseJavaUri("ldap://127.0.0.1:1389/a");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.scheme, "ldap");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 1389);
  EXPECT_EQ(u.path, "/a");
}

TEST(JavaUriTest, FragmentTrick) {
  JavaUri u = ParseJavaUri("ldap://127.0.0.1#evil.example:1389/a");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.fragment, "evil.example:1389/a");
}

TEST(JavaUriTest, RegistryAuthorityHasNoHost) {
  JavaUri u = ParseJavaUri("ldap://evil_host.example/a");
  ASSERT_TRUE(u.ok);
  EXPECT_FALSE(u.host);
  EXPECT_EQ(u.authority, "evil_host.example");
}

TEST(JavaUriTest, Rejections) {
  EXPECT_FALSE(ParseJavaUri("ldap://${env:X}.evil/a").ok);   // '{' is illegal
  EXPECT_FALSE(ParseJavaUri("ldap://x/a b").ok);            // space
  EXPECT_FALSE(ParseJavaUri("ldap://x/%zz").ok);            // malformed escape
  EXPECT_FALSE(ParseJavaUri(":x").ok);                      // empty scheme
  EXPECT_TRUE(ParseJavaUri("java:comp/env/x").ok);
  EXPECT_TRUE(ParseJavaUri("java:comp/env/x").opaque);
  EXPECT_TRUE(ParseJavaUri("ldap://[::1]:389/a").ok);
  EXPECT_EQ(ParseJavaUri("ldap://[::1]:389/a").host, "[::1]");
}

TEST(JndiTargetTest, Callback) {
  JndiTarget t = AnalyzeJndiName("ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=");
  EXPECT_EQ(t.scheme, "ldap");
  EXPECT_EQ(t.host, "198.51.100.23");
  EXPECT_EQ(t.port, 1389);
  EXPECT_EQ(t.path, "/Basic/Command/Base64/aWQ=");
  EXPECT_TRUE(t.remote);
  EXPECT_FALSE(t.passes_2_15);
}

TEST(JndiTargetTest, DefaultPortsAndSchemes) {
  EXPECT_EQ(AnalyzeJndiName("rmi://x.example/a").port, 1099);
  EXPECT_EQ(AnalyzeJndiName("dns://x.example").port, 53);
  EXPECT_FALSE(AnalyzeJndiName("LDAP://x.example/a").remote);  // JDK scheme names are case-sensitive
  EXPECT_FALSE(AnalyzeJndiName("http://x.example/a").remote);
  EXPECT_FALSE(AnalyzeJndiName("java:comp/env/x").remote);
  EXPECT_FALSE(AnalyzeJndiName("ldap:/x.example/a").remote);  // no authority: JDK uses localhost
}

TEST(JndiTargetTest, Passes215Checks) {
  JndiTarget t = AnalyzeJndiName("ldap://127.0.0.1#evil.example:1389/a");
  EXPECT_TRUE(t.passes_2_15);
  EXPECT_TRUE(t.allowlist_trick);
  EXPECT_TRUE(AnalyzeJndiName("ldap://localhost:1389/a").passes_2_15);
  EXPECT_FALSE(AnalyzeJndiName("rmi://127.0.0.1/a").passes_2_15);     // rmi not allowed
  EXPECT_FALSE(AnalyzeJndiName("ldap://${env:X}/a").passes_2_15);     // URISyntaxException
  EXPECT_TRUE(AnalyzeJndiName("ldap://victim:389/a", "victim").passes_2_15);
  EXPECT_FALSE(AnalyzeJndiName("ldap://LOCALHOST/a").passes_2_15);  // the allow list is case-sensitive
  EXPECT_FALSE(AnalyzeJndiName("ldap://LocalHost/a").allowlist_trick);
  EXPECT_EQ(AnalyzeJndiName("ldap://X.Example/a").host, "x.example");
}

}  // namespace
}  // namespace l4s::hunt
