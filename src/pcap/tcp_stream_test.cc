#include "pcap/tcp_stream.h"

#include <gtest/gtest.h>

namespace l4s::pcap {
namespace {

net::Bytes B(std::string_view s) { return net::as_bytes(s); }

TEST(TcpDirection, InOrderAfterSyn) {
  TcpDirection t;
  std::string out;
  t.add(1000, true, {}, &out);
  t.add(1001, false, B("hello "), &out);
  t.add(1007, false, B("world"), &out);
  EXPECT_EQ(out, "hello world");
}

TEST(TcpDirection, OutOfOrderWaitsForTheHole) {
  TcpDirection t;
  std::string out;
  t.add(100, true, {}, &out);
  t.add(107, false, B("world"), &out);
  EXPECT_EQ(out, "");
  EXPECT_EQ(t.buffered(), 5u);
  t.add(101, false, B("hello "), &out);
  EXPECT_EQ(out, "hello world");
  EXPECT_EQ(t.buffered(), 0u);
}

TEST(TcpDirection, RetransmissionsAndOverlapsAreTrimmed) {
  TcpDirection t;
  std::string out;
  t.add(0, false, B("abcdef"), &out);   // no SYN seen: the first segment starts the stream
  t.add(0, false, B("abcdef"), &out);   // exact retransmission
  t.add(3, false, B("defghi"), &out);   // overlaps three delivered bytes
  t.add(12, false, B("mno"), &out);     // beyond a hole
  t.add(8, false, B("ijklm"), &out);    // fills the hole, overlapping both sides
  EXPECT_EQ(out, "abcdefghijklmno");
}

TEST(TcpDirection, SequenceWrapAround) {
  TcpDirection t;
  std::string out;
  t.add(0xfffffffeu, true, {}, &out);          // data starts at 0xffffffff
  t.add(0x00000003u, false, B("DEF"), &out);   // after the wrap, out of order
  t.add(0xffffffffu, false, B("ABCD"), &out);  // crosses the wrap
  EXPECT_EQ(out, "ABCDDEF");
}

TEST(TcpDirection, LostSegmentIsSkippedAtFlush) {
  TcpDirection t;
  std::string out;
  t.add(0, true, {}, &out);
  t.add(1, false, B("GET / HTTP/1.1\r\n"), &out);
  t.add(100, false, B("after loss"), &out);
  t.flush(&out);
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nafter loss");
  EXPECT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.gap_bytes(), 100u - 17u);
}

TEST(TcpDirection, OutOfOrderStoreIsBounded) {
  TcpDirection t(/*max_out_of_order=*/64);
  std::string out;
  t.add(0, true, {}, &out);
  std::string chunk(40, 'x');
  t.add(1000, false, B(chunk), &out);
  EXPECT_EQ(t.buffered(), 40u);
  t.add(1040, false, B(chunk), &out);  // 80 > 64: the hole before 1000 is given up
  EXPECT_LE(t.buffered(), 64u);
  EXPECT_EQ(out, chunk + chunk);
  EXPECT_EQ(t.gaps(), 1u);
}

}  // namespace
}  // namespace l4s::pcap
