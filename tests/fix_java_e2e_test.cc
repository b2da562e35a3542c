// `fix` against a real JVM: a program compiled with javac against the
// fixtures' log4j-api/log4j-core 2.14.1 logs ${jndi:ldap://127.0.0.1:PORT/x}.
// Before the fix a loopback listener sees the LDAP connection; after it, none,
// and the program still logs and exits 0. A JVM holding the jar while it is
// fixed is named as needing a restart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include "loopback_listener.h"
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;

const std::string kJars = std::string(L4S_FIXTURES_DIR) + "/jars/mergebase-log4j-samples/";
const std::string kCore = kJars + "true-hits/log4j-core-2.14.1.jar";
const std::string kApi = kJars + "false-hits/log4j-api-2.14.1.jar";

std::string q(const std::string& s) { return "'" + s + "'"; }

const char kProbe[] = R"(import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

public class JndiProbe {
  public static void main(String[] args) throws Exception {
    Logger log = LogManager.getLogger(JndiProbe.class);
    log.error("probe ${jndi:ldap://127.0.0.1:" + args[0] + "/x}");
    log.error("still logging after the lookup");
    System.out.println("probe done");
    if (args.length > 1) {  // hold the jar open until killed
      new java.io.File(args[1]).createNewFile();
      Thread.sleep(600000);
    }
  }
}
)";

using Listener = l4s::test::LoopbackListener;

struct Out {
  int exit_code = -1;
  std::string text;
};

Out sh(const std::string& cmd) {
  l4s::test::ShellResult r = l4s::test::run_shell(cmd + " 2>&1");
  return {r.exit_code, std::move(r.out)};
}

class FixJavaE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "java/javac not installed";
    if (!stdfs::exists(kCore) || !stdfs::exists(kApi)) GTEST_SKIP() << "fixtures not found under " << kJars;
    tmp_ = stdfs::weakly_canonical(stdfs::path(L4S_TEST_TMP) / "fix-java-e2e").string();
    stdfs::remove_all(tmp_);
    stdfs::create_directories(tmp_ + "/classes");
    stdfs::create_directories(tmp_ + "/lib");
    stdfs::copy_file(kCore, tmp_ + "/lib/log4j-core-2.14.1.jar");
    stdfs::copy_file(kApi, tmp_ + "/lib/log4j-api-2.14.1.jar");
    std::ofstream(tmp_ + "/JndiProbe.java") << kProbe;
    Out c = sh("javac -d " + q(tmp_ + "/classes") + " -cp " + q(kApi) + " " + q(tmp_ + "/JndiProbe.java"));
    ASSERT_EQ(c.exit_code, 0) << c.text;
    cp_ = tmp_ + "/classes:" + tmp_ + "/lib/log4j-api-2.14.1.jar:" + tmp_ + "/lib/log4j-core-2.14.1.jar";
  }
  void TearDown() override {
    for (pid_t p : pids_) kill(p, SIGKILL);
    for (pid_t p : pids_) waitpid(p, nullptr, 0);
  }

  Out probe(int port) {
    return sh("timeout 120 java -cp " + q(cp_) + " JndiProbe " + std::to_string(port));
  }

  pid_t start_holder(int port, const std::string& ready) {
    pid_t pid = fork();
    if (pid == 0) {
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      std::string p = std::to_string(port);
      execlp("java", "java", "-cp", cp_.c_str(), "JndiProbe", p.c_str(), ready.c_str(), nullptr);
      _exit(127);
    }
    pids_.push_back(pid);
    for (int i = 0; i < 1200 && !stdfs::exists(ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(stdfs::exists(ready)) << "the holding JVM did not start";
    return pid;
  }

  std::string tmp_, cp_;
  std::vector<pid_t> pids_;
};

TEST_F(FixJavaE2E, JndiLookupReachesTheListenerBeforeTheFixAndNeverAfter) {
  {
    Listener before;
    Out o = probe(before.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GE(before.connections(), 1) << "the vulnerable build did not connect:\n" << o.text;
    EXPECT_NE(o.text.find("probe done"), std::string::npos) << o.text;
  }

  // A JVM holding the jar while it is replaced must be named.
  Listener hold_listener;
  const pid_t holder = start_holder(hold_listener.port(), tmp_ + "/holder.ready");

  Out fix = sh(std::string(L4S_BINARY) + " fix --backup-dir " + q(tmp_ + "/backups") + " " + q(tmp_ + "/lib"));
  EXPECT_EQ(fix.exit_code, 0) << fix.text;
  EXPECT_NE(fix.text.find("[MITIGATED] " + tmp_ + "/lib/log4j-core-2.14.1.jar"), std::string::npos) << fix.text;
  EXPECT_NE(fix.text.find("restart needed: pid " + std::to_string(holder)), std::string::npos) << fix.text;

  {
    Listener after;
    Out o = probe(after.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(after.connections(), 0) << "the fixed build still connected:\n" << o.text;
    EXPECT_EQ(o.exit_code, 0) << o.text;
    EXPECT_NE(o.text.find("still logging after the lookup"), std::string::npos) << o.text;
    EXPECT_NE(o.text.find("probe done"), std::string::npos) << o.text;
  }

  // Restored, the original behaviour (and bytes) are back.
  Out restore = sh(std::string(L4S_BINARY) + " restore --backup-dir " + q(tmp_ + "/backups"));
  EXPECT_EQ(restore.exit_code, 0) << restore.text;
  EXPECT_EQ(sh("cmp " + q(kCore) + " " + q(tmp_ + "/lib/log4j-core-2.14.1.jar")).exit_code, 0);
  Listener restored;
  probe(restored.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GE(restored.connections(), 1);
}

}  // namespace
