// `fix --running` against real JVMs on loopback: a Java 17 program logs, with
// the fixtures' log4j-core 2.14.1, every line it reads on stdin. Before the
// hot patch a `${jndi:ldap://127.0.0.1:PORT/...}` line makes the JVM connect
// to a loopback listener; after it, none, while the same process goes on
// logging ordinary lines exactly as before. JVMs that must not be touched
// (attach disabled, -Xrs) are reported and stay alive; a JVM of another user
// and one in its own mount+PID namespace with a private /tmp are patched.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loopback_listener.h"
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kJars = std::string(L4S_FIXTURES_DIR) + "/jars/mergebase-log4j-samples/";
const std::string kCore = kJars + "true-hits/log4j-core-2.14.1.jar";
const std::string kApi = kJars + "false-hits/log4j-api-2.14.1.jar";

std::string q(const std::string& s) { return "'" + s + "'"; }

const char kLogLines[] = R"(import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

// Logs each line of stdin as an application logging user input would.
public class LogLines {
  public static void main(String[] args) throws Exception {
    Logger log = LogManager.getLogger(LogLines.class);
    log.error("warm-up");
    new java.io.File(args[0]).createNewFile();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null;) log.error(line);
  }
}
)";

using Listener = l4s::test::LoopbackListener;

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool alive(pid_t pid) { return kill(pid, 0) == 0 && waitpid(pid, nullptr, WNOHANG) == 0; }

