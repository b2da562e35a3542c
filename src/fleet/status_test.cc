#include "fleet/status.h"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/html_report.h"
#include "fleet/parse.h"

namespace l4s::fleet {
namespace {

void add(Fleet& fleet, const std::string& json, const std::string& host = "") {
  auto p = parse_report(json, {"t", host, "2026-11-28T00:00:00Z", ""});
  ASSERT_TRUE(p.ok()) << p.error();
  fleet.reports.push_back(p->report);
  for (auto& f : p->findings) fleet.findings.push_back(f);
  for (auto& d : p->detections) fleet.detections.push_back(d);
}

std::string scan(const std::string& host, const std::string& time, const std::string& findings,
                 const std::string& root = "/opt") {
  return R"({"host":")" + host + R"(","started":")" + time + R"(","finished":")" + time + R"(","roots":[")" + root +
         R"("],"stats":{"files":1,"archives":0,"errors":0},"findings":[)" + findings + R"(],"errors":[]})";
}

std::string finding(const std::string& loc, const std::string& status, const std::string& cves,
                    const std::string& severity, const std::string& evidence = "") {
  return R"({"path":")" + loc.substr(0, loc.find('!')) + R"(","location":")" + loc +
         R"(","component":"log4j-core","version":"2.14.1","status":")" + status + R"(","cves":[)" + cves +
         R"(],"severity":")" + severity + R"(","evidence":[)" + evidence + "]}";
}

const std::string kAll = R"("CVE-2021-44228","CVE-2021-45046")";

TEST(StatusTest, ReplayFindsFixesRemovalsAndRegressions) {
  Fleet fleet;
  // web01: vulnerable, then fixed by log4shield.
  add(fleet, scan("web01", "2026-11-20T10:00:00Z", finding("/opt/a.jar", "vulnerable", kAll, "critical")));
  add(fleet, scan("web01", "2026-11-22T10:00:00Z",
                  finding("/opt/a.jar", "mitigated", "", "medium", R"("fixed by log4shield: removed x")")));
  // web02: two copies; one removed later, the other stays.
  add(fleet, scan("web02", "2026-11-20T11:00:00Z",
                  finding("/opt/a.jar", "vulnerable", kAll, "critical") + "," +
                      finding("/opt/b.war!/WEB-INF/lib/c.jar", "vulnerable", kAll, "critical")));
  add(fleet, scan("web02", "2026-11-23T11:00:00Z", finding("/opt/b.war!/WEB-INF/lib/c.jar", "vulnerable", kAll, "critical")));
  // web03: scanned only under /srv, so /opt's copy is not judged gone.
  add(fleet, scan("web03", "2026-11-19T09:00:00Z", finding("/opt/a.jar", "vulnerable", kAll, "critical")));
  add(fleet, scan("web03", "2026-11-24T09:00:00Z", "", "/srv"));
  // web04: fixed then vulnerable again: not counted as fixed.
  add(fleet, scan("web04", "2026-11-20T10:00:00Z", finding("/opt/a.jar", "vulnerable", kAll, "critical")));
  add(fleet, scan("web04", "2026-11-21T10:00:00Z", finding("/opt/a.jar", "safe", "", "none")));
  add(fleet, scan("web04", "2026-11-22T10:00:00Z", finding("/opt/a.jar", "vulnerable", kAll, "critical")));

  Analysis a = analyze(fleet, "2026-11-22T00:00:00Z", "2026-11-28T00:00:00Z");
  ASSERT_EQ(a.hosts.size(), 4u);
  EXPECT_FALSE(a.hosts[0].exposed);
  EXPECT_TRUE(a.hosts[1].exposed);
  EXPECT_TRUE(a.hosts[2].exposed);
  EXPECT_TRUE(a.hosts[3].exposed);
  EXPECT_EQ(a.hosts_exposed, 3);
  ASSERT_EQ(a.fixed.size(), 2u);
  EXPECT_EQ(a.fixed[0].host, "web01");
  EXPECT_EQ(a.fixed[0].how, "fix");
  EXPECT_EQ(a.fixed[1].host, "web02");
  EXPECT_EQ(a.fixed[1].how, "removed");
  EXPECT_EQ(a.fixed[1].fixed_at, "2026-11-23T11:00:00Z");
  EXPECT_EQ(a.exposed_by_cve["CVE-2021-44228"], (std::vector<std::string>{"web02", "web03", "web04"}));
  EXPECT_EQ(a.hosts_by_severity["critical"], 3);
  EXPECT_EQ(a.hosts_by_severity["medium"], 0);  // mitigated with no open CVE listed
  EXPECT_EQ(a.not_scanned_since, std::vector<std::string>{});
  Analysis b = analyze(fleet, "2026-11-23T00:00:00Z", "now");
  EXPECT_EQ(b.not_scanned_since, (std::vector<std::string>{"web01", "web04"}));
  // Progress: day by day, last state of each host carried forward.
  ASSERT_FALSE(a.progress.empty());
  EXPECT_EQ(a.progress.front().day, "2026-11-19");
  EXPECT_EQ(a.progress.front().exposed, 1);
  EXPECT_EQ(a.progress.back().day, "2026-11-24");
  EXPECT_EQ(a.progress.back().exposed, 3);
  EXPECT_EQ(a.progress.back().scanned, 4);
}

