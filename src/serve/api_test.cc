#include "serve/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/gzip.h"
#include "fleet/tokens.h"

namespace l4s::serve {
namespace {

std::string scan_report(const std::string& host, const std::string& status = "vulnerable") {
  return R"({"host":")" + host +
         R"(","started":"2026-12-08T00:00:00Z","finished":"2026-12-08T00:00:01Z","roots":["/opt"],"stats":{"files":1,"archives":0,"errors":0},"findings":[{"path":"/opt/a.jar","location":"/opt/a.jar","component":"log4j-core","version":"2.14.1","status":")" +
         status + R"(","cves":["CVE-2021-44228"],"severity":"critical","evidence":[]}],"errors":[]})";
}

// A hunt report naming no host (summary without one), with a detection that
// may name its own.
std::string hunt_report(const std::string& detection_host) {
  std::string detection =
      R"({"type":"detection","file":"/var/log/a.log","line":3,"offset":120,"timestamp":"2021-12-10T12:01:02Z","source_ip":"198.51.100.7","raw":"x","layers":[],"resolved":"x","jndi_targets":[],"techniques":[],"exfiltrates":[],"decoded_command":null,"verdict":"reaches_jndi_2.14","severity":"critical")";
  if (!detection_host.empty()) detection += R"(,"host":")" + detection_host + "\"";
  return detection + "}\n" +
         R"({"type":"summary","tool":{"name":"log4shield","version":"0.1.0"},"started":"2026-12-08T01:00:00Z","finished":"2026-12-08T01:00:01Z","roots":["/var/log"],"stats":{"files":1}})" +
         "\n";
}

nlohmann::json body_of(const Response& r) { return nlohmann::json::parse(r.body, nullptr, false); }

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { make_api(ApiLimits{}); }
  void make_api(ApiLimits limits) {
    api.reset();
    auto p = StorePool::open(":memory:", 1);
    ASSERT_TRUE(p.ok()) << p.error();
    pool = std::move(*p);
    api = std::make_unique<Api>(*pool, limits, metrics);
    upload_web = token("web", fleet::Role::kUpload, "web*");
    reader = token("reader", fleet::Role::kRead, "*");
    admin = token("admin", fleet::Role::kAdmin, "*");
  }
  std::string token(const std::string& name, fleet::Role role, const std::string& hosts) {
    auto lease = pool->acquire();
    auto t = fleet::create_token(lease.get()->db(), name, role, hosts, "", now_iso8601());
    EXPECT_TRUE(t.ok()) << t.error();
    return t.ok() ? *t : "";
  }
  Response post(const std::string& body, const std::string& tok, std::map<std::string, std::string> headers = {}) {
    Request r{"POST", "/api/v1/reports", std::move(headers), body, "127.0.0.1:40000"};
    if (!tok.empty()) r.headers["authorization"] = "Bearer " + tok;
    return api->handle(r);
  }
  Response get(const std::string& target, const std::string& authorization) {
    Request r{"GET", target, {}, "", "127.0.0.1:40001"};
    if (!authorization.empty()) r.headers["authorization"] = authorization;
    return api->handle(r);
  }
  int64_t stored_reports() {
    auto lease = pool->acquire();
    auto rows = lease.get()->db().query("SELECT COUNT(*) FROM reports");
    EXPECT_TRUE(rows.ok());
    return std::stoll(*(*rows)[0][0]);
  }

  Metrics metrics;
  std::unique_ptr<StorePool> pool;
  std::unique_ptr<Api> api;
  std::string upload_web, reader, admin;
};

TEST_F(ApiTest, UploadIsStoredOnceThenDuplicate) {
  Response first = post(gzip(scan_report("web01")), upload_web, {{"content-encoding", "gzip"}});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body_of(first)["status"], "stored");
  EXPECT_EQ(body_of(first)["host"], "web01");
  Response again = post(scan_report("web01"), upload_web);  // same content, not compressed this time
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["status"], "duplicate");
  EXPECT_EQ(body_of(again)["report"], body_of(first)["report"]);
  EXPECT_EQ(stored_reports(), 1);
}

