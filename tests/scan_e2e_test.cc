// End-to-end tests of `log4shield scan` on the real fixture archives, plus
// archives assembled at test time from them (launcher scripts, STORED nesting,
// tar.xz/tar.zst, exploded folders). Expectations are written by hand from
// Apache's advisories and the fixtures' documented content.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

const std::string kFixtures = L4S_FIXTURES_DIR;
const std::string kJars = kFixtures + "/jars/";
const std::vector<std::string> kAllFour = {"CVE-2021-44228", "CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"};

using CommandResult = l4s::test::ShellResult;

CommandResult run(const std::string& args) {
  return l4s::test::run_shell(std::string(L4S_BINARY) + " " + args + " 2>/dev/null");
}

json scan_json(const std::string& paths, int* exit_code = nullptr) {
  CommandResult r = run("scan --quiet --format json " + paths);
  if (exit_code) *exit_code = r.exit_code;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid JSON from scan " << paths << ": " << e.what() << "\n" << r.out.substr(0, 2000);
    return json::object({{"findings", json::array()}, {"errors", json::array()}});
  }
}

std::string q(const std::string& s) { return l4s::test::shell_quote(s); }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The finding whose location ends with suffix, or null.
json find_at(const json& report, const std::string& suffix) {
  for (const auto& f : report["findings"])
    if (ends_with(f["location"].get<std::string>(), suffix)) return f;
  return nullptr;
}

std::vector<std::string> cves(const json& f) {
  auto v = f["cves"].get<std::vector<std::string>>();
  std::sort(v.begin(), v.end());
  return v;
}

class ScanE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!stdfs::exists(kFixtures + "/MANIFEST.tsv"))
      GTEST_SKIP() << "fixtures not found at " << kFixtures << " (end-to-end scan tests need ../shared/fixtures)";
    tmp_ = stdfs::path(L4S_TEST_TMP) / ("e2e-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_);
  }
  int sh(const std::string& cmd) { return std::system(("cd " + q(tmp_.string()) + " && " + cmd).c_str()); }
  stdfs::path tmp_;
};

TEST_F(ScanE2E, FindsLog4jNestedInTarsAndZipsToAnyDepth) {
  struct Case {
    std::string file, suffix, version;
  };
  const std::vector<Case> cases = {
      {"palantir-log4j-sniffer/examples/nested_very_deep/nested_thrice.tar.gz",
       "nested_twice.tar.gz!/wrapped_log4j.tar.gz!/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar", "!/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar.bz2", "!/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.tar.gz", "!/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/inside_a_dist/wrapped_log4j.zip", "!/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/inside_a_par/wrapped_in_a_par.par", "!/lib/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/par_in_a_dist/wrapped_par_in_a_dist.zip",
       "wrapped_in_a_par.par!/lib/log4j-core-2.14.1.jar", "2.14.1"},
      {"palantir-log4j-sniffer/examples/archived_fat_jar/archived_fat_jar.tar.gz", "!/fat_jar.jar", "2.14.1"},
      {"google-log4jscanner/jar/testdata/emptydirs.zip", "emptydirgalore/log4j-core-2.14.0.jar", "2.14.0"},
  };
  for (const auto& c : cases) {
    int rc = -1;
    json r = scan_json(q(kJars + c.file), &rc);
    json f = find_at(r, c.suffix);
    ASSERT_FALSE(f.is_null()) << c.file << " -> " << r.dump(1).substr(0, 3000);
    EXPECT_EQ(f["component"], "log4j-core") << c.file;
    EXPECT_EQ(f["version"], c.version) << c.file;
    EXPECT_EQ(f["status"], "vulnerable") << c.file;
    EXPECT_EQ(cves(f), kAllFour) << c.file;
    EXPECT_EQ(f["path"], kJars + c.file);
    EXPECT_EQ(rc, 1) << c.file;
  }
}

