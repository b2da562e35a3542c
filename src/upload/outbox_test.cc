#include "upload/outbox.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "upload/test_http_server.h"
#include "upload/test_util.h"

namespace l4s::upload {
namespace {

namespace stdfs = std::filesystem;
using test::TestHttpServer;

Report report_n(int n) {
  return {R"({"host":"web01","findings":[],"n":)" + std::to_string(n) + "}\n", "web01", "scan"};
}

UploadOptions options_for(const std::string& server) {
  UploadOptions o;
  o.server = server;
  o.token = "tok";
  o.attempts = 2;
  o.backoff = std::chrono::milliseconds(1);
  return o;
}

std::string down_url() { return "http://127.0.0.1:" + std::to_string(test::refused_port()); }

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Keeps reports in order, each file one second older than the next.
std::vector<std::string> keep_in_order(const Outbox& outbox, const std::vector<Report>& reports) {
  std::vector<std::string> paths;
  auto t = stdfs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const Report& r : reports) {
    auto kept = outbox.keep(r);
    EXPECT_TRUE(kept.ok()) << kept.error();
    stdfs::last_write_time(*kept, t);
    t += std::chrono::seconds(1);
    paths.push_back(*kept);
  }
  return paths;
}

TEST(Outbox, KeepsAReportOnceUnderItsShaInAPrivateFolder) {
  const auto dir = test::scratch_dir() / "outbox";
  Outbox outbox(dir.string());
  EXPECT_TRUE(outbox.waiting().empty()) << "no folder yet: nothing waits";
  const Report r = report_n(1);
  auto first = outbox.keep(r);
  auto second = outbox.keep(r);
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(stdfs::path(*first).filename().string(), sha256_hex(r.body) + ".report");
  EXPECT_EQ(outbox.waiting(), std::vector<std::string>{*first});
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto back = Outbox::read(*first);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->body, r.body);
  EXPECT_EQ(back->host, "web01");
  EXPECT_EQ(back->kind, "scan");
}

TEST(Outbox, IgnoresFilesItDidNotWrite) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  std::ofstream(dir / "notes.txt") << "x";
  std::ofstream(dir / (sha256_hex("a") + ".report.tmp.ABCDEF")) << "half";
  EXPECT_TRUE(outbox.waiting().empty());
}

TEST(Outbox, ServerDownKeepsTheReportAndTheNextRoundSendsItOnce) {
  const auto dir = test::scratch_dir() / "outbox";
  Outbox outbox(dir.string());
  const Report r = report_n(7);
  // The run: the server is down, so the report goes to the outbox.
  UploadResult failed = upload_report(r, options_for(down_url()));
  ASSERT_EQ(failed.state, UploadState::kTransient);
  auto kept = outbox.keep(r);
  ASSERT_TRUE(kept.ok());
  // Still down: it stays.
  DeliveryCounts still_down = deliver_outbox(outbox, options_for(down_url()));
  EXPECT_EQ(still_down.waiting, 1u);
  EXPECT_TRUE(still_down.server_unreachable());
  EXPECT_TRUE(stdfs::exists(*kept));

  TestHttpServer server;
  std::vector<DeliveryEvent> events;
  DeliveryCounts up = deliver_outbox(outbox, options_for(server.url()), [&](const DeliveryEvent& e) { events.push_back(e); });
  EXPECT_EQ(up.delivered, 1u);
  EXPECT_EQ(up.waiting, 0u);
  EXPECT_EQ(up.failed, 0u);
  EXPECT_FALSE(stdfs::exists(*kept)) << "removed once delivered";
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].report.kind, "scan");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(test::gunzip(requests[0].body), r.body) << "the report's own bytes, not the outbox header";
  EXPECT_EQ(requests[0].header("x-log4shield-host"), "web01");

  DeliveryCounts again = deliver_outbox(outbox, options_for(server.url()));
  EXPECT_EQ(again.delivered + again.duplicate + again.failed + again.waiting, 0u);
  EXPECT_EQ(server.requests().size(), 1u) << "a second delivery sends nothing";
}

TEST(Outbox, DuplicateCountsAsDeliveredAndIsRemoved) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  auto kept = outbox.keep(report_n(1));
  TestHttpServer server;
  server.set_fallback({200, R"({"status":"duplicate","report":"x"})", {}});
  DeliveryCounts c = deliver_outbox(outbox, options_for(server.url()));
  EXPECT_EQ(c.duplicate, 1u);
  EXPECT_FALSE(stdfs::exists(*kept));
}