TEST(StatusTest, AttacksAndFormats) {
  Fleet fleet;
  add(fleet, scan("app7", "2026-11-20T10:00:00Z", finding("/opt/a.jar", "vulnerable", kAll, "critical")));
  auto det = [](const std::string& ts, const std::string& ip, const std::string& host, const std::string& verdict) {
    return R"({"type":"detection","file":"/var/log/x","line":1,"timestamp":")" + ts + R"(","source_ip":")" + ip +
           R"(","raw":"<script>","jndi_targets":[{"name":"ldap://)" + host + R"(/a","host":")" + host +
           R"(","remote":true}],"verdict":")" + verdict + R"(","decoded_command":"touch /tmp/<img src=x>"})" + "\n";
  };
  add(fleet,
      det("2021-12-10T12:01:00Z", "198.51.100.7", "evil.example", "reaches_jndi_2.14") +
          det("2021-12-10T12:30:00Z", "198.51.100.7", "evil.example", "reaches_jndi_2.14") +
          det("2021-12-10T14:00:00Z", "203.0.113.9", "bad.example", "dos_only"),
      "app7");
  Analysis a = analyze(fleet, "", "2026-11-28T00:00:00Z");
  EXPECT_EQ(a.attempts, 3);
  EXPECT_EQ(a.attempts_reaching_jndi, 2);
  ASSERT_EQ(a.attempts_by_hour.size(), 3u);  // 13h had none but is on the axis
  EXPECT_EQ(a.attempts_by_hour[0].key, "2021-12-10T12");
  EXPECT_EQ(a.attempts_by_hour[0].n, 2);
  EXPECT_EQ(a.attempts_by_hour[1].key, "2021-12-10T13");
  EXPECT_EQ(a.attempts_by_hour[1].n, 0);
  EXPECT_EQ(a.attempts_by_hour[2].n, 1);
  ASSERT_EQ(a.top_sources.size(), 2u);
  EXPECT_EQ(a.top_sources[0].key, "198.51.100.7");
  EXPECT_EQ(a.top_callback_hosts[0].key, "evil.example");
  EXPECT_EQ(a.decoded_commands[0].n, 3);
  ASSERT_EQ(a.hosts.size(), 1u);
  EXPECT_EQ(a.hosts[0].attempts, 3);

  std::ostringstream json, csv, text, html;
  write_status_json(a, json);
  auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["hosts"][0]["attempts"], 3);
  EXPECT_EQ(j["exposed_by_cve"]["CVE-2021-44228"]["hosts"], 1);
  write_status_csv(a, csv);
  EXPECT_NE(csv.str().find("\"app7\",\"2026-11-20T10:00:00Z\",1,true,critical"), std::string::npos) << csv.str();
  write_status_text(a, text);
  EXPECT_NE(text.str().find("Attempts: 3 (2 reach JNDI)"), std::string::npos) << text.str();
  write_html_report(fleet, a, html);
  const std::string h = html.str();
  EXPECT_EQ(h.find("<img src=x>"), std::string::npos);  // attacker text is escaped
  EXPECT_NE(h.find("touch /tmp/&lt;img src=x&gt;"), std::string::npos);
  EXPECT_NE(h.find("data-metric=\"attempts\"><div class=\"n\">3<"), std::string::npos);
  EXPECT_EQ(h.find("id=\"truncated\""), std::string::npos);
  std::ostringstream capped;
  write_html_report(fleet, a, capped, 0);
  EXPECT_EQ(capped.str(), h);  // 0: no cap
  // A cap keeps the worst copies and says so.
  add(fleet, scan("zz9", "2026-11-21T10:00:00Z", finding("/opt/ok.jar", "safe", "", "none")));
  Analysis b = analyze(fleet, "", "2026-11-28T00:00:00Z");
  std::ostringstream one;
  write_html_report(fleet, b, one, 1);
  EXPECT_NE(one.str().find("The 1 worst of 2 copies"), std::string::npos);
  EXPECT_NE(one.str().find("/opt/a.jar"), std::string::npos);
  EXPECT_EQ(one.str().find("/opt/ok.jar"), std::string::npos);
  EXPECT_EQ(h.find("http://"), std::string::npos);  // nothing fetched from the network
  EXPECT_EQ(h.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace l4s::fleet