TEST_F(ApiTest, MissingUnknownAndRevokedTokensAre401AndStoreNothing) {
  EXPECT_EQ(post(scan_report("web01"), "").status, 401);
  EXPECT_EQ(post(scan_report("web01"), "l4s_0123456789abcdef_nope").status, 401);
  {
    auto lease = pool->acquire();
    ASSERT_TRUE(*fleet::revoke_token(lease.get()->db(), "web", now_iso8601()));
  }
  Response revoked = post(scan_report("web01"), upload_web);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;
  EXPECT_EQ(stored_reports(), 0);
}

TEST_F(ApiTest, TokenScopedToWebCannotReportDb) {
  Response r = post(scan_report("db01"), upload_web);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("db01"), std::string::npos) << r.body;
  // Nor through the host header of a report naming none, nor a detection's own host.
  EXPECT_EQ(post(hunt_report(""), upload_web, {{"x-log4shield-host", "db01"}}).status, 403);
  EXPECT_EQ(post(hunt_report("db01"), upload_web, {{"x-log4shield-host", "web02"}}).status, 403);
  // A read token may not upload at all.
  EXPECT_EQ(post(scan_report("web01"), reader).status, 403);
  EXPECT_EQ(stored_reports(), 0);
  // In scope: the header names the host of a report that names none.
  Response ok = post(hunt_report(""), upload_web, {{"x-log4shield-host", "web02"}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(body_of(ok)["host"], "web02");
  EXPECT_EQ(body_of(ok)["kind"], "hunt");
  // An admin token reports any host.
  EXPECT_EQ(post(scan_report("db01"), admin).status, 201);
}

TEST_F(ApiTest, MalformedTypeConfusedAndTruncatedBodiesAre400) {
  for (const std::string& bad : {std::string("garbage"), std::string("{\"type\":1}"), std::string("[1,2]"),
                                 std::string("{\"findings\":\"x\"}"), std::string("   "),
                                 scan_report("web01").substr(0, 80)}) {
    Response r = post(bad, upload_web);
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
    EXPECT_TRUE(body_of(r).contains("error"));
  }
  std::string truncated = gzip(scan_report("web01"));
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(post(truncated, upload_web, {{"content-encoding", "gzip"}}).status, 400);
  EXPECT_EQ(post(scan_report("web01"), upload_web, {{"content-encoding", "br"}}).status, 415);
  EXPECT_EQ(post(hunt_report(""), upload_web, {{"x-log4shield-host", "web 01"}}).status, 400);
  EXPECT_EQ(stored_reports(), 0);
}

TEST_F(ApiTest, GzipBombAndOversizedBodyAre413) {
  ApiLimits limits;
  limits.max_body = 1 << 20;
  limits.max_decompressed = 4 << 20;
  make_api(limits);
  std::string bomb = gzip(std::string(50 << 20, ' '));  // 50 MiB of spaces: ~230 KiB compressed
  ASSERT_LT(bomb.size(), limits.max_body);
  Response r = post(bomb, upload_web, {{"content-encoding", "gzip"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(post(std::string(limits.max_body + 1, ' '), upload_web).status, 413);
  EXPECT_EQ(stored_reports(), 0);
  EXPECT_NE(metrics.render({}).find("reason=\"too_large\"} 2"), std::string::npos);
}

TEST_F(ApiTest, RateLimitedTokenGets429WithRetryAfter) {
  ApiLimits limits;
  limits.uploads_per_second = 0.01;
  limits.upload_burst = 2;
  make_api(limits);
  EXPECT_EQ(post(scan_report("web01"), upload_web).status, 201);
  EXPECT_EQ(post(scan_report("web02"), upload_web).status, 201);
  Response r = post(scan_report("web03"), upload_web);
  ASSERT_EQ(r.status, 429);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_GT(std::stoi(r.headers[0].second), 0);
  EXPECT_EQ(stored_reports(), 2);
  // Another token is not slowed by this one.
  EXPECT_EQ(post(scan_report("db01"), admin).status, 201);
}

TEST_F(ApiTest, ReadsWantAReadToken) {
  ASSERT_EQ(post(scan_report("web01"), upload_web).status, 201);
  EXPECT_EQ(get("/api/v1/status", "").status, 401);
  EXPECT_EQ(get("/api/v1/status", "Bearer " + upload_web).status, 403);
  Response status = get("/api/v1/status", "Bearer " + reader);
  ASSERT_EQ(status.status, 200) << status.body;
  auto j = body_of(status);
  EXPECT_EQ(j["hosts_exposed"], 1);
  EXPECT_EQ(j["hosts"][0]["host"], "web01");
  EXPECT_EQ(get("/api/v1/status?since=2026-12-01", "Bearer " + reader).status, 200);
  EXPECT_EQ(get("/api/v1/status?since=yesterday", "Bearer " + reader).status, 400);
  // A browser sends the token as the password of HTTP Basic, after being asked.
  Response html = get("/", "");
  EXPECT_EQ(html.status, 401);
  ASSERT_FALSE(html.headers.empty());
  EXPECT_EQ(html.headers[0].first, "WWW-Authenticate");
  std::string basic = "user:" + reader, encoded(4 * ((basic.size() + 2) / 3), '\0');
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0, o = 0; i < basic.size(); i += 3, o += 4) {
    uint32_t v = static_cast<uint8_t>(basic[i]) << 16;
    if (i + 1 < basic.size()) v |= static_cast<uint8_t>(basic[i + 1]) << 8;
    if (i + 2 < basic.size()) v |= static_cast<uint8_t>(basic[i + 2]);
    encoded[o] = b64[(v >> 18) & 63];
    encoded[o + 1] = b64[(v >> 12) & 63];
    encoded[o + 2] = i + 1 < basic.size() ? b64[(v >> 6) & 63] : '=';
    encoded[o + 3] = i + 2 < basic.size() ? b64[v & 63] : '=';
  }
  Response page = get("/", "Basic " + encoded);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("web01"), std::string::npos);
}

TEST_F(ApiTest, HostDocumentShowsHistoryAndEveryUpload) {
  ASSERT_EQ(post(scan_report("web01"), upload_web).status, 201);
  ASSERT_EQ(post(scan_report("web01"), upload_web).status, 200);
  ASSERT_EQ(post(scan_report("web01", "mitigated"), upload_web).status, 201);
  Response r = get("/api/v1/hosts/web01", "Bearer " + reader);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = body_of(r);
  EXPECT_EQ(j["host"], "web01");
  EXPECT_EQ(j["history"].size(), 2u);
  ASSERT_EQ(j["uploads"].size(), 3u);
  EXPECT_EQ(j["uploads"][0]["token"], "web");
  EXPECT_EQ(j["uploads"][0]["peer"], "127.0.0.1:40000");
  int duplicates = 0;
  for (const auto& u : j["uploads"]) duplicates += u["outcome"] == "duplicate";
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(get("/api/v1/hosts/nosuch", "Bearer " + reader).status, 404);
}

TEST_F(ApiTest, MetricsCountOutcomesAndExposure) {
  ASSERT_EQ(post(scan_report("web01"), upload_web).status, 201);
  ASSERT_EQ(post(scan_report("web01"), upload_web).status, 200);
  ASSERT_EQ(post(scan_report("db01"), upload_web).status, 403);
  ASSERT_EQ(post("x", upload_web).status, 400);
  Response m = get("/metrics", "Bearer " + reader);
  ASSERT_EQ(m.status, 200);
  for (const char* line : {"log4shield_reports_received_total{outcome=\"stored\"} 1\n",
                           "log4shield_reports_received_total{outcome=\"duplicate\"} 1\n",
                           "log4shield_reports_rejected_total{reason=\"forbidden\"} 1\n",
                           "log4shield_reports_rejected_total{reason=\"malformed\"} 1\n",
                           "log4shield_hosts_exposed_by_cve{cve=\"CVE-2021-44228\"} 1\n",
                           "log4shield_http_requests_total{code=\"201\"} 1\n"})
    EXPECT_NE(m.body.find(line), std::string::npos) << line << m.body;
}

TEST_F(ApiTest, HealthzNeedsNoTokenAndUnknownRoutesAre404Or405) {
  Response h = get("/healthz", "");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(body_of(h)["store"], "sqlite");
  EXPECT_EQ(get("/nope", "").status, 404);
  EXPECT_EQ(get("/api/v1/reports", "Bearer " + reader).status, 405);
  Request del{"DELETE", "/api/v1/status", {}, "", "x"};
  EXPECT_EQ(api->handle(del).status, 405);
}

}  // namespace
}  // namespace l4s::serve
