#include "probe/probe_report.h"

#include <gtest/gtest.h>

namespace l4s::net {
namespace {

SentProbe sent(std::string target, std::string point, std::string token, int status = 200) {
  return SentProbe{std::move(token), "run", 1000, std::move(target), std::move(point), "ldap", "${jndi:...}", status, ""};
}

Callback callback(std::string token, std::string name, int64_t t = 1250) {
  Callback cb;
  cb.time_ms = t;
  cb.protocol = Protocol::kLdap;
  cb.peer = "127.0.0.1:40000";
  cb.token = std::move(token);
  cb.name = std::move(name);
  return cb;
}

TEST(ProbeReportTest, CorrelatesByTokenAndName) {
  std::vector<SentProbe> s = {sent("http://a/", "header:User-Agent", "aaaaaaaaaaaa0001"),
                              sent("http://a/", "header:Referer", "aaaaaaaaaaaa0002"),
                              sent("http://b/", "query:q", "bbbbbbbbbbbb0001", 0)};
  std::vector<Callback> cbs = {callback("AAAAAAAAAAAA0001", "x"), callback("", "1#aaaaaaaaaaaa0001.cb.test"),
                               callback("zzzzzzzzzzzz0000", "zzz")};
  auto r = correlate(s, cbs);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].target, "http://a/");
  EXPECT_EQ(r[0].sent, 2u);
  ASSERT_EQ(r[0].hits.size(), 1u);
  EXPECT_EQ(r[0].hits[0].probe.point, "header:User-Agent");
  EXPECT_EQ(r[0].hits[0].callbacks.size(), 2u);
  EXPECT_TRUE(r[1].hits.empty());
  EXPECT_EQ(r[1].failed, 1u);

  std::string text = format_report_text(r);
  EXPECT_NE(text.find("http://a/: VULNERABLE, 1 injection point(s) called back"), std::string::npos) << text;
  EXPECT_NE(text.find("header:User-Agent  ldap  token=aaaaaaaaaaaa0001  ldap from 127.0.0.1:40000 after 0.25 s"),
            std::string::npos) << text;
  EXPECT_NE(text.find("http://b/: UNREACHABLE"), std::string::npos) << text;
  std::string jsonl = format_report_jsonl(r);
  EXPECT_NE(jsonl.find("\"type\":\"hit\""), std::string::npos);
  EXPECT_NE(jsonl.find("\"latency_ms\":250"), std::string::npos);
  EXPECT_FALSE(callback_matches(callback("", ""), ""));
}

}  // namespace
}  // namespace l4s::net
