#include "report/scan_report.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace l4s::report {
namespace {

ScanReport sample() {
  ScanReport r;
  r.tool_version = "1.2.3";
  r.host = "web01";
  r.started = "2026-11-28T04:00:00Z";
  r.finished = "2026-11-28T04:00:01Z";
  r.roots = {"/opt"};
  r.stats.files = 10;
  Finding f;
  f.path = "/opt/app.war";
  f.location = "/opt/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar";
  f.component = "log4j-core";
  f.version = "2.14.1";
  f.version_source = "pom";
  f.status = FindingStatus::kVulnerable;
  f.cves = {"CVE-2021-44228", "CVE-2021-45046"};
  f.severity = Severity::kCritical;
  f.evidence = {"JndiManager: no isJndiEnabled"};
  r.findings.push_back(f);
  Finding g = f;
  g.location = "=cmd|' /C calc'!A0";  // formula injection attempt in a file name
  g.version.reset();
  g.version_range = "2.13.0..2.14.1";
  r.findings.push_back(g);
  r.errors.push_back({"/opt/broken.jar", "not a zip archive: end of central directory not found"});
  return r;
}

TEST(ScanReportTest, JsonHasTheDocumentedSchema) {
  std::ostringstream out;
  write_json(sample(), out);
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["tool"]["name"], "log4shield");
  EXPECT_EQ(j["tool"]["version"], "1.2.3");
  EXPECT_EQ(j["host"], "web01");
  for (const char* k : {"started", "finished", "roots", "stats", "findings", "errors"}) EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"files", "archives", "bytes_read", "errors", "seconds", "apple_double"})
    EXPECT_TRUE(j["stats"].contains(k)) << k;
  const auto& f = j["findings"][0];
  for (const char* k : {"path", "location", "component", "version", "version_source", "status", "cves", "severity",
                        "shaded_prefix", "evidence"})
    EXPECT_TRUE(f.contains(k)) << k;
  EXPECT_EQ(f["status"], "vulnerable");
  EXPECT_EQ(f["severity"], "critical");
  EXPECT_TRUE(j["findings"][1]["version"].is_null());
  EXPECT_EQ(j["findings"][1]["version_range"], "2.13.0..2.14.1");
  EXPECT_EQ(j["errors"][0]["location"], "/opt/broken.jar");
}

TEST(ScanReportTest, JsonlTypesEveryLine) {
  std::ostringstream out;
  write_jsonl(sample(), out);
  std::istringstream in(out.str());
  std::string line;
  std::vector<std::string> types;
  while (std::getline(in, line)) types.push_back(nlohmann::json::parse(line)["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"finding", "finding", "error", "summary"}));
}

TEST(ScanReportTest, CsvQuotesAndDefusesFormulas) {
  std::ostringstream out;
  write_csv(sample(), out);
  std::string csv = out.str();
  EXPECT_NE(csv.find("\"'=cmd|' /C calc'!A0\""), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"CVE-2021-44228 CVE-2021-45046\""), std::string::npos);
  EXPECT_NE(csv.find("\"error\""), std::string::npos);
}

TEST(ScanReportTest, TextNamesStatusVersionAndCves) {
  std::ostringstream out;
  write_text(sample(), out, false);
  std::string t = out.str();
  EXPECT_NE(t.find("[VULNERABLE] /opt/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar: log4j-core 2.14.1 (CVE-2021-44228"),
            std::string::npos) << t;
  EXPECT_NE(t.find("2.13.0..2.14.1"), std::string::npos);
  EXPECT_NE(t.find("[error] /opt/broken.jar"), std::string::npos);
  EXPECT_EQ(t.find("\033["), std::string::npos);  // no colour when asked for none
}

TEST(ScanReportTest, AppleDoubleForksAreCountedInJsonAndSummary) {
  ScanReport r = sample();
  r.stats.apple_double = 3;
  std::ostringstream json, text, none;
  write_json(r, json);
  EXPECT_EQ(nlohmann::json::parse(json.str())["stats"]["apple_double"], 3);
  write_text(r, text, false);
  EXPECT_NE(text.str().find("Scanned 10 files, 0 archives, 3 AppleDouble forks skipped, "), std::string::npos) << text.str();
  // None met: the summary line stays as it was.
  write_text(sample(), none, false);
  EXPECT_NE(none.str().find("Scanned 10 files, 0 archives, 0 MiB in "), std::string::npos) << none.str();
}

}  // namespace
}  // namespace l4s::report
