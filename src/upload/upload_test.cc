#include "upload/upload.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "core/sha256.h"
#include "upload/test_http_server.h"
#include "upload/test_util.h"

namespace l4s::upload {
namespace {

using test::HttpAnswer;
using test::TestHttpServer;

Report sample_report() {
  return {R"({"tool":{"name":"log4shield"},"host":"web01","findings":[]})" "\n", "web01", "scan"};
}

UploadOptions fast_options(const std::string& server) {
  UploadOptions o;
  o.server = server;
  o.token = "tok-123";
  o.attempts = 4;
  o.backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(Upload, SendsTheGzippedReportWithTheContractHeaders) {
  TestHttpServer server;
  const Report report = sample_report();
  UploadResult r = upload_report(report, fast_options(server.url()));
  EXPECT_EQ(r.state, UploadState::kDelivered);
  EXPECT_EQ(r.http_status, 201);
  EXPECT_EQ(r.report_hash, "abc");
  EXPECT_EQ(r.attempts, 1);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const test::HttpRequest& q = requests[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.target, "/api/v1/reports");
  EXPECT_EQ(q.header("authorization"), "Bearer tok-123");
  EXPECT_EQ(q.header("content-type"), "application/json");
  EXPECT_EQ(q.header("content-encoding"), "gzip");
  EXPECT_EQ(q.header("x-log4shield-host"), "web01");
  EXPECT_EQ(q.header("idempotency-key"), sha256_hex(report.body));
  EXPECT_NE(q.body, report.body) << "the body goes compressed";
  EXPECT_EQ(test::gunzip(q.body), report.body);
}

TEST(Upload, UrlEndingInTheEndpointIsUsedAsIs) {
  TestHttpServer server;
  EXPECT_TRUE(upload_report(sample_report(), fast_options(server.url() + "/api/v1/reports")).stored());
  EXPECT_TRUE(upload_report(sample_report(), fast_options(server.url() + "/fleet/")).stored());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/api/v1/reports");
  EXPECT_EQ(requests[1].target, "/fleet/api/v1/reports");
}

TEST(Upload, AlreadyStoredIsASuccess) {
  TestHttpServer server;
  server.script({{200, R"({"status":"duplicate","report":"h1"})", {}}});
  UploadResult r = upload_report(sample_report(), fast_options(server.url()));
  EXPECT_EQ(r.state, UploadState::kDuplicate);
  EXPECT_TRUE(r.stored());
  EXPECT_EQ(r.report_hash, "h1");
}

TEST(Upload, RefusalsArePermanentAndNeverRetried) {
  for (int status : {400, 401, 403, 413}) {
    TestHttpServer server;
    server.set_fallback({status, R"({"error":"reason )" + std::to_string(status) + R"("})", {}});
    UploadResult r = upload_report(sample_report(), fast_options(server.url()));
    EXPECT_EQ(r.state, UploadState::kRejected) << status;
    EXPECT_EQ(r.http_status, status);
    EXPECT_EQ(r.reason, "HTTP " + std::to_string(status) + ": reason " + std::to_string(status));
    EXPECT_EQ(server.requests().size(), 1u) << status << " must not be retried";
  }
}

TEST(Upload, TooManyRequestsWaitsForRetryAfter) {
  TestHttpServer server;
  server.script({{429, R"({"error":"rate limited"})", {"Retry-After: 1"}}});
  auto start = std::chrono::steady_clock::now();
  UploadResult r = upload_report(sample_report(), fast_options(server.url()));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.state, UploadState::kDelivered);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(waited, 0.9) << "Retry-After: 1 is honoured (the backoff alone is 1 ms)";
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("idempotency-key"), requests[1].header("idempotency-key"));
}

TEST(Upload, RetryAfterIsCapped) {
  TestHttpServer server;
  server.script({{429, "{}", {"Retry-After: 3600"}}});
  UploadOptions o = fast_options(server.url());
  o.max_retry_after = std::chrono::milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(upload_report(sample_report(), o).state, UploadState::kDelivered);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Upload, ServerErrorsAreRetriedThenSucceed) {
  TestHttpServer server;
  server.script({{503, "busy", {}}, {500, R"({"error":"db"})", {}}});
  UploadResult r = upload_report(sample_report(), fast_options(server.url()));
  EXPECT_EQ(r.state, UploadState::kDelivered);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(Upload, GivesUpAfterTheLastAttemptAsTransient) {
  TestHttpServer server;
  server.set_fallback({503, R"({"error":"maintenance"})", {}});
  UploadOptions o = fast_options(server.url());
  o.attempts = 3;
  UploadResult r = upload_report(sample_report(), o);
  EXPECT_EQ(r.state, UploadState::kTransient);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.reason, "HTTP 503: maintenance");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(Upload, BackoffGrowsBetweenAttempts) {
  TestHttpServer server;
  server.set_fallback({503, "{}", {}});
  UploadOptions o = fast_options(server.url());
  o.attempts = 3;
  o.backoff = std::chrono::milliseconds(200);  // then 400: at least 100 + 200 with the jitter
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(upload_report(sample_report(), o).state, UploadState::kTransient);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST(Upload, ConnectionRefusedIsTransient) {
  UploadOptions o = fast_options("http://127.0.0.1:" + std::to_string(test::refused_port()));
  o.attempts = 2;
  UploadResult r = upload_report(sample_report(), o);
  EXPECT_EQ(r.state, UploadState::kTransient);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_FALSE(r.reason.empty());
}

TEST(Upload, DroppedConnectionIsTransientAndRetried) {
  TestHttpServer server;
  server.script({{0, "", {}}});  // closes without an answer
  UploadResult r = upload_report(sample_report(), fast_options(server.url()));
  EXPECT_EQ(r.state, UploadState::kDelivered);
  EXPECT_EQ(r.attempts, 2);
}

// `openssl s_server -www` on a loopback port with a certificate made for
// `san`; skips the test when openssl is not installed.
class TlsServer {
 public:
  TlsServer(const std::filesystem::path& dir, const std::string& san) {
    cert_ = (dir / "cert.pem").string();
    const std::string key = (dir / "key.pem").string();
    const std::string req = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test -addext "
                            "subjectAltName=" + san + " -keyout " + key + " -out " + cert_ + " 2>/dev/null";
    if (std::system(req.c_str()) != 0) return;
    port_ = test::refused_port();
    pid_ = fork();
    if (pid_ == 0) {
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      const std::string port = std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-4", "-accept", port.c_str(), "-cert", cert_.c_str(), "-key",
             key.c_str(), "-www", "-quiet", nullptr);
      _exit(127);
    }
    // Ready once it accepts a connection.
    for (int i = 0; i < 100 && !ready_; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port_));
      ready_ = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(fd);
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~TlsServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const { return ready_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& cert() const { return cert_; }

 private:
  std::string cert_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

TEST(Upload, HttpsVerifiesThePeerAgainstTheGivenCa) {
  TlsServer tls(test::scratch_dir(), "IP:127.0.0.1");
  if (!tls.ready()) GTEST_SKIP() << "openssl s_server did not start";
  UploadOptions o = fast_options(tls.url());
  o.attempts = 1;
  UploadResult untrusted = upload_report(sample_report(), o);
  EXPECT_EQ(untrusted.state, UploadState::kTransient);
  EXPECT_EQ(untrusted.http_status, 0);
  EXPECT_NE(untrusted.reason.find("certificate"), std::string::npos) << untrusted.reason;
  // With the CA the handshake passes; s_server -www then never answers a
  // POST, so the request times out, which is not a certificate failure.
  o.ca_cert = tls.cert();
  o.timeout = std::chrono::milliseconds(1500);
  UploadResult trusted = upload_report(sample_report(), o);
  EXPECT_EQ(trusted.reason.find("certificate"), std::string::npos) << trusted.reason;
  EXPECT_EQ(trusted.reason.find("SSL"), std::string::npos) << trusted.reason;
}

TEST(Upload, HttpsVerifiesTheHostName) {
  TlsServer tls(test::scratch_dir(), "DNS:fleet.other.example");
  if (!tls.ready()) GTEST_SKIP() << "openssl s_server did not start";
  UploadOptions o = fast_options(tls.url());
  o.attempts = 1;
  o.ca_cert = tls.cert();  // trusted, but made for another name
  UploadResult r = upload_report(sample_report(), o);
  EXPECT_EQ(r.state, UploadState::kTransient);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_FALSE(r.reason.empty());
}

TEST(ReportsUrl, AppendsTheEndpointOnce) {
  EXPECT_EQ(*reports_url("https://fleet.example:8443"), "https://fleet.example:8443/api/v1/reports");
  EXPECT_EQ(*reports_url("https://fleet.example/"), "https://fleet.example/api/v1/reports");
  EXPECT_EQ(*reports_url("http://h/api/v1/reports"), "http://h/api/v1/reports");
  EXPECT_FALSE(reports_url("ftp://h").ok());
  EXPECT_FALSE(reports_url("fleet.example").ok());
}

TEST(TokenFile, FirstLineTrimmedAndAWarningWhenOthersCanRead) {
  const auto dir = test::scratch_dir();
  const std::string path = (dir / "token").string();
  std::ofstream(path) << "  s3cr3t-token \nsecond line\n";
  chmod(path.c_str(), 0600);
  std::string warning;
  auto token = read_token_file(path, &warning);
  ASSERT_TRUE(token.ok()) << token.error();
  EXPECT_EQ(*token, "s3cr3t-token");
  EXPECT_EQ(warning, "");
  chmod(path.c_str(), 0644);
  ASSERT_TRUE(read_token_file(path, &warning).ok());
  EXPECT_NE(warning.find("readable by group or others"), std::string::npos) << warning;

  std::ofstream((dir / "empty").string()) << "\n";
  EXPECT_FALSE(read_token_file((dir / "empty").string(), nullptr).ok());
  EXPECT_FALSE(read_token_file((dir / "missing").string(), nullptr).ok());
}

TEST(Gzip, RoundTripsLargeAndEmptyBodies) {
  std::string big;
  for (int i = 0; i < 200000; ++i) big += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(test::gunzip(gzip(big)), big);
  EXPECT_EQ(test::gunzip(gzip("")), "");
}

}  // namespace
}  // namespace l4s::upload