TEST(Outbox, RefusedReportsMoveToRejectedWithTheirReason) {
  for (int status : {400, 401, 403, 413}) {
    const auto dir = test::scratch_dir();
    Outbox outbox(dir.string());
    auto paths = keep_in_order(outbox, {report_n(1), report_n(2)});
    TestHttpServer server;
    server.script({{status, R"({"error":"no way"})", {}}});  // the oldest is refused, the next stored
    DeliveryCounts c = deliver_outbox(outbox, options_for(server.url()));
    EXPECT_EQ(c.failed, 1u) << status;
    EXPECT_EQ(c.delivered, 1u) << status;
    EXPECT_EQ(server.requests().size(), 2u) << status << ": the refusal is not retried";
    const stdfs::path moved = dir / "rejected" / stdfs::path(paths[0]).filename();
    EXPECT_TRUE(stdfs::exists(moved)) << status;
    EXPECT_EQ(Outbox::read(moved.string())->body, report_n(1).body) << "kept intact";
    auto why = nlohmann::json::parse(slurp(moved.string() + ".reason"));
    EXPECT_EQ(why["http_status"], status);
    EXPECT_EQ(why["reason"], "HTTP " + std::to_string(status) + ": no way");
    EXPECT_EQ(why["host"], "web01");
    EXPECT_TRUE(outbox.waiting().empty()) << status;
  }
}

TEST(Outbox, ARunsOwnRefusedReportIsKeptInRejectedNotSentAgain) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  UploadResult why;
  why.state = UploadState::kRejected;
  why.http_status = 401;
  why.reason = "HTTP 401: token revoked";
  auto kept = outbox.keep_rejected(report_n(3), why);
  ASSERT_TRUE(kept.ok()) << kept.error();
  EXPECT_EQ(stdfs::path(*kept).parent_path(), dir / "rejected");
  EXPECT_EQ(Outbox::read(*kept)->body, report_n(3).body);
  EXPECT_EQ(nlohmann::json::parse(slurp(*kept + ".reason"))["reason"], "HTTP 401: token revoked");
  EXPECT_TRUE(outbox.waiting().empty()) << "a refused report is not retried";
}

TEST(Outbox, ATransientFailureEndsTheRoundAndKeepsTheRest) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  keep_in_order(outbox, {report_n(1), report_n(2), report_n(3)});
  TestHttpServer server;
  server.set_fallback({503, "{}", {}});
  UploadOptions o = options_for(server.url());
  o.attempts = 1;
  DeliveryCounts c = deliver_outbox(outbox, o);
  EXPECT_EQ(c.waiting, 3u);
  EXPECT_EQ(server.requests().size(), 1u) << "the other two are not tried against a failing server";
  EXPECT_EQ(outbox.waiting().size(), 3u);
}

TEST(Outbox, TooManyRequestsThenSuccessDeliversAll) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  keep_in_order(outbox, {report_n(1), report_n(2)});
  TestHttpServer server;
  server.script({{429, "{}", {"Retry-After: 0"}}, {503, "{}", {}}});
  DeliveryCounts c = deliver_outbox(outbox, [&] { auto o = options_for(server.url()); o.attempts = 4; return o; }());
  EXPECT_EQ(c.delivered, 2u);
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_TRUE(outbox.waiting().empty());
}

TEST(Outbox, DamagedFileIsRejectedNotSent) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  auto kept = outbox.keep(report_n(1));
  std::ofstream(*kept, std::ios::app) << "tampered";
  TestHttpServer server;
  DeliveryCounts c = deliver_outbox(outbox, options_for(server.url()));
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(server.requests().size(), 0u);
  EXPECT_TRUE(stdfs::exists(dir / "rejected" / stdfs::path(*kept).filename()));
}

TEST(Outbox, ConcurrentRoundsSendEachReportOnce) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  std::vector<Report> reports;
  for (int i = 0; i < 8; ++i) reports.push_back(report_n(i));
  keep_in_order(outbox, reports);
  TestHttpServer server;
  DeliveryCounts a, b;
  std::thread other([&] { b = deliver_outbox(outbox, options_for(server.url())); });
  a = deliver_outbox(outbox, options_for(server.url()));
  other.join();
  EXPECT_EQ(a.delivered + b.delivered, 8u);
  EXPECT_EQ(a.failed + b.failed, 0u) << "no run tried to move a file the other removed";
  std::set<std::string> keys;
  for (const auto& q : server.requests()) keys.insert(q.header("idempotency-key"));
  EXPECT_EQ(server.requests().size(), 8u);
  EXPECT_EQ(keys.size(), 8u);
  EXPECT_TRUE(outbox.waiting().empty());
}

TEST(Outbox, ABusyOutboxIsLeftToTheRunDeliveringIt) {
  const auto dir = test::scratch_dir();
  Outbox outbox(dir.string());
  outbox.keep(report_n(1)).value();
  TestHttpServer server;
  // A first round stalls on a slow answer while a second one starts.
  server.script({{0, "", {}}});
  UploadOptions slow = options_for(server.url());
  slow.backoff = std::chrono::milliseconds(500);
  DeliveryCounts first;
  std::thread t([&] { first = deliver_outbox(outbox, slow); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  DeliveryCounts second = deliver_outbox(outbox, options_for(server.url()));
  t.join();
  EXPECT_TRUE(second.busy);
  EXPECT_EQ(second.delivered, 0u);
  EXPECT_EQ(first.delivered, 1u);
  EXPECT_EQ(server.requests().size(), 2u) << "one dropped attempt, one delivery, by the first round only";
}

}  // namespace
}  // namespace l4s::upload
