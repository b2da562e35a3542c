// `log4shield canary` as a process: flags, port 0, jsonl on stdout, the
// SQLite store surviving a restart, --list, clean exit on SIGTERM.
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "canary_test_process.h"
#include "canary/socket_test_util.h"
#include "net/test_util.h"

namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using l4s::net::testing::CanaryProcess;
using l4s::net::testing::Client;
using l4s::net::testing::run;
using l4s::net::testing::unhex;
using nlohmann::json;

std::string ldap_exchange(const std::string& dn) {
  std::string body;
  body.push_back(0x04);
  body.push_back(static_cast<char>(dn.size()));
  body += dn + unhex("0a01000a0103020100020100010100870b6f626a656374436c6173733000");
  std::string op = unhex("020102") + "\x63" + std::string(1, static_cast<char>(body.size())) + body;
  return unhex("300c020101600702010304008000") + "\x30" + std::string(1, static_cast<char>(op.size())) + op +
         unhex("30050201034200");
}

class CanaryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test: ctest runs the tests of this file in parallel.
    dir_ = stdfs::path(L4S_TEST_TMP) /
           ("canary-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    db_ = (dir_ / "canary.db").string();
  }
  stdfs::path dir_;
  std::string db_;
};

TEST_F(CanaryCli, RecordsPrintsPersistsAndLists) {
  {
    CanaryProcess canary({"--ldap", "127.0.0.1:0", "--rmi", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--db", db_,
                          "--format", "jsonl"});
    auto ports = canary.ports();
    ASSERT_EQ(ports.size(), 4u) << canary.stderr_text();
    EXPECT_EQ(ports["dns/udp"], ports["dns/tcp"]);
    EXPECT_NE(ports["ldap/tcp"], 0);
    Client c(static_cast<uint16_t>(ports["ldap/tcp"]));
    ASSERT_TRUE(c.send(ldap_exchange("abcdefghijkl0001/Debian_17")));
    EXPECT_TRUE(c.closed_by_peer());
    json j = json::parse(canary.line());
    EXPECT_EQ(j["protocol"], "ldap");
    EXPECT_EQ(j["token"], "abcdefghijkl0001");
    EXPECT_EQ(j["extras"], json::array({"Debian_17"}));
    EXPECT_EQ(j["id"], 1);
    EXPECT_EQ(canary.terminate(), 0);
  }
  {
    // A restart on the same file appends; nothing recorded before is lost.
    CanaryProcess canary({"--ldap", "127.0.0.1:0", "--db", db_});
    auto ports = canary.ports();
    ASSERT_EQ(ports.size(), 1u) << canary.stderr_text();
    Client c(static_cast<uint16_t>(ports["ldap/tcp"]));
    ASSERT_TRUE(c.send(ldap_exchange("abcdefghijkl0002")));
    EXPECT_TRUE(c.closed_by_peer());
    std::string line = canary.line();
    EXPECT_NE(line.find(" ldap from 127.0.0.1:"), std::string::npos) << line;
    EXPECT_NE(line.find("token=abcdefghijkl0002"), std::string::npos) << line;
    EXPECT_EQ(canary.terminate(), 0);
  }
  auto [rc, out] = run("canary --list --format jsonl --db " + db_);
  EXPECT_EQ(rc, 1);  // something was recorded
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  std::tie(rc, out) = run("canary --list --token ABCDEFGHIJKL0002 --db " + db_);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("abcdefghijkl0002"), std::string::npos);
}

TEST_F(CanaryCli, RejectsUnsafeOrBadFlags) {
  EXPECT_EQ(run("canary --ldap 0.0.0.0:0 --db " + db_).first, 2);  // not loopback, not asked for
  EXPECT_EQ(run("canary --ldap nowhere --db " + db_).first, 64);
  EXPECT_EQ(run("canary --dns 127.0.0.1:0 --answer 127.0.0.1 --db " + db_).first, 64);  // --answer needs --zone
  EXPECT_EQ(run("canary --format xml --db " + db_).first, 64);
  EXPECT_EQ(run("canary --list --db " + (dir_ / "nope" / "x.db").string()).first, 2);
  EXPECT_EQ(run("canary --list --db " + db_).first, 0);  // empty store
}

}  // namespace
