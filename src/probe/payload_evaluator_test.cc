// Every probe payload is run through our own Log4j evaluator (the one that is
// differentially tested against Log4j 2.14.1): a WAF-evasion template that
// Log4j would not resolve to our canary would prove nothing when it stays
// silent, so each must reach JNDI with the token, on the canary it names.
#include <gtest/gtest.h>

#include "hunt/evaluator.h"
#include "hunt/jndi_name.h"
#include "probe/payload.h"

namespace l4s::net {
namespace {

struct Expected {
  std::string scheme, host;
  int port;
};

Expected expected_target(std::string_view id) {
  if (id == "rmi") return {"rmi", "127.0.0.1", 1099};
  if (id == "dns") return {"dns", "127.0.0.1", 5353};
  if (id == "dns-label") return {"ldap", "317529.abcdefghijkl0123.cb.test", 99999};
  if (id == "dns-host") return {"ldap", "xvictim-host.abcdefghijkl0123.cb.test", 389};
  return {"ldap", "127.0.0.1", 1389};
}

TEST(PayloadEvaluatorTest, EveryVariantReachesTheCanaryThroughLog4jsOwnRules) {
  PayloadContext ctx;
  ctx.ldap = "127.0.0.1:1389";
  ctx.rmi = "127.0.0.1:1099";
  ctx.dns = "127.0.0.1:5353";
  ctx.zone = "cb.test";
  const std::string token = "abcdefghijkl0123";
  for (const PayloadVariant& v : payload_variants()) {
    auto payload = make_payload(v, ctx, token);
    ASSERT_TRUE(payload.ok()) << v.id;
    // Both call paths: a header value logged as a parameter ({}), and the
    // same value concatenated into the message (%m re-substitution).
    for (auto path : {hunt::EvalPath::kSubstitute, hunt::EvalPath::kMessage}) {
      for (bool config_file : {true, false}) {
        hunt::LookupEnvironment env;
        env.config_file = config_file;
        hunt::Evaluation e = hunt::evaluate_lookups("User-Agent: " + *payload, path, env);
        ASSERT_EQ(e.outcome, hunt::EvalOutcome::kCompleted) << v.id;
        ASSERT_EQ(e.jndi_names.size(), 1u) << v.id << ": " << *payload;
        const std::string& name = e.jndi_names[0];
        EXPECT_NE(name.find(token), std::string::npos) << v.id << ": " << name;
        hunt::JndiTarget t = hunt::analyze_jndi_name(name);
        const Expected want = expected_target(v.id);
        EXPECT_EQ(t.scheme, want.scheme) << v.id << ": " << name;
        EXPECT_TRUE(t.remote) << v.id << ": " << name;
        if (std::string_view(v.id) == "cve-2021-45046") {
          // Java's URI sees host 127.0.0.1 (allowed by 2.15.0); the resolver sees the rest.
          EXPECT_TRUE(t.allowlist_trick) << name;
          EXPECT_TRUE(t.passes_2_15) << name;
          continue;
        }
        EXPECT_EQ(t.host, want.host) << v.id << ": " << name;
        EXPECT_EQ(t.port, want.port) << v.id << ": " << name;
      }
    }
  }
}

TEST(PayloadEvaluatorTest, LdapInfoSmugglesJavaVersionAndHostName) {
  auto p = make_payload(*find_variant("ldap-info"), PayloadContext{}, "tok");
  ASSERT_TRUE(p.ok());
  hunt::Evaluation e = hunt::evaluate_lookups(*p, hunt::EvalPath::kSubstitute);
  ASSERT_EQ(e.jndi_names.size(), 1u);
  EXPECT_EQ(e.jndi_names[0], "ldap://127.0.0.1:1389/tok/Java version 1.8.0_181/victim-host");
}

}  // namespace
}  // namespace l4s::net