// A JVM running LogLines, fed through a pipe, its output in a file.
class Jvm {
 public:
  // `wrapper` runs before java (e.g. setpriv, unshare); `jvm_flags` go to java.
  Jvm(const std::string& dir, const std::string& cp, const std::string& name, const std::string& wrapper,
      const std::string& jvm_flags)
      : ready_(dir + "/ready/" + name), out_(dir + "/" + name + ".out") {
    stdfs::remove(ready_);
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[0], 0);
      close(fds[0]);
      close(fds[1]);
      setpgid(0, 0);  // the whole wrapper tree is killed at the end
      std::string cmd = wrapper + " java -Dl4s.test=" + name + " " + jvm_flags + " -cp " + q(cp) + " LogLines " +
                        q(ready_) + " > " + q(out_) + " 2>&1";
      execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[0]);
    in_ = fds[1];
  }
  ~Jvm() {
    close(in_);
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    // A JVM killed outright leaves its attach socket behind.
    stdfs::remove("/tmp/.java_pid" + std::to_string(pid_));
  }
  bool wait_ready() { return wait_until([&] { return stdfs::exists(ready_); }, 60s); }
  void log(const std::string& line) {
    std::string l = line + "\n";
    ASSERT_EQ(write(in_, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
  bool printed(const std::string& text) {
    return wait_until([&] { return slurp(out_).find(text) != std::string::npos; }, 30s);
  }
  std::string output() const { return slurp(out_); }
  pid_t pid() const { return pid_; }
  // The java process itself (the wrapper may have forked it): by its marker
  // property, among the processes whose executable is java.
  pid_t java_pid(const std::string& name) const {
    l4s::test::ShellResult r = l4s::test::run_shell(
        "for p in $(pgrep -f -- '-Dl4s.test=" + name + " '); do "
        "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = java ] && echo $p && break; done");
    return r.out.empty() ? -1 : std::stoi(r.out);
  }

 private:
  std::string ready_, out_;
  pid_t pid_ = -1;
  int in_ = -1;
};

class HotPatchE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "java/javac not installed";
    if (!stdfs::exists(kCore) || !stdfs::exists(kApi)) GTEST_SKIP() << "fixtures not found under " << kJars;
    // One folder per test: ctest runs them in parallel.
    tmp_ = stdfs::weakly_canonical(stdfs::path(L4S_TEST_TMP) /
                                   ("hotpatch-e2e-" +
                                    std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())))
               .string();
    stdfs::create_directories(tmp_ + "/classes");
    stdfs::create_directories(tmp_ + "/lib");
    stdfs::create_directories(tmp_ + "/ready");  // written by JVMs of other users too
    stdfs::permissions(tmp_ + "/ready", stdfs::perms::all | stdfs::perms::sticky_bit);
    if (!stdfs::exists(tmp_ + "/classes/LogLines.class")) {
      stdfs::copy_file(kCore, tmp_ + "/lib/log4j-core-2.14.1.jar", stdfs::copy_options::overwrite_existing);
      stdfs::copy_file(kApi, tmp_ + "/lib/log4j-api-2.14.1.jar", stdfs::copy_options::overwrite_existing);
      std::ofstream(tmp_ + "/LogLines.java") << kLogLines;
      auto c = l4s::test::run_shell("javac -d " + q(tmp_ + "/classes") + " -cp " + q(kApi) + " " +
                                    q(tmp_ + "/LogLines.java") + " 2>&1");
      ASSERT_EQ(c.exit_code, 0) << c.out;
    }
    // Readable by any user (a JVM of another user reads them too).
    l4s::test::run_shell("chmod -R a+rX " + q(tmp_));
    cp_ = tmp_ + "/classes:" + tmp_ + "/lib/log4j-api-2.14.1.jar:" + tmp_ + "/lib/log4j-core-2.14.1.jar";
  }

  // Runs fix --running on one JVM; returns its entry in the JSON report.
  json fix_running(pid_t pid, int* exit_code, const std::string& extra = "") {
    std::string report = tmp_ + "/report-" + std::to_string(pid) + ".json";
    auto r = l4s::test::run_shell(std::string(L4S_BINARY) + " fix --running --pid " + std::to_string(pid) +
                                  " --backup-dir " + q(tmp_ + "/backups") + " --format json -o " + q(report) + " " +
                                  extra + " 2>&1");
    *exit_code = r.exit_code;
    json j = json::parse(slurp(report), nullptr, false);
    if (j.is_discarded() || !j.contains("jvms") || j["jvms"].empty()) {
      ADD_FAILURE() << "no jvms in the report: " << r.out;
      return json::object();
    }
    return j["jvms"][0];
  }

  // The JVM calls back before the patch and not after; it still logs.
  void expect_patched(Jvm& jvm, pid_t java_pid, const std::string& name) {
    Listener ldap;
    std::string lookup = "${jndi:ldap://127.0.0.1:" + std::to_string(ldap.port()) + "/";
    jvm.log(lookup + "before-" + name + "}");
    ASSERT_TRUE(wait_until([&] { return ldap.connections() > 0; }, 30s)) << "vulnerable JVM did not call back";
    int rc = -1;
    json entry = fix_running(java_pid, &rc);
    EXPECT_EQ(rc, 0) << entry;
    EXPECT_EQ(entry["state"], "patched") << entry;
    EXPECT_EQ(entry["pid"], java_pid);
    ASSERT_TRUE(entry["patched"].is_array());
    ASSERT_FALSE(entry["patched"].empty()) << entry;
    EXPECT_NE(entry["patched"][0].get<std::string>().find("JndiLookup"), std::string::npos) << entry;
    int before = ldap.connections();
    jvm.log(lookup + "after-" + name + "}");
    jvm.log("plain line " + name + " 42");
    ASSERT_TRUE(jvm.printed("- plain line " + name + " 42\n")) << jvm.output();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(ldap.connections(), before) << "the patched JVM still called back";
    EXPECT_TRUE(alive(jvm.pid()));
    // A second run changes nothing.
    json again = fix_running(java_pid, &rc);
    EXPECT_EQ(again["state"], "already_patched") << again;
    EXPECT_EQ(again["marker"], entry["marker"]);
    EXPECT_EQ(rc, 0);
  }

  std::string tmp_, cp_;
};

