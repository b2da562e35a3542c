// `fleet serve` end to end: the real binary on loopback over HTTPS with a
// test CA made by `openssl`, uploads by curl, every status code provoked with
// nothing stored for the rejected ones, revocation at once, 1,000 slow
// clients, the fuzz seeds sent over HTTPS, and two servers on one PostgreSQL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/store.h"
#include "tests/fleet/pg_server.h"
#include "tests/shell.h"

namespace l4s {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::run_shell;
using test::shell_quote;

const std::string kBin = L4S_BINARY;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

std::string scan_report(const std::string& host, const std::string& version = "2.14.1") {
  return R"({"host":")" + host +
         R"(","started":"2026-12-08T00:00:00Z","finished":"2026-12-08T00:00:01Z","roots":["/opt"],"stats":{"files":1,"archives":0,"errors":0},"findings":[{"path":"/opt/a.jar","location":"/opt/a.jar","component":"log4j-core","version":")" +
         version + R"(","status":"vulnerable","cves":["CVE-2021-44228"],"severity":"critical","evidence":[]}],"errors":[]})";
}

// A running `log4shield fleet serve`; its stderr goes to a file (a pipe
// nobody drains would block it).
class ServeProcess {
 public:
  ServeProcess(const std::string& dir, std::vector<std::string> args) : log_(dir + "/serve-" + std::to_string(++count_) + ".log") {
    pid_ = fork();
    if (pid_ == 0) {
      freopen("/dev/null", "w", stdout);
      freopen(log_.c_str(), "w", stderr);
      std::vector<char*> argv{const_cast<char*>(kBin.c_str()), const_cast<char*>("fleet"), const_cast<char*>("serve")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(kBin.c_str(), argv.data());
      _exit(127);
    }
    std::regex re("listening on (https?)://127\\.0\\.0\\.1:(\\d+)");
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::smatch m;
      const std::string text = read_file(log_);
      if (std::regex_search(text, m, re)) port_ = std::stoi(m[2]);
      else std::this_thread::sleep_for(50ms);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  bool alive() const { return kill(pid_, 0) == 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string log() const { return read_file(log_); }

 private:
  static inline int count_ = 0;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class ServeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::string(L4S_TEST_TMP) + "/serve-e2e-" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // A test CA and a server certificate for 127.0.0.1 (EC keys: quick handshakes).
    const std::string d = shell_quote(dir_);
    auto r = run_shell(
        "cd " + d +
        " && openssl ecparam -name prime256v1 -genkey -noout -out ca.key"
        " && openssl req -x509 -new -key ca.key -days 2 -subj '/CN=log4shield test CA' -out ca.pem"
        " && openssl ecparam -name prime256v1 -genkey -noout -out server.key"
        " && openssl req -new -key server.key -subj '/CN=127.0.0.1' -out server.csr"
        " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext"
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext"
        " -out server.pem 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    // Room for a thousand and more sockets in this process too.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SetUp() override {
    db_ = dir_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    fs::remove(db_);
  }

  std::string make_token(const std::string& db, const std::string& name, const std::string& role,
                         const std::string& hosts = "*") {
    auto r = run_shell(kBin + " fleet token create --db " + shell_quote(db) + " --name " + name + " --role " + role +
                       " --hosts " + shell_quote(hosts) + " 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    std::string t = r.out;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const std::string file = dir_ + "/" + name + ".token";
    write_file(file, t + "\n");
    return t;
  }

  std::vector<std::string> tls_args(const std::string& db) {
    return {"--listen", "127.0.0.1:0", "--db", db, "--tls-cert", dir_ + "/server.pem", "--tls-key", dir_ + "/server.key"};
  }

  struct Reply {
    int status = 0;
    std::string body;
  };
  // curl with the test CA: the status and body. `extra`: more curl options.
  Reply curl(int port, const std::string& path, const std::string& extra) {
    const std::string out = dir_ + "/curl-" + std::to_string(++curls_) + ".out";
    auto r = run_shell("curl -sS --max-time 60 --cacert " + shell_quote(dir_ + "/ca.pem") + " -o " + shell_quote(out) +
                       " -w '%{http_code}' " + extra + " https://127.0.0.1:" + std::to_string(port) + path + " 2>&1");
    Reply reply;
    try {
      reply.status = std::stoi(r.out.substr(r.out.size() >= 3 ? r.out.size() - 3 : 0));
    } catch (...) {
      reply.status = -1;
    }
    reply.body = read_file(out);
    if (reply.status <= 0) reply.body = r.out;
    return reply;
  }
  Reply upload(int port, const std::string& token, const std::string& file, const std::string& extra = "") {
    return curl(port, "/api/v1/reports",
                "-H " + shell_quote("Authorization: Bearer " + token) + " --data-binary @" + shell_quote(file) + " " +
                    extra);
  }
  int64_t count(const std::string& spec, const std::string& table) {
    auto store = fleet::Store::open(spec);
    EXPECT_TRUE(store.ok()) << store.error();
    if (!store.ok()) return -1;
    auto rows = (*store)->db().query("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? std::stoll(*(*rows)[0][0]) : -1;
  }
  std::string report_file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    write_file(path, content);
    return path;
  }

  static inline std::string dir_;
  std::string db_;
  int curls_ = 0;
};

TEST_F(ServeE2E, EveryStatusCodeOverHttpsAndNothingStoredWhenRejected) {
  const std::string web = make_token(db_, "web", "upload", "web*");
  const std::string admin = make_token(db_, "admin", "admin");
  const std::string burst = make_token(db_, "burst", "upload");
  const std::string reader = make_token(db_, "reader", "read");
  auto args = tls_args(db_);
  for (const char* a : {"--max-body", "0.05", "--max-inflated", "1", "--rate", "0.01", "--burst", "20"}) args.push_back(a);
  ServeProcess server(dir_, args);
  ASSERT_GT(server.port(), 0) << server.log();
  const int port = server.port();

  // 201 stored by curl (gzip), 200 when sent again.
  const std::string web01 = report_file("web01.json", scan_report("web01"));
  ASSERT_EQ(run_shell("gzip -kf " + shell_quote(web01)).exit_code, 0);
  Reply stored = upload(port, web, web01 + ".gz", "-H 'Content-Encoding: gzip'");
  EXPECT_EQ(stored.status, 201) << stored.body;
  Reply again = upload(port, web, web01);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("\"duplicate\""), std::string::npos);
  // A real scan report from our own scanner, on a fixture, by an admin token.
  const std::string jar = std::string(L4S_FIXTURES_DIR) + "/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
  if (fs::exists(jar)) {
    ASSERT_EQ(run_shell(kBin + " scan " + shell_quote(jar) + " --format json -o " + shell_quote(dir_ + "/real.json")).exit_code, 1);
    Reply real = upload(port, admin, dir_ + "/real.json");
    EXPECT_EQ(real.status, 201) << real.body;
  }
  const int64_t reports = count(db_, "reports");

  // The refusals, each with a JSON reason and nothing stored.
  const std::string db01 = report_file("db01.json", scan_report("db01"));
  EXPECT_EQ(upload(port, web, db01).status, 403);                                             // outside web*
  EXPECT_EQ(upload(port, reader, db01).status, 403);                                          // read token
  EXPECT_EQ(upload(port, "l4s_0123456789abcdef_xxxxxxxx", db01).status, 401);                 // unknown
  EXPECT_EQ(curl(port, "/api/v1/reports", "--data-binary @" + shell_quote(db01)).status, 401);  // none
  EXPECT_EQ(upload(port, admin, report_file("bad.json", "{\"type\":1}")).status, 400);
  EXPECT_EQ(upload(port, admin, report_file("big.json", std::string(100 * 1024, ' '))).status, 413);
  ASSERT_EQ(run_shell("head -c 20000000 /dev/zero | gzip > " + shell_quote(dir_ + "/bomb.gz")).exit_code, 0);
  Reply bomb = upload(port, admin, dir_ + "/bomb.gz", "-H 'Content-Encoding: gzip'");
  EXPECT_EQ(bomb.status, 413) << bomb.body;
  int last = 0;
  for (int i = 0; i < 21 && last != 429; ++i)
    last = upload(port, burst, report_file("b.json", scan_report("rate" + std::to_string(i)))).status;
  EXPECT_EQ(last, 429);
  EXPECT_EQ(count(db_, "reports"), reports + 20);  // the burst's 20, none of the refused

  // Revoked: refused at the very next request.
  ASSERT_EQ(run_shell(kBin + " fleet token revoke web --db " + shell_quote(db_) + " 2>&1").exit_code, 0);
  Reply revoked = upload(port, web, report_file("web02.json", scan_report("web02")));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;

  // Reads.
  Reply status = curl(port, "/api/v1/status", "-H " + shell_quote("Authorization: Bearer " + reader));
  ASSERT_EQ(status.status, 200);
  auto j = nlohmann::json::parse(status.body);
  EXPECT_EQ(j["hosts_exposed"], j["hosts_known"]);
  Reply host = curl(port, "/api/v1/hosts/web01", "-u " + shell_quote("x:" + reader));
  ASSERT_EQ(host.status, 200) << host.body;
  EXPECT_EQ(nlohmann::json::parse(host.body)["uploads"].size(), 2u);
  EXPECT_EQ(curl(port, "/", "-u " + shell_quote("x:" + reader)).status, 200);
  EXPECT_EQ(curl(port, "/healthz", "").status, 200);
  Reply metrics = curl(port, "/metrics", "-H " + shell_quote("Authorization: Bearer " + reader));
  EXPECT_NE(metrics.body.find("log4shield_reports_rejected_total{reason=\"rate_limited\"} 1"), std::string::npos)
      << metrics.body;
  // Plain HTTP on the HTTPS port is not served.
  EXPECT_NE(run_shell("curl -s --max-time 5 http://127.0.0.1:" + std::to_string(port) + "/healthz").exit_code, 0);
  EXPECT_TRUE(server.alive());
}

TEST_F(ServeE2E, TlsIsRequiredUnlessSaidOtherwise) {
  auto r = run_shell(kBin + " fleet serve --listen 127.0.0.1:0 --db " + shell_quote(db_) + " 2>&1");
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.out.find("--tls-cert"), std::string::npos) << r.out;
  ServeProcess plain(dir_, {"--listen", "127.0.0.1:0", "--db", db_, "--insecure-http"});
  ASSERT_GT(plain.port(), 0);
  EXPECT_NE(plain.log().find("plain HTTP"), std::string::npos);
  auto h = run_shell("curl -s http://127.0.0.1:" + std::to_string(plain.port()) + "/healthz");
  EXPECT_NE(h.out.find("\"ok\""), std::string::npos) << h.out;
}

// A TLS connection from this process (the test CA trusted).
struct TlsClient {
  SSL_CTX* ctx = nullptr;
  explicit TlsClient(const std::string& ca) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  ~TlsClient() { SSL_CTX_free(ctx); }
  static int connect_tcp(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      return -1;
    }
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  SSL* open(int port) {
    const int fd = connect_tcp(port);
    if (fd < 0) return nullptr;
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
      SSL_free(ssl);
      close(fd);
      return nullptr;
    }
    return ssl;
  }
  static void close_ssl(SSL* ssl) {
    const int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
  }
  // Sends bytes and the end of its stream (TLS close_notify), reads until the
  // server closes or 10 s pass; the reply.
  std::string exchange(int port, const std::string& bytes) {
    SSL* ssl = open(port);
    if (!ssl) return "";
    SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    SSL_shutdown(ssl);
    std::string reply;
    char buf[4096];
    int n;
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
    close_ssl(ssl);
    return reply;
  }
};

TEST_F(ServeE2E, ThousandSlowClientsDoNotStopANormalUpload) {
  const std::string admin = make_token(db_, "admin", "admin");
  auto args = tls_args(db_);
  for (const char* a : {"--header-timeout", "60", "--body-timeout", "60"}) args.push_back(a);
  ServeProcess server(dir_, args);
  ASSERT_GT(server.port(), 0) << server.log();
  TlsClient tls(dir_ + "/ca.pem");
  std::vector<int> idle;   // connected, never say a word (stuck before the TLS handshake)
  std::vector<SSL*> slow;  // TLS up, half a request header, then nothing
  for (int i = 0; i < 500; ++i) {
    int fd = TlsClient::connect_tcp(server.port());
    ASSERT_GE(fd, 0) << i;
    idle.push_back(fd);
  }
  for (int i = 0; i < 500; ++i) {
    SSL* ssl = tls.open(server.port());
    ASSERT_NE(ssl, nullptr) << i;
    const std::string partial = "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"ho";
    SSL_write(ssl, partial.data(), static_cast<int>(partial.size()));
    slow.push_back(ssl);
  }
  Reply ok = upload(server.port(), admin, report_file("normal.json", scan_report("web01")));
  EXPECT_EQ(ok.status, 201) << ok.body;
  Reply metrics = curl(server.port(), "/metrics", "-H " + shell_quote("Authorization: Bearer " + admin));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics.body, m, std::regex("log4shield_connections_open (\\d+)"))) << metrics.body;
  EXPECT_GE(std::stoi(m[1]), 1000);
  for (int fd : idle) close(fd);
  for (SSL* ssl : slow) TlsClient::close_ssl(ssl);
  EXPECT_TRUE(server.alive());
  EXPECT_EQ(count(db_, "reports"), 1);
}