TEST_F(ScanE2E, TellsApartSeveralVersionsInOneArchive) {
  json r = scan_json(q(kJars +
      "palantir-log4j-sniffer/examples/multiple_bad_versions_in_single_archive/multiple_bad_versions_in_single_archive.tar.gz"));
  json a = find_at(r, "!/log4j-core-2.14.0.jar"), b = find_at(r, "!/log4j-core-2.15.0.jar");
  ASSERT_FALSE(a.is_null());
  ASSERT_FALSE(b.is_null());
  EXPECT_EQ(a["version"], "2.14.0");
  EXPECT_EQ(cves(a), kAllFour);
  EXPECT_EQ(b["version"], "2.15.0");
  EXPECT_EQ(cves(b), (std::vector<std::string>{"CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"}));
}

TEST_F(ScanE2E, WarWithManyTrimmedCoresGetsEachVersion) {
  json r = scan_json(q(kJars + "logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j2/loggingBuddies.war"));
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"2.12.1", kAllFour},
      {"2.12.3", {"CVE-2021-44832"}},
      {"2.14.0", kAllFour},
      {"2.15.0", {"CVE-2021-44832", "CVE-2021-45046", "CVE-2021-45105"}},
      {"2.16.0", {"CVE-2021-44832", "CVE-2021-45105"}},
      {"2.17.0", {"CVE-2021-44832"}},
  };
  std::set<std::string> seen;
  for (const auto& f : r["findings"]) {
    if (f["component"] != "log4j-core" || f["version"].is_null()) continue;
    seen.insert(f["version"].get<std::string>());
    for (const auto& [v, c] : expected) {
      if (f["version"] == v) {
        EXPECT_EQ(cves(f), c) << v;
      }
    }
  }
  for (const auto& [v, c] : expected) EXPECT_TRUE(seen.count(v)) << "missing " << v << " in " << r.dump(1).substr(0, 4000);
}

TEST_F(ScanE2E, JarInJarInJar) {
  json r = scan_json(q(kJars + "logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j2/outerlog4j.jar"));
  json f = find_at(r, "innerlog4j.jar!/log4j-core.2.15.0.jar");
  ASSERT_FALSE(f.is_null()) << r.dump(1);
  EXPECT_EQ(f["version"], "2.15.0");
}

TEST_F(ScanE2E, Log4j1InsideEarInsideAar) {
  json r = scan_json(q(kJars + "logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j1/log4j1_buddies_outer.aar"));
  json f = find_at(r, "log4j1_buddies.ear!/log4j-1.2.17.jar");
  ASSERT_FALSE(f.is_null()) << r.dump(1);
  EXPECT_EQ(f["component"], "log4j");
  EXPECT_EQ(f["version"], "1.2.17");
  json g = find_at(r, "log4j1_buddies.ear!/log4j-1.2.17_potentially.jar");
  ASSERT_FALSE(g.is_null());
  auto c = cves(g);
  EXPECT_TRUE(std::find(c.begin(), c.end(), "CVE-2021-4104") != c.end()) << g.dump();  // JMSAppender present
}

TEST_F(ScanE2E, HostileArchivesAreErrorsNotCrashes) {
  const std::vector<std::string> files = {
      "google-log4jscanner/jar/testdata/zipbombs/zbsm.jar",
      "google-log4jscanner/jar/testdata/zipbombs/zbsm_in_jar.jar",
      "google-log4jscanner/jar/testdata/zipbombs/r.zip",
      "google-log4jscanner/jar/testdata/notarealjar.jar",
  };
  for (const auto& file : files) {
    int rc = -1;
    json r = scan_json(q(kJars + file), &rc);
    EXPECT_FALSE(r["errors"].empty()) << file << ": " << r.dump(1);
    EXPECT_EQ(rc, 2) << file;
    for (const auto& e : r["errors"]) {
      EXPECT_EQ(e["location"].get<std::string>().rfind(kJars + file, 0), 0u) << e.dump();
      EXPECT_FALSE(e["error"].get<std::string>().empty());
    }
  }
}

TEST_F(ScanE2E, CorruptJarStillReportsWhatIsReadableAndTheError) {
  int rc = -1;
  json r = scan_json(q(kJars + "google-log4jscanner/jar/testdata/corrupt_jar_in_jar.jar"), &rc);
  EXPECT_FALSE(r["errors"].empty()) << r.dump(1);
  EXPECT_NE(rc, 0);
}

