// `probe` against a real Java web service on loopback that logs two request
// headers with Log4j, with `canary` running: exactly those two headers must be
// reported, for every payload variant, with their tokens; every lookup must
// return quickly. The same service with a fixed Log4j must give a clean report.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "canary_test_process.h"

namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using l4s::net::testing::CanaryProcess;
using l4s::net::testing::kBin;
using nlohmann::json;

const std::string kFixtures = L4S_FIXTURES_DIR;
const std::string kCore2141 = kFixtures + "/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string kApi2141 = kFixtures + "/jars/mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar";
// Fixed release with its matching API (see canary_e2e_test.cc for why not 2.17.1).
const std::string kCore219 = kFixtures + "/jars/debian/x/liblog4j2-java/usr/share/java/log4j-core.jar";
const std::string kApi219 = kFixtures + "/jars/debian/x/liblog4j2-java/usr/share/java/log4j-api.jar";

std::string q(const std::string& s) { return "'" + s + "'"; }

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ProbeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "java/javac not installed";
    for (const auto& jar : {kCore2141, kApi2141, kCore219, kApi219})
      if (!stdfs::exists(jar)) GTEST_SKIP() << "fixture missing: " << jar;
    // One folder per test: ctest runs the tests of this file in parallel.
    tmp_ = stdfs::path(L4S_TEST_TMP) / ("probe-e2e-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_ / "classes");
    std::string src = std::string(L4S_SOURCE_DIR) + "/tests/canary_java/HeaderLoggingServer.java";
    ASSERT_EQ(std::system(("javac -d " + q((tmp_ / "classes").string()) + " -cp " + q(kApi2141) + " " + q(src)).c_str()), 0);
    db_ = (tmp_ / "canary.db").string();
    canary_ = std::make_unique<CanaryProcess>(std::vector<std::string>{
        "--ldap", "127.0.0.1:0", "--rmi", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--db", db_}, /*capture_stdout=*/false);
    ports_ = canary_->ports();
    ASSERT_EQ(ports_.size(), 4u) << canary_->stderr_text();
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGKILL);
      waitpid(server_, nullptr, 0);
    }
  }

  // Starts HeaderLoggingServer with the given jars; returns its port.
  int start_server(const std::string& api, const std::string& core) {
    const std::string port_file = (tmp_ / "port").string();
    const std::string cp = (tmp_ / "classes").string() + ":" + api + ":" + core;
    server_ = fork();
    if (server_ == 0) {
      freopen((tmp_ / "server.err").c_str(), "w", stderr);
      freopen("/dev/null", "w", stdout);
      execlp("java", "java", "-Dcom.sun.jndi.ldap.object.trustURLCodebase=false", "-cp", cp.c_str(),
             "HeaderLoggingServer", port_file.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 600 && !stdfs::exists(port_file); ++i) std::this_thread::sleep_for(50ms);
    return stdfs::exists(port_file) ? std::stoi(slurp(port_file)) : 0;
  }

  // Runs `probe` against the server; returns {exit code, parsed jsonl}.
  std::pair<int, std::vector<json>> probe(int port, const std::string& extra) {
    std::string cmd = kBin + " probe http://127.0.0.1:" + std::to_string(port) + "/app?id=1 --db " + q(db_) +
                      " --callback 127.0.0.1:" + std::to_string(ports_["ldap/tcp"]) +
                      " --callback-rmi 127.0.0.1:" + std::to_string(ports_["rmi/tcp"]) +
                      " --callback-dns 127.0.0.1:" + std::to_string(ports_["dns/udp"]) +
                      " --rate 0 --concurrency 4 --wait 1 --format jsonl " + extra + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::vector<json> lines;
    char buf[1 << 16];
    std::string out;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = pclose(p);
    std::stringstream ss(out);
    for (std::string line; std::getline(ss, line);)
      if (!line.empty()) lines.push_back(json::parse(line));
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, lines};
  }

  long max_lookup_ms() {
    std::string err = slurp(tmp_ / "server.err");
    std::regex re("elapsed_ms (\\d+)");
    long worst = -1;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), re); it != std::sregex_iterator(); ++it)
      worst = std::max(worst, std::stol((*it)[1]));
    return worst;
  }

  stdfs::path tmp_;
  std::string db_;
  std::unique_ptr<CanaryProcess> canary_;
  std::map<std::string, int> ports_;
  pid_t server_ = -1;
};

TEST_F(ProbeE2E, ReportsExactlyTheLoggedHeadersForEveryVariant) {
  int port = start_server(kApi2141, kCore2141);
  ASSERT_GT(port, 0) << slurp(tmp_ / "server.err");
  auto [rc, lines] = probe(port, "--variants all");
  EXPECT_EQ(rc, 1);  // found
  std::map<std::string, std::set<std::string>> points_by_variant;
  json summary;
  for (const json& j : lines) {
    if (j["type"] == "target") {
      summary = j;
      continue;
    }
    points_by_variant[j["variant"]].insert(j["point"]);
    // The callback carries the token the probe put into that very point.
    const std::string token = j["token"];
    ASSERT_FALSE(j["callbacks"].empty());
    EXPECT_NE(j["callbacks"][0]["name"].get<std::string>().find(token), std::string::npos) << j.dump();
    EXPECT_EQ(j["callbacks"][0]["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  }
  const std::set<std::string> logged = {"header:User-Agent", "header:X-Api-Version"};
  for (const char* v : {"ldap", "ldap-info", "rmi", "dns", "obf-default", "obf-lower", "obf-case", "obf-env",
                        "obf-nested"})
    EXPECT_EQ(points_by_variant[v], logged) << "variant " << v;
  EXPECT_EQ(points_by_variant.size(), 9u);  // zone variants need --zone and are skipped
  EXPECT_EQ(summary["vulnerable"], true);
  EXPECT_EQ(summary["failed"], 0);
  long worst = max_lookup_ms();
  EXPECT_GE(worst, 0);
  EXPECT_LT(worst, 1000) << "a lookup made the service hang";
}

TEST_F(ProbeE2E, BundleModeAttributesToo) {
  int port = start_server(kApi2141, kCore2141);
  ASSERT_GT(port, 0) << slurp(tmp_ / "server.err");
  auto [rc, lines] = probe(port, "--bundle --headers full");
  EXPECT_EQ(rc, 1);
  std::set<std::string> points;
  for (const json& j : lines)
    if (j["type"] == "hit") points.insert(j["point"]);
  EXPECT_EQ(points, (std::set<std::string>{"header:User-Agent", "header:X-Api-Version"}));
}

TEST_F(ProbeE2E, FixedLog4jGivesACleanReport) {
  int port = start_server(kApi219, kCore219);
  ASSERT_GT(port, 0) << slurp(tmp_ / "server.err");
  auto [rc, lines] = probe(port, "--variants ldap,rmi,dns");
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "target");
  EXPECT_EQ(lines[0]["vulnerable"], false);
  EXPECT_EQ(lines[0]["failed"], 0);
  EXPECT_GT(lines[0]["sent"].get<int>(), 60);
}

}  // namespace