TEST_F(HotPatchE2E, PatchesARunningJvmWithoutRestart) {
  Jvm jvm(tmp_, cp_, "plain", "", "");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  expect_patched(jvm, jvm.pid(), "plain");
  // scan --processes says so, and still lists the jar on disk as needing a fix.
  auto scan = l4s::test::run_shell(std::string(L4S_BINARY) + " scan --quiet --processes --format json 2>/dev/null");
  json report = json::parse(scan.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << scan.out;
  bool shown = false;
  for (const json& f : report["findings"]) {
    if (!f.contains("process") || !f["process"].is_object() || f["process"].value("pid", 0) != jvm.pid()) continue;
    EXPECT_EQ(f["status"], "vulnerable") << f;
    for (const json& e : f["evidence"]) shown |= e.get<std::string>().starts_with("hot-patched, until restart");
  }
  EXPECT_TRUE(shown) << scan.out.substr(0, 3000);
  // The trigger file, the agent and its report are gone from the JVM's /tmp.
  auto left = l4s::test::run_shell("ls -a /tmp | grep -c -e '^.log4shield-' -e '^.attach_pid" +
                                   std::to_string(jvm.pid()) + "$' || true");
  EXPECT_EQ(left.out, "0\n");
}

TEST_F(HotPatchE2E, AttachDisabledIsAnErrorAndTheJvmLives) {
  Jvm jvm(tmp_, cp_, "noattach", "", "-XX:+DisableAttachMechanism");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  int rc = -1;
  json entry = fix_running(jvm.pid(), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(entry["state"], "failed") << entry;
  EXPECT_NE(entry["reason"].get<std::string>().find("DisableAttachMechanism"), std::string::npos) << entry;
  jvm.log("still here");
  EXPECT_TRUE(jvm.printed("- still here\n"));
  EXPECT_TRUE(alive(jvm.pid()));
}

// -Xrs: the JVM installs no SIGQUIT handler (SIGQUIT would kill it), so
// HotSpot starts its attach listener at startup instead: it is patched
// through that socket and never signalled (it would not survive one).
TEST_F(HotPatchE2E, ReducedSignalsJvmIsPatchedWithoutASignal) {
  Jvm jvm(tmp_, cp_, "xrs", "", "-Xrs");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  expect_patched(jvm, jvm.pid(), "xrs");
}

TEST_F(HotPatchE2E, DryRunChangesNothing) {
  Jvm jvm(tmp_, cp_, "dry", "", "");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  int rc = -1;
  json entry = fix_running(jvm.pid(), &rc, "--dry-run");
  EXPECT_EQ(entry["state"], "would_patch") << entry;
  Listener ldap;
  jvm.log("${jndi:ldap://127.0.0.1:" + std::to_string(ldap.port()) + "/dry}");
  EXPECT_TRUE(wait_until([&] { return ldap.connections() > 0; }, 30s)) << "the dry run changed the JVM";
}

TEST_F(HotPatchE2E, JvmOfAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "setpriv not installed";
  Jvm jvm(tmp_, cp_, "nobody", "setpriv --reuid=65534 --regid=65534 --clear-groups", "-Djava.io.tmpdir=/tmp");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  pid_t java = jvm.java_pid("nobody");
  ASSERT_GT(java, 0);
  expect_patched(jvm, java, "nobody");
}

TEST_F(HotPatchE2E, JvmInItsOwnMountAndPidNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  if (std::system("unshare --mount --pid --fork --mount-proc true >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "cannot create namespaces here";
  // A private /tmp: the listener socket exists only inside the namespace.
  Jvm jvm(tmp_, cp_, "container",
          "unshare --mount --pid --fork --mount-proc sh -c 'mount -t tmpfs tmpfs /tmp && exec \"$0\" \"$@\"'", "");
  ASSERT_TRUE(jvm.wait_ready()) << jvm.output();
  pid_t java = jvm.java_pid("container");
  ASSERT_GT(java, 0);
  expect_patched(jvm, java, "container");
}

}  // namespace