TEST_F(ServeE2E, ConnectionsOverTheCapAreClosedAtOnce) {
  ServeProcess server(dir_, {"--listen", "127.0.0.1:0", "--db", db_, "--insecure-http", "--max-connections", "3"});
  ASSERT_GT(server.port(), 0) << server.log();
  const std::string healthz = "curl -s --max-time 5 http://127.0.0.1:" + std::to_string(server.port()) + "/healthz";
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(TlsClient::connect_tcp(server.port()));
  std::this_thread::sleep_for(200ms);  // accepted (order is not the point: the count is)
  EXPECT_EQ(run_shell(healthz).out, "");  // closed without an answer
  close(held.back());
  held.pop_back();
  std::string answer;
  for (int i = 0; i < 50 && answer.empty(); ++i) {
    answer = run_shell(healthz).out;
    if (answer.empty()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(answer.find("\"ok\""), std::string::npos);
  for (int fd : held) close(fd);
  EXPECT_TRUE(server.alive());
}

TEST_F(ServeE2E, SurvivesTheFuzzSeedsOverHttps) {
  const std::string admin = make_token(db_, "admin", "admin");
  auto args = tls_args(db_);
  for (const char* a : {"--header-timeout", "3", "--body-timeout", "3", "--rate", "0"}) args.push_back(a);
  ServeProcess server(dir_, args);
  ASSERT_GT(server.port(), 0) << server.log();
  TlsClient tls(dir_ + "/ca.pem");
  // Each seed is a raw request after a first byte (even: add the token), as
  // the fuzz target reads it; each is also sent cut short at several points.
  const fs::path seeds = fs::path(L4S_SOURCE_DIR) / "fuzz/seeds/serve_http_fuzz";
  ASSERT_TRUE(fs::exists(seeds));
  std::vector<std::string> requests;
  for (const auto& e : fs::directory_iterator(seeds)) {
    std::string seed = read_file(e.path());
    if (seed.size() < 2) continue;
    std::string req = seed.substr(1);
    const size_t eol = req.find("\r\n");
    if (seed[0] % 2 == 0 && eol != std::string::npos)
      req.insert(eol + 2, "Authorization: Bearer " + admin + "\r\n");
    requests.push_back(req);
    for (size_t cut : {req.size() / 3, req.size() / 2, req.size() - 1}) requests.push_back(req.substr(0, cut));
  }
  requests.push_back(std::string(40000, 'A'));                          // no request line
  requests.push_back("GET / HTTP/1.1\r\n" + std::string(20000, 'x'));  // header over the limit
  requests.push_back("POST /api/v1/reports HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
  requests.push_back("POST /api/v1/reports HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n");
  int answered = 0;
  for (const std::string& req : requests) answered += tls.exchange(server.port(), req).starts_with("HTTP/1.1 ");
  EXPECT_GT(answered, 10);
  EXPECT_TRUE(server.alive()) << server.log();
  EXPECT_EQ(curl(server.port(), "/healthz", "").status, 200);
  // Whatever was stored was stored whole: each report with its upload record.
  auto store = fleet::Store::open(db_);
  ASSERT_TRUE(store.ok());
  auto orphans = (*store)->db().query("SELECT COUNT(*) FROM reports WHERE hash NOT IN (SELECT report FROM uploads)");
  ASSERT_TRUE(orphans.ok());
  EXPECT_EQ(*(*orphans)[0][0], "0");
  EXPECT_GT(count(db_, "reports"), 0);
}

TEST_F(ServeE2E, TwoServersOnOnePostgresqlStoreEachReportOnce) {
  testing::PgServer pg;
  const std::string why = pg.start(dir_);
  if (!why.empty()) GTEST_SKIP() << why;
  const std::string uri = pg.uri();
  const std::string admin = make_token(uri, "admin", "admin");
  ServeProcess a(dir_, tls_args(uri));
  ServeProcess b(dir_, tls_args(uri));
  ASSERT_GT(a.port(), 0) << a.log();
  ASSERT_GT(b.port(), 0) << b.log();
  constexpr int kReports = 30;
  std::vector<std::string> files;
  for (int i = 0; i < kReports; ++i)
    files.push_back(report_file("pg" + std::to_string(i) + ".json", scan_report("host" + std::to_string(i))));
  // Every report goes to both servers at once, from two threads (a retry
  // after a lost answer, or two load-balanced paths).
  std::atomic<int> ok{0};
  auto send_all = [&](int port) {
    for (const std::string& file : files) {
      const int s = upload(port, admin, file).status;
      ok += s == 201 || s == 200;
    }
  };
  std::thread ta(send_all, a.port()), tb(send_all, b.port());
  ta.join();
  tb.join();
  EXPECT_EQ(ok.load(), 2 * kReports);
  EXPECT_EQ(count(uri, "reports"), kReports);
  EXPECT_EQ(count(uri, "findings"), kReports);
  EXPECT_EQ(count(uri, "uploads"), 2 * kReports);
  auto store = fleet::Store::open(uri);
  ASSERT_TRUE(store.ok());
  auto outcomes = (*store)->db().query("SELECT outcome, COUNT(*) FROM uploads GROUP BY outcome ORDER BY outcome");
  ASSERT_TRUE(outcomes.ok());
  ASSERT_EQ(outcomes->size(), 2u);
  EXPECT_EQ(*(*outcomes)[0][1], std::to_string(kReports));  // duplicate
  EXPECT_EQ(*(*outcomes)[1][1], std::to_string(kReports));  // stored
}

}  // namespace
}  // namespace l4s