TEST_F(ScanE2E, PeakMemoryStaysBoundedOnBombsAndHugeEntries) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan's shadow memory and free quarantine add hundreds of MiB: the bound
  // is the product's, checked by the release build of this test.
  GTEST_SKIP() << "RSS bound not meaningful under AddressSanitizer";
#endif
  std::string files;
  for (const char* f : {"400mb.jar", "400mb_jar_in_jar.jar", "zipbombs/zbsm.jar", "zipbombs/zbsm_in_jar.jar",
                        "zipbombs/r.zip"})
    files += " " + q(kJars + "google-log4jscanner/jar/testdata/" + f);
  CommandResult r = run("scan --quiet --format json" + files);
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.out;
  struct rusage ru {};
  getrusage(RUSAGE_CHILDREN, &ru);
  EXPECT_LT(ru.ru_maxrss, 512 * 1024) << "peak RSS of a child in KiB";
}

TEST_F(ScanE2E, LauncherScriptPrefixedJarIsFound) {
  ASSERT_EQ(sh("printf '#!/bin/sh\\nexec java -jar \"$0\" \"$@\"\\n' > app.run && cat " +
               q(kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar") + " >> app.run"), 0);
  json r = scan_json(q((tmp_ / "app.run").string()));
  json f = find_at(r, "app.run");
  ASSERT_FALSE(f.is_null()) << r.dump(1);
  EXPECT_EQ(f["version"], "2.14.1");
}

TEST_F(ScanE2E, StoredNestedJarIsReadInPlaceAndCompressedTarsWork) {
  std::string jar = q(kJars + "mergebase-log4j-samples/false-hits/log4j-core-2.17.0.jar");
  ASSERT_EQ(sh("mkdir -p lib && cp " + jar + " lib/inner.bin && zip -q -0 stored.jar lib/inner.bin && "
               "tar --zstd -cf dist.tar.zst lib && tar -cJf dist.tar.xz lib"), 0);
  for (const char* name : {"stored.jar", "dist.tar.zst", "dist.tar.xz"}) {
    json r = scan_json(q((tmp_ / name).string()));
    json f = find_at(r, std::string(name) + "!/lib/inner.bin");
    ASSERT_FALSE(f.is_null()) << name << " " << r.dump(1);
    EXPECT_EQ(f["version"], "2.17.0") << name;  // found by content, not by its .bin name
    EXPECT_EQ(cves(f), std::vector<std::string>{"CVE-2021-44832"});
  }
}

TEST_F(ScanE2E, ExplodedClassFolderIsFound) {
  ASSERT_EQ(sh("mkdir -p app/WEB-INF/classes && cd app/WEB-INF/classes && unzip -q " +
               q(kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.12.0.jar")), 0);
  json r = scan_json(q((tmp_ / "app").string()));
  ASSERT_EQ(r["findings"].size(), 1u) << r.dump(1);
  const json& f = r["findings"][0];
  EXPECT_EQ(f["component"], "log4j-core");
  EXPECT_EQ(f["location"], (tmp_ / "app/WEB-INF/classes").string());
  EXPECT_EQ(f["version"], "2.12.0");
  EXPECT_EQ(cves(f), kAllFour);
}

TEST_F(ScanE2E, ExitCodesAndFormats) {
  std::string safe = q(kJars + "pfichtner-log4shell-hunter/src/test/resources/log4jars/log4j-core-2.17.2.jar");
  std::string vuln = q(kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar");
  std::string mitigated = q(kJars + "google-log4jscanner/jar/testdata/log4j-core-2.14.0.jar.patched");
  EXPECT_EQ(run("scan --quiet " + safe).exit_code, 0);
  EXPECT_EQ(run("scan --quiet " + vuln).exit_code, 1);
  EXPECT_EQ(run("scan --quiet " + mitigated).exit_code, 0);
  EXPECT_EQ(run("scan --quiet --format nope " + safe).exit_code, 64);
  EXPECT_EQ(run("scan --no-such-flag").exit_code, 64);
  EXPECT_EQ(run("--version").exit_code, 0);
  EXPECT_NE(run("--version").out.find("log4shield"), std::string::npos);
  EXPECT_EQ(run("scan --help").exit_code, 0);

  CommandResult jl = run("scan --quiet --format jsonl " + vuln + " " + safe);
  std::istringstream lines(jl.out);
  std::string line, last;
  int findings = 0;
  while (std::getline(lines, line)) {
    json j = json::parse(line);
    if (j["type"] == "finding") ++findings;
    last = j["type"];
  }
  EXPECT_EQ(findings, 2);
  EXPECT_EQ(last, "summary");

  CommandResult csv = run("scan --quiet --format csv " + vuln);
  EXPECT_EQ(csv.out.rfind("host,path,location,component,version", 0), 0u);
  EXPECT_NE(csv.out.find("\"2.14.1\""), std::string::npos);

  std::string out = (tmp_ / "report.json").string();
  EXPECT_EQ(run("scan --quiet --format json -o " + q(out) + " " + vuln).exit_code, 1);
  std::ifstream in(out);
  json j = json::parse(in);
  EXPECT_EQ(j["findings"].size(), 1u);
  json m = scan_json(mitigated);
  ASSERT_EQ(m["findings"].size(), 1u);
  EXPECT_EQ(m["findings"][0]["status"], "mitigated");
}

TEST_F(ScanE2E, WalksDirectoriesSkipsFifosAndHonoursExcludes) {
  ASSERT_EQ(sh("mkdir -p d/keep d/skip && mkfifo d/pipe.jar && cp " +
               q(kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.4.jar") + " d/keep/ && cp " +
               q(kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.9.1.jar") + " d/skip/ && ln -s .. d/loop"), 0);
  json r = scan_json("--exclude skip --follow-symlinks " + q((tmp_ / "d").string()));
  ASSERT_EQ(r["findings"].size(), 1u) << r.dump(1);
  EXPECT_EQ(r["findings"][0]["version"], "2.4");
  EXPECT_GE(r["stats"]["files"].get<int>(), 1);
}

}  // namespace

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

// Every "nested" row of the hand-written expectations table (shared with the
// detector's fixture test) holds for a full `scan` of its fixture.
TEST_F(ScanE2E, EveryNestedExpectationHolds) {
  std::ifstream in(std::string(L4S_SOURCE_DIR) + "/src/inventory/testdata/fixture_expectations.tsv");
  ASSERT_TRUE(in) << "expectations table missing";
  std::map<std::string, std::vector<std::vector<std::string>>> rows_by_path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("path\t", 0) == 0) continue;
    auto cols = split(line, '\t');
    if (cols.size() >= 11 && cols[1] == "nested") rows_by_path[cols[0]].push_back(cols);
  }
  ASSERT_GE(rows_by_path.size(), 20u);
  size_t checked = 0;
  for (const auto& [rel, rows] : rows_by_path) {
    const std::string file = kFixtures + "/" + rel;
    json r = scan_json(q(file));
    for (const auto& c : rows) {
      const std::string want_loc = file + c[2];
      SCOPED_TRACE(want_loc);
      if (c[3] == "error") {
        bool found = false;
        for (const auto& e : r["errors"]) found |= e["location"] == want_loc;
        EXPECT_TRUE(found) << r["errors"].dump(1);
        ++checked;
        continue;
      }
      json f = nullptr;
      for (const auto& x : r["findings"])
        if (x["location"] == want_loc && x["component"] == c[3]) f = x;
      ASSERT_FALSE(f.is_null()) << r.dump(1).substr(0, 4000);
      EXPECT_EQ(f["version"].is_null() ? "-" : f["version"].get<std::string>(), c[4]);
      EXPECT_EQ(f["version_range"].is_null() ? "-" : f["version_range"].get<std::string>(), c[5]);
      EXPECT_EQ(f["status"], c[6]);
      std::string got_cves;
      for (const auto& id : cves(f)) got_cves += (got_cves.empty() ? "" : ",") + id;
      EXPECT_EQ(got_cves.empty() ? "-" : got_cves, c[7]);
      ++checked;
    }
  }
  EXPECT_GE(checked, 30u);
}

}  // namespace
