#include "remediate/fix_report.h"

#include <gtest/gtest.h>

namespace l4s::remediate {
namespace {

Finding finding(const std::string& path, const std::string& location, FindingStatus status = FindingStatus::kVulnerable) {
  Finding f;
  f.path = path;
  f.location = location;
  f.component = "log4j-core";
  f.status = status;
  return f;
}

FileFix fixed_file() {
  FileFix r;
  r.path = "/opt/a.jar";
  r.real_path = "/srv/a.jar";
  r.outcome = FixOutcome::kFixed;
  r.original_sha256 = "abc";
  r.targets.push_back({"/opt/a.jar", "log4j-core", true, "", {"/opt/a.jar!/JndiLookup.class"}, {}});
  r.removed = {"/opt/a.jar!/JndiLookup.class"};
  r.before = {finding("/opt/a.jar", "/opt/a.jar")};
  r.after = {finding("/opt/a.jar", "/opt/a.jar", FindingStatus::kMitigated)};
  return r;
}

// A class folder: its classes were moved, and no open file tells which JVM loaded them.
TEST(FixReport, AFixedClassFolderSaysWhereTheClassWentAndToRestart) {
  FileFix r = fixed_file();
  r.path = r.real_path = "/srv/app/WEB-INF/classes";
  r.class_folder = true;
  r.targets[0].location = r.path;
  r.targets[0].removed = {r.path + "/org/JndiLookup.class"};
  std::vector<Finding> fs = {finding(r.path, r.path, FindingStatus::kMitigated)};
  std::vector<ScanError> es;
  annotate_fix(r, "/var/backups", &fs, &es);
  EXPECT_EQ(fs[0].evidence, (std::vector<std::string>{
                                "fixed by log4shield: removed /srv/app/WEB-INF/classes/org/JndiLookup.class",
                                "moved into the backup store /var/backups (sha256 abc); restore puts it back",
                                "a running JVM that already loaded it keeps it until restarted"}));
  EXPECT_TRUE(es.empty());
}

TEST(FixReport, TargetsOfAReportAreItsVulnerableLocations) {
  std::vector<Finding> reported = {finding("/a.jar", "/a.jar!/b.jar"), finding("/a.jar", "/a.jar"),
                                   finding("/c.jar", "/c.jar", FindingStatus::kSafe), finding("", "/d.jar")};
  FixTargets t = fix_targets_of_report(reported);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t["/a.jar"], (std::set<std::string>{"/a.jar", "/a.jar!/b.jar"}));
}

TEST(FixReport, AnnotatesFixedWouldFixAndRefused) {
  FileFix r = fixed_file();
  std::vector<Finding> fs = r.after;
  std::vector<ScanError> es;
  annotate_fix(r, "/var/backups", &fs, &es);
  ASSERT_EQ(fs[0].evidence.size(), 2u);
  EXPECT_EQ(fs[0].evidence[0], "fixed by log4shield: removed /opt/a.jar!/JndiLookup.class");
  EXPECT_EQ(fs[0].evidence[1], "original backed up as sha256 abc in /var/backups");
  EXPECT_TRUE(es.empty());

  r.outcome = FixOutcome::kWouldFix;
  fs = r.before;
  annotate_fix(r, "/b", &fs, &es);
  EXPECT_EQ(fs[0].evidence, std::vector<std::string>{"dry run: would remove /opt/a.jar!/JndiLookup.class"});

  r.outcome = FixOutcome::kRefused;
  r.reason = "signed";
  r.targets[0].fixed = false;
  r.targets[0].reason = "signed jar";
  r.warnings = {"odd"};
  fs = r.before;
  es.clear();
  annotate_fix(r, "/b", &fs, &es);
  EXPECT_EQ(fs[0].evidence, std::vector<std::string>{"not fixed: signed jar"});
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].error, "not fixed: signed jar");
  EXPECT_EQ(es[1].error, "warning: odd");
}

TEST(FixReport, RestartHoldersAreJvmsThatOpenedAReplacedFile) {
  process::JavaProcess p;
  p.pid = 7;
  p.user = "app";
  p.cmdline = {"java", "-jar", "a.jar"};
  p.jars.push_back({"/srv/a.jar", "/proc/7/root/srv/a.jar", false, "maps"});
  process::JavaProcess q = p;
  q.pid = 8;
  q.jars[0].source = "classpath";
  RestartHolders h = restart_holders({fixed_file()}, {p, q});
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h["/srv/a.jar"], std::vector<std::string>{"pid 7 (app): java -jar a.jar"});

  FileFix dry = fixed_file();
  dry.outcome = FixOutcome::kWouldFix;
  EXPECT_TRUE(restart_holders({dry}, {p}).empty());
}

TEST(FixReport, MergeReplacesRedoneFilesSortsAndDedupes) {
  inventory::ScanOutput found;
  found.findings = {finding("/opt/a.jar", "/opt/a.jar"), finding("/opt/0.jar", "/opt/0.jar")};
  found.errors = {{"/opt/z", "bad"}, {"/opt/a.jar", "x"}};
  FileFix r = fixed_file();
  r.scan_errors = {{"/opt/a.jar", "x"}};
  RestartHolders holders{{"/srv/a.jar", {"pid 7 (app): java"}}};
  FixReportBody body = merge_fix_report(found, {r}, holders, "/b");
  ASSERT_EQ(body.findings.size(), 2u);
  EXPECT_EQ(body.findings[0].location, "/opt/0.jar");
  EXPECT_EQ(body.findings[1].status, FindingStatus::kMitigated);
  EXPECT_EQ(body.findings[1].evidence.back(), "old copy still loaded by pid 7 (app): java: restart it");
  ASSERT_EQ(body.errors.size(), 3u);
  EXPECT_EQ(body.errors[0].error, "restart needed: pid 7 (app): java still holds the old file");
  EXPECT_EQ(body.errors[1].error, "x");
  EXPECT_EQ(body.errors[2].location, "/opt/z");
}

TEST(FixReport, TallyAndLines) {
  FileFix a = fixed_file();
  FileFix b = fixed_file();
  b.path = "/opt/b.jar";
  b.outcome = FixOutcome::kFailed;
  b.reason = "/opt/b.jar: read-only";
  b.targets[0].fixed = false;
  b.removed.clear();
  FileFix c;
  c.outcome = FixOutcome::kRefused;
  FixTally t = tally_fixes({a, b, c});
  EXPECT_EQ(t.fixed, 1u);
  EXPECT_EQ(t.remain, 2u);
  EXPECT_EQ(t.files_fixed, 1u);
  EXPECT_FALSE(t.all_fixed());
  EXPECT_EQ(fix_progress_line(a), "fixed         /opt/a.jar (1 entry removed)");
  EXPECT_EQ(fix_progress_line(b), "failed        /opt/b.jar: read-only");
  EXPECT_EQ(fix_summary_line(t, false, "/b"), "1 vulnerable copy fixed, 2 not fixed; backups and journal in /b");
  EXPECT_EQ(fix_summary_line({0, 0, 0}, true, "/b"), "dry run: 0 vulnerable copies would be fixed, 0 not fixed");
}

}  // namespace
}  // namespace l4s::remediate
