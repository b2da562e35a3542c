#include "report/sarif.h"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/schema_checks.h"

namespace l4s::report {
namespace {

ScanReport sample(const std::string& host) {
  ScanReport r;
  r.tool_version = "1.2.3";
  r.host = host;
  r.started = "2026-11-28T04:00:00Z";
  r.finished = "2026-11-28T04:00:01Z";
  r.roots = {"/opt"};
  Finding f;
  f.path = "/opt/app.war";
  f.location = "/opt/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar";
  f.component = "log4j-core";
  f.version = "2.14.1";
  f.status = FindingStatus::kVulnerable;
  f.cves = {"CVE-2021-44228", "CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"};
  f.severity = Severity::kCritical;
  r.findings.push_back(f);
  Finding m = f;
  m.path = m.location = "/opt/lib/log4j-core-2.15.0.jar";
  m.version = "2.15.0";
  m.status = FindingStatus::kMitigated;
  m.cves = {"CVE-2021-44832", "CVE-2021-45105"};
  m.mitigated_cves = {"CVE-2021-45046"};
  m.severity = Severity::kMedium;
  r.findings.push_back(m);
  Finding s = f;
  s.path = s.location = "/opt/lib/log4j-core-2.17.1.jar";
  s.version = "2.17.1";
  s.status = FindingStatus::kSafe;
  s.cves.clear();
  s.severity = Severity::kNone;
  r.findings.push_back(s);
  r.errors.push_back({"/opt/broken.jar", "not a zip archive"});
  return r;
}

TEST(SarifTest, ConformsAndHasOneResultPerUnsafeFinding) {
  std::ostringstream out;
  write_sarif({sample("web01"), sample("web02")}, out);
  auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(schema::check_sarif_2_1_0(doc), std::vector<std::string>{});
  ASSERT_EQ(doc["runs"].size(), 2u);
  const auto& results = doc["runs"][0]["results"];
  ASSERT_EQ(results.size(), 2u);  // the safe 2.17.1 gives none
  EXPECT_EQ(results[0]["ruleId"], "CVE-2021-44228");
  EXPECT_EQ(results[0]["level"], "error");
  EXPECT_EQ(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "file:///opt/app.war");
  EXPECT_EQ(results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "/opt/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar");
  EXPECT_EQ(results[1]["ruleId"], "CVE-2021-44832");  // 6.6 beats 45105's 5.9
  EXPECT_EQ(results[1]["level"], "warning");
  EXPECT_EQ(doc["runs"][1]["properties"]["host"], "web02");
  EXPECT_NE(results[0]["partialFingerprints"], doc["runs"][1]["results"][0]["partialFingerprints"]);
  EXPECT_EQ(doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].size(), 1u);
}

TEST(SarifTest, CheckerCatchesMissingRequiredFields) {
  nlohmann::json doc = {{"version", "2.1.0"}, {"runs", {{{"tool", {{"driver", nlohmann::json::object()}}}}}}};
  EXPECT_FALSE(schema::check_sarif_2_1_0(doc).empty());
  doc = {{"version", "2.1.0"},
         {"runs", {{{"tool", {{"driver", {{"name", "x"}}}}}, {"results", {{{"ruleId", "a"}}}}}}}};
  EXPECT_EQ(schema::check_sarif_2_1_0(doc).size(), 2u);  // no message, unknown rule
}

TEST(CycloneDxTest, ConformsWithVexStates) {
  std::ostringstream out;
  write_cyclonedx({sample("web01")}, "2026-11-28T05:00:00Z", out);
  auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(schema::check_cyclonedx_1_5(doc), std::vector<std::string>{});
  ASSERT_EQ(doc["components"].size(), 3u);
  EXPECT_EQ(doc["components"][0]["purl"], "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
  std::map<std::string, std::string> state_of;  // "cve/state" -> affects count
  for (const auto& v : doc["vulnerabilities"])
    state_of[v["id"].get<std::string>() + "/" + v["analysis"]["state"].get<std::string>()] =
        std::to_string(v["affects"].size()) + (v["analysis"].contains("justification")
                                                   ? ":" + v["analysis"]["justification"].get<std::string>()
                                                   : "");
  EXPECT_EQ(state_of["CVE-2021-44228/exploitable"], "1");
  EXPECT_EQ(state_of["CVE-2021-45105/exploitable"], "2");
  EXPECT_EQ(state_of["CVE-2021-45046/exploitable"], "1");
  EXPECT_EQ(state_of["CVE-2021-45046/not_affected"], "1:code_not_present");
  EXPECT_EQ(state_of.size(), 5u);
  // Same reports, same serial number.
  std::ostringstream again;
  write_cyclonedx({sample("web01")}, "2026-11-28T06:00:00Z", again);
  EXPECT_EQ(nlohmann::json::parse(again.str())["serialNumber"], doc["serialNumber"]);
}

TEST(CycloneDxTest, CheckerCatchesViolations) {
  nlohmann::json doc = {{"bomFormat", "CycloneDX"},
                        {"specVersion", "1.5"},
                        {"serialNumber", "urn:uuid:nope"},
                        {"components", {{{"name", "x"}}}},
                        {"vulnerabilities", {{{"analysis", {{"state", "maybe"}}}, {"affects", {{{"ref", "zz"}}}}}}}};
  EXPECT_EQ(schema::check_cyclonedx_1_5(doc).size(), 4u);
}

}  // namespace
}  // namespace l4s::report
