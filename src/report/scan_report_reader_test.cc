#include "report/scan_report_reader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace l4s::report {
namespace {

ScanReport sample() {
  ScanReport r;
  r.tool_version = "0.1.0";
  r.host = "web01";
  r.started = "2026-11-20T10:00:00Z";
  r.finished = "2026-11-20T10:00:05Z";
  r.roots = {"/opt"};
  r.stats = {3, 2, 10, 1, 0.5, 4};
  Finding f;
  f.path = "/opt/a.jar";
  f.location = "/opt/a.jar!/lib/core.jar";
  f.component = "log4j-core";
  f.version = "2.14.1";
  f.version_source = "pom";
  f.status = FindingStatus::kVulnerable;
  f.cves = {"CVE-2021-44228", "CVE-2021-45046"};
  f.severity = Severity::kCritical;
  f.shaded_prefix = "shaded/";
  f.metadata_mismatch = true;
  f.claimed_version = "2.17.1";
  f.evidence = {"pom says 2.14.1"};
  f.process = ProcessRef{42, "app", "java -jar a.jar", true, false};
  r.findings.push_back(f);
  Finding g;
  g.path = g.location = "/opt/b.jar";
  g.component = "logback-classic";
  g.version_range = "1.2.0..1.2.3";
  r.findings.push_back(g);
  r.errors.push_back({"/opt/bad.jar", "truncated"});
  return r;
}

void expect_same(const ScanReport& a, const ScanReport& b) {
  std::ostringstream x, y;
  write_json(a, x);
  write_json(b, y);
  EXPECT_EQ(x.str(), y.str());
}

TEST(ScanReportReader, RoundTripsJsonAndJsonl) {
  const ScanReport r = sample();
  std::ostringstream json, jsonl;
  write_json(r, json);
  write_jsonl(r, jsonl);
  auto a = read_scan_report(json.str(), "r.json");
  ASSERT_TRUE(a.ok()) << a.error();
  expect_same(*a, r);
  auto b = read_scan_report(jsonl.str(), "r.jsonl");
  ASSERT_TRUE(b.ok()) << b.error();
  expect_same(*b, r);
}

TEST(ScanReportReader, MissingFieldsTakeDefaults) {
  auto r = read_scan_report(R"({"findings":[{"path":"/a.jar"}]})", "r");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].status, FindingStatus::kSafe);
  EXPECT_EQ(r->findings[0].severity, Severity::kNone);
  EXPECT_FALSE(r->findings[0].version);
  EXPECT_TRUE(r->errors.empty());
}

TEST(ScanReportReader, JsonlHostIsTheFirstFindingOrSummaryThatNamesOne) {
  auto r = read_scan_report("{\"type\":\"error\",\"host\":\"e\",\"location\":\"x\",\"error\":\"y\"}\n\n"
                            "{\"type\":\"finding\",\"path\":\"/a\"}\n"
                            "{\"type\":\"summary\",\"host\":\"s\",\"roots\":[\"/\"]}\n",
                            "r");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->host, "s");
  EXPECT_EQ(r->roots, std::vector<std::string>{"/"});
  EXPECT_EQ(r->errors.size(), 1u);
}

TEST(ScanReportReader, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "r: empty report"},
      {"\n  \n", "r: empty report"},
      {"{\"type\":1}", "r:1: no \"type\" string"},
      {"{\"type\":\"finding\"}\n[1]", "r:2: not a scan report"},
      {"{\"type\":\"finding\"}\n{\"type\":\"detection\"}", "r:2: \"type\" is \"detection\""},
      {"\n{\"type\":\"finding\",\"path\":5}", "r:2: \"path\" is not a string"},
      {"{\"type\":\"finding\",\"host\":[]}", "r:1: \"host\" is not a string"},
      {"{\"type\":\"finding\",\"status\":\"bad\"}", "r:1: \"status\" is \"bad\", not vulnerable"},
      {"{\"type\":\"finding\",\"cves\":[1]}", "r:1: \"cves\" is not an array of strings"},
      {"{\"type\":\"finding\",\"metadata_mismatch\":\"no\"}", "r:1: \"metadata_mismatch\" is not true or false"},
      {"{\"type\":\"finding\",\"process\":{\"pid\":\"1\"}}", "r:1: process: \"pid\" is not a number"},
      {"{\"type\":\"summary\",\"stats\":{\"files\":-1}}", "r:1: stats: \"files\" is not a number"},
      {"{\"type\":\"summary\",\"tool\":\"x\"}", "r:1: \"tool\" is not an object"},
      {"{\"findings\":5}", "r: \"findings\" is not an array"},
      {"{\"findings\":[1]}", "r: findings[0]: a finding is not a JSON object"},
      {"{\"findings\":[],\"errors\":[{\"error\":3}]}", "r: errors[0]: \"error\" is not a string"},
      {"{\n  \"findings\": [\n    {\"path\": \"a\"},,\n  ]\n}\n", "r:3: not a scan report"},
      {"{\n \"detections\": []\n}\n", "r:1: not a scan report"},
  };
  for (const Case& c : cases) {
    auto r = read_scan_report(c.text, "r");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().rfind(c.error, 0), 0u) << c.text << " gave " << r.error();
  }
}

// Found by scan_report_reader_fuzz: a number too large for a double made
// nlohmann throw out_of_range (not parse_error) out of the reader.
TEST(ScanReportReader, HugeNumbersAreAnErrorNotAnException) {
  for (const char* text : {"7e707", "{\"findings\": [], \"stats\": {\"files\": 1e999}}", "{\"type\": 1e400}"}) {
    Result<ScanReport> r = read_scan_report(text, "big.json");
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_NE(r.error().find("big.json"), std::string::npos) << r.error();
    }
  }
}

TEST(ScanReportReader, ReadsFiles) {
  namespace stdfs = std::filesystem;
  const stdfs::path dir = stdfs::path(L4S_TEST_TMP) / "scan_report_reader";
  stdfs::create_directories(dir);
  const std::string file = (dir / "r.json").string();
  {
    std::ofstream out(file);
    write_json(sample(), out);
  }
  auto r = read_scan_report_file(file);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->findings.size(), 2u);
  auto missing = read_scan_report_file((dir / "none.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), (dir / "none.json").string() + ": cannot read");
}

}  // namespace
}  // namespace l4s::report
