#include "hunt/jndi_name.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

// Expected values are java.net.URI's (OpenJDK 17); the differential test
// checks thousands more.
TEST(JavaUriTest, ServerAuthority) {
  JavaUri u = parse_java_uri("ldap://127.0.0.1:1389/a");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.scheme, "ldap");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 1389);
  EXPECT_EQ(u.path, "/a");
}

TEST(JavaUriTest, FragmentTrick) {
  JavaUri u = parse_java_uri("ldap://127.0.0.1#evil.example:1389/a");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.fragment, "evil.example:1389/a");
}

TEST(JavaUriTest, RegistryAuthorityHasNoHost) {
  JavaUri u = parse_java_uri("ldap://evil_host.example/a");
  ASSERT_TRUE(u.ok);
  EXPECT_FALSE(u.host);
  EXPECT_EQ(u.authority, "evil_host.example");
}

TEST(JavaUriTest, Rejections) {
  EXPECT_FALSE(parse_java_uri("ldap://${env:X}.evil/a").ok);   // '{' is illegal
  EXPECT_FALSE(parse_java_uri("ldap://x/a b").ok);            // space
  EXPECT_FALSE(parse_java_uri("ldap://x/%zz").ok);            // malformed escape
  EXPECT_FALSE(parse_java_uri(":x").ok);                      // empty scheme
  EXPECT_TRUE(parse_java_uri("java:comp/env/x").ok);
  EXPECT_TRUE(parse_java_uri("java:comp/env/x").opaque);
  EXPECT_TRUE(parse_java_uri("ldap://[::1]:389/a").ok);
  EXPECT_EQ(parse_java_uri("ldap://[::1]:389/a").host, "[::1]");
}

TEST(JndiTargetTest, Callback) {
  JndiTarget t = analyze_jndi_name("ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=");
  EXPECT_EQ(t.scheme, "ldap");
  EXPECT_EQ(t.host, "198.51.100.23");
  EXPECT_EQ(t.port, 1389);
  EXPECT_EQ(t.path, "/Basic/Command/Base64/aWQ=");
  EXPECT_TRUE(t.remote);
  EXPECT_FALSE(t.passes_2_15);
}

TEST(JndiTargetTest, DefaultPortsAndSchemes) {
  EXPECT_EQ(analyze_jndi_name("rmi://x.example/a").port, 1099);
  EXPECT_EQ(analyze_jndi_name("dns://x.example").port, 53);
  EXPECT_FALSE(analyze_jndi_name("LDAP://x.example/a").remote);  // JDK scheme names are case-sensitive
  EXPECT_FALSE(analyze_jndi_name("http://x.example/a").remote);
  EXPECT_FALSE(analyze_jndi_name("java:comp/env/x").remote);
  EXPECT_FALSE(analyze_jndi_name("ldap:/x.example/a").remote);  // no authority: JDK uses localhost
}

TEST(JndiTargetTest, Passes215Checks) {
  JndiTarget t = analyze_jndi_name("ldap://127.0.0.1#evil.example:1389/a");
  EXPECT_TRUE(t.passes_2_15);
  EXPECT_TRUE(t.allowlist_trick);
  EXPECT_TRUE(analyze_jndi_name("ldap://localhost:1389/a").passes_2_15);
  EXPECT_FALSE(analyze_jndi_name("rmi://127.0.0.1/a").passes_2_15);     // rmi not allowed
  EXPECT_FALSE(analyze_jndi_name("ldap://${env:X}/a").passes_2_15);     // URISyntaxException
  EXPECT_TRUE(analyze_jndi_name("ldap://victim:389/a", "victim").passes_2_15);
  EXPECT_FALSE(analyze_jndi_name("ldap://LOCALHOST/a").passes_2_15);  // the allow list is case-sensitive
  EXPECT_FALSE(analyze_jndi_name("ldap://LocalHost/a").allowlist_trick);
  EXPECT_EQ(analyze_jndi_name("ldap://X.Example/a").host, "x.example");
}

}  // namespace
}  // namespace l4s::hunt
