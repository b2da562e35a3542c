// Differential test: our lookup evaluator against the real log4j-core 2.14.1.
//
// Generates >= 10,000 payload lines with a seeded generator, runs them through
// Log4j's own StrSubstitutor and %m converter (Log4jOracle.java, compiled here
// with javac; JNDI replaced by an in-process recorder), and requires the
// evaluator to agree on every line and both call paths: the outcome, the
// substituted text, and the exact sequence of names passed to JNDI. It does so
// for both lookup sets Log4j can run with (configuration file / none).
//
// Skips when java, javac or the fixture jars are missing.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hunt/evaluator.h"
#include "hunt/jndi_name.h"
#include "payload_generator.h"

namespace l4s::hunt {
namespace {

// L4S_DIFFERENTIAL_SEED=N runs another corpus of the same size.
constexpr uint64_t kDefaultSeed = 20211210;
constexpr size_t kPayloads = 12000;

uint64_t seed() {
  const char* s = std::getenv("L4S_DIFFERENTIAL_SEED");
  return s ? std::strtoull(s, nullptr, 10) : kDefaultSeed;
}

std::string escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\t') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

// Returns nullopt for the "\N" null marker.
std::optional<std::string> unescape(std::string_view s) {
  if (s == "\\N") return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '\t') {
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

bool is_executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Finds a fixture by file name through MANIFEST.tsv (first column: path).
std::string find_fixture_jar(const std::string& fixtures, const std::string& file_name) {
  std::ifstream manifest(fixtures + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(manifest, line)) {
    std::string path = line.substr(0, line.find('\t'));
    size_t slash = path.rfind('/');
    if (path.substr(slash == std::string::npos ? 0 : slash + 1) == file_name &&
        file_exists(fixtures + "/" + path)) {
      return fixtures + "/" + path;
    }
  }
  return {};
}

int run_shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct OracleResult {
  std::string outcome;  // OK, LOOP, SOE, LOOKUP_ERROR, ERR:...
  uint64_t call_count = 0;
  std::optional<std::string> output;
  std::vector<std::string> calls;  // at most 256
};

struct UriResult {
  bool ok = false;
  std::optional<std::string> scheme, host, authority;
  int port = -1;
};

struct OracleRun {
  std::string lookups;  // the prefixes Log4j knew
  LookupEnvironment env;
  std::vector<OracleResult> substitute, message;
  std::map<std::string, UriResult> uris;
};

std::string outcome_name(EvalOutcome o) {
  switch (o) {
    case EvalOutcome::kCompleted: return "OK";
    case EvalOutcome::kInfiniteLoop: return "LOOP";
    case EvalOutcome::kStackOverflow: return "SOE";
    case EvalOutcome::kLookupError: return "LOOKUP_ERROR";
    case EvalOutcome::kBudgetExceeded: return "TIMEOUT";  // Neither finishes.
  }
  return "?";
}

class Log4jDifferentialTest : public ::testing::Test {
 protected:
  // Generates the corpus and runs the oracle on it. ctest runs every test in
  // its own process, so the oracle's results are cached in the build folder
  // under a key made of the corpus, the harness source and the jars: only the
  // first process pays for the JVM.
  static void SetUpTestSuite() {
    std::string java = L4S_JAVA, javac = L4S_JAVAC;
    if (!is_executable(java) || !is_executable(javac)) {
      skip_ = "java/javac not found (install openjdk-17-jdk-headless)";
      return;
    }
    std::string fixtures = L4S_FIXTURES_DIR;
    std::string core = find_fixture_jar(fixtures, "log4j-core-2.14.1.jar");
    std::string api = find_fixture_jar(fixtures, "log4j-api-2.14.1.jar");
    if (core.empty() || api.empty()) {
      skip_ = "log4j-core/api 2.14.1 jars not found via " + fixtures + "/MANIFEST.tsv";
      return;
    }
    std::string classpath = core + ":" + api;

    testing::PayloadGenerator gen(seed());
    std::string corpus;
    for (size_t i = 0; i < kPayloads; ++i) {
      int64_t time = gen.time_millis();
      std::string line = gen.line();
      corpus += std::to_string(time) + '\t' + escape(line) + '\n';
      times_.push_back(time);
      payloads_.push_back(std::move(line));
    }
    std::string source = read_file(L4S_ORACLE_SOURCE);
    char key[32];
    std::snprintf(key, sizeof key, "%016llx",
                  static_cast<unsigned long long>(fnv1a(corpus + '\0' + source + '\0' + classpath)));
    std::string dir = std::string(L4S_TEST_TMP) + "/log4j_differential/" + key;
    std::string pid = std::to_string(getpid());

    for (const char* mode : {"file", "default"}) {
      OracleRun& run = std::string(mode) == "file" ? file_run_ : default_run_;
      run.env.config_file = std::string(mode) == "file";
      std::string out = dir + "/oracle-" + mode + ".tsv";
      if (!file_exists(out)) {
        if (!file_exists(dir + "/payloads.tsv")) {
          run_shell("mkdir -p '" + dir + "/classes-" + pid + "'");
          std::ofstream(dir + "/payloads.tsv." + pid, std::ios::binary) << corpus;
          std::rename((dir + "/payloads.tsv." + pid).c_str(), (dir + "/payloads.tsv").c_str());
        }
        std::string classes = dir + "/classes-" + pid;
        run_shell("mkdir -p '" + classes + "'");
        if (run_shell("'" + javac + "' -nowarn -d '" + classes + "' -cp '" + classpath + "' '" + L4S_ORACLE_SOURCE +
                     "' 2> '" + classes + "/javac.log'") != 0) {
          failure_ = "javac failed: " + read_file(classes + "/javac.log");
          return;
        }
        // The locale and zone fix ${date:} output.
        std::string cmd = "'" + java + "' -Xmx1g -Duser.timezone=UTC -Duser.language=en -Duser.country=US -cp '" +
                          classpath + ":" + classes + "' Log4jOracle " + mode + " '" + dir + "/payloads.tsv' '" +
                          out + "." + pid + "' 2> '" + dir + "/oracle-" + mode + ".log'";
        if (run_shell(cmd) != 0) {
          failure_ = "oracle failed, see " + dir + "/oracle-" + mode + ".log";
          return;
        }
        std::rename((out + "." + pid).c_str(), out.c_str());
      }
      if (!parse(read_file(out), &run)) return;
    }
  }

  static bool parse(const std::string& text, OracleRun* run) {
    run->env.properties.clear();
    run->env.java.clear();
    run->env.system_properties.clear();
    run->env.event.clear();
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string_view> f = split_tabs(line);
      if (f[0] == "#lookups") {
        run->lookups = std::string(f[1]);
      } else if (f[0] == "#property" || f[0] == "#java" || f[0] == "#sys" || f[0] == "#event") {
        StringMap& m = f[0] == "#property" ? run->env.properties
                       : f[0] == "#java"   ? run->env.java
                       : f[0] == "#sys"    ? run->env.system_properties
                                           : run->env.event;
        m[std::string(f[1])] = unescape(f[2]).value_or("");
      } else if (f[0] == "R" && f.size() >= 6) {
        OracleResult r;
        r.outcome = std::string(f[3]);
        r.call_count = std::stoull(std::string(f[4]));
        r.output = unescape(f[5]);
        for (size_t i = 6; i < f.size(); ++i) r.calls.push_back(*unescape(f[i]));
        (f[2] == "S" ? run->substitute : run->message).push_back(std::move(r));
      } else if (f[0] == "U" && f.size() >= 3) {
        UriResult u;
        u.ok = f[2] == "OK";
        if (u.ok && f.size() >= 7) {
          u.scheme = unescape(f[3]);
          u.host = unescape(f[4]);
          u.port = std::stoi(std::string(f[5]));
          u.authority = unescape(f[6]);
        }
        run->uris[*unescape(f[1])] = u;
      } else {
        failure_ = "unexpected oracle line: " + line.substr(0, 200);
        return false;
      }
    }
    if (run->substitute.size() != kPayloads || run->message.size() != kPayloads) {
      failure_ = "oracle produced " + std::to_string(run->substitute.size()) + " results for " +
                 std::to_string(kPayloads) + " payloads";
      return false;
    }
    return true;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(failure_.empty()) << failure_;
  }

  // Compares every payload on one path; returns the number of agreements.
  static size_t compare(const OracleRun& run, EvalPath path, size_t* reached) {
    const std::vector<OracleResult>& expected = path == EvalPath::kSubstitute ? run.substitute : run.message;
    size_t agree = 0, reported = 0;
    *reached = 0;
    for (size_t i = 0; i < kPayloads; ++i) {
      LookupEnvironment env = run.env;
      env.time_millis = times_[i];
      Evaluation got = evaluate_lookups(payloads_[i], path, env);
      const OracleResult& want = expected[i];
      if (want.call_count > 0) ++*reached;
      std::string why;
      if (outcome_name(got.outcome) != want.outcome) {
        why = "outcome " + outcome_name(got.outcome) + " != " + want.outcome;
      } else if (want.outcome == "TIMEOUT") {
        // Log4j would never finish (the %m rescan growing the text forever): how far
        // it got before being stopped, and how far our budget lets us go, are arbitrary.
      } else if (want.outcome == "SOE") {
        // The JVM's stack depth decides how often calls repeat; compare the distinct names.
        std::set<std::string> a(got.jndi_names.begin(), got.jndi_names.end());
        std::set<std::string> b(want.calls.begin(), want.calls.end());
        if (a != b) why = "distinct JNDI names differ";
      } else {
        if (want.outcome == "OK" && got.output != want.output.value_or("")) {
          why = "output\n    ours: " + escape(got.output) + "\n    java: " + escape(want.output.value_or(""));
        } else if (got.jndi_call_count != want.call_count) {
          why = "JNDI call count " + std::to_string(got.jndi_call_count) + " != " + std::to_string(want.call_count);
        } else {
          size_t n = std::min(got.jndi_calls.size(), want.calls.size());
          for (size_t k = 0; k < n && why.empty(); ++k) {
            if (got.jndi_calls[k] != want.calls[k]) {
              why = "JNDI call " + std::to_string(k) + ": " + escape(got.jndi_calls[k]) + " != " + escape(want.calls[k]);
            }
          }
        }
      }
      if (why.empty()) {
        ++agree;
      } else if (++reported <= 15) {
        ADD_FAILURE() << "payload " << i << " (" << (path == EvalPath::kSubstitute ? "substitute" : "%m")
                      << ", config_file=" << run.env.config_file << "): " << why << "\n  payload: "
                      << escape(payloads_[i]);
      }
    }
    return agree;
  }

  static void expect_agreement(const OracleRun& run, EvalPath path) {
    size_t reached = 0;
    size_t agree = compare(run, path, &reached);
    EXPECT_EQ(agree, kPayloads);
    // The corpus must exercise JNDI heavily, not only decoys.
    EXPECT_GT(reached, kPayloads / 3);
    std::printf("[ differential ] %zu/%zu payloads agree (%zu reach JNDI)\n", agree, kPayloads, reached);
  }

  static inline std::string skip_, failure_;
  static inline std::vector<std::string> payloads_;
  static inline std::vector<int64_t> times_;
  static inline OracleRun file_run_, default_run_;
};

TEST_F(Log4jDifferentialTest, SubstitutePathWithConfigFile) {
  expect_agreement(file_run_, EvalPath::kSubstitute);
}

TEST_F(Log4jDifferentialTest, MessagePathWithConfigFile) { expect_agreement(file_run_, EvalPath::kMessage); }

TEST_F(Log4jDifferentialTest, SubstitutePathDefaultConfiguration) {
  expect_agreement(default_run_, EvalPath::kSubstitute);
}

TEST_F(Log4jDifferentialTest, MessagePathDefaultConfiguration) {
  expect_agreement(default_run_, EvalPath::kMessage);
}

TEST_F(Log4jDifferentialTest, LookupSetsMatchTheModel) {
  EXPECT_EQ(file_run_.lookups, "bundle,ctx,date,env,event,java,jndi,jvmrunargs,log4j,lower,main,map,marker,sd,sys,upper");
  EXPECT_EQ(default_run_.lookups, "ctx,date,env,java,jndi,jvmrunargs,log4j,lower,main,marker,sys,upper");
}

// Every outcome Log4j can reach is in the corpus, and the %m path reaches JNDI
// on lines where plain substitution does not.
TEST_F(Log4jDifferentialTest, CorpusCoversOutcomes) {
  std::map<std::string, size_t> outcomes;
  size_t message_only = 0;
  for (size_t i = 0; i < kPayloads; ++i) {
    ++outcomes[file_run_.substitute[i].outcome];
    ++outcomes[file_run_.message[i].outcome];
    if (file_run_.substitute[i].call_count == 0 && file_run_.message[i].call_count > 0) ++message_only;
  }
  for (const char* o : {"OK", "LOOP", "SOE", "LOOKUP_ERROR"}) EXPECT_GT(outcomes[o], 20u) << o;
  outcomes.erase("TIMEOUT");  // Log4j never finishing (the %m rescan growing the text forever) is rare.
  EXPECT_EQ(outcomes.size(), 4u) << "unexpected Java exception in the corpus";
  EXPECT_GT(message_only, 200u);
}

// Our java.net.URI model agrees with Java on every name that reached JNDI.
TEST_F(Log4jDifferentialTest, JndiNamesParseLikeJavaNetUri) {
  size_t agree = 0, reported = 0;
  for (const auto& [name, want] : file_run_.uris) {
    JavaUri got = parse_java_uri(name);
    bool same = got.ok == want.ok;
    if (same && got.ok) {
      same = got.scheme == want.scheme && got.host == want.host && got.port == want.port &&
             got.authority == want.authority;
    }
    if (same) {
      ++agree;
    } else if (++reported <= 15) {
      ADD_FAILURE() << "URI " << escape(name) << ": ours ok=" << got.ok << " scheme="
                    << escape(got.scheme.value_or("\\N")) << " host=" << escape(got.host.value_or("\\N"))
                    << " port=" << got.port << " authority=" << escape(got.authority.value_or("\\N"))
                    << "; java ok=" << want.ok << " scheme=" << escape(want.scheme.value_or("\\N"))
                    << " host=" << escape(want.host.value_or("\\N")) << " port=" << want.port
                    << " authority=" << escape(want.authority.value_or("\\N"));
    }
  }
  EXPECT_EQ(agree, file_run_.uris.size());
  EXPECT_GT(file_run_.uris.size(), 300u);
  std::printf("[ differential ] %zu/%zu distinct JNDI names parse like java.net.URI\n", agree,
              file_run_.uris.size());
}

}  // namespace
}  // namespace l4s::hunt
