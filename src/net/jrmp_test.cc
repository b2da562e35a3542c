#include "net/jrmp.h"

#include <gtest/gtest.h>

#include "net/test_util.h"

namespace l4s::net {
namespace {

using testing::tohex;
using testing::unhex;

Bytes B(const std::string& s) { return as_bytes(s); }

// Captured from JDK 17 InitialContext.lookup("rmi://127.0.0.1:1099/tok-rmi123") (research/network.md 4.2).
const std::string kHeader = unhex("4a524d4900024b");
const std::string kEndpoint = unhex("0009") + "127.0.0.1" + unhex("00000000");

std::string call(const std::string& name, const std::string& blocks = "") {
  std::string out = unhex("50aced0005");
  if (blocks.empty()) {
    out += unhex("7722" "0000000000000000" "00000000" "0000000000000000" "0000" "00000002" "44154dc9d4e63bdf");
  } else {
    out += blocks;
  }
  out += unhex("74");
  append_be16(&out, static_cast<uint16_t>(name.size()));
  return out + name;
}

TEST(JrmpTest, ParsesCapturedHandshakeAndCall) {
  JrmpHeader h;
  ASSERT_EQ(jrmp_parse_header(B(kHeader), &h), ParseStatus::kOk);
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.protocol, kJrmpStreamProtocol);
  size_t n = 0;
  ASSERT_EQ(jrmp_parse_endpoint(B(kEndpoint), &n), ParseStatus::kOk);
  EXPECT_EQ(n, kEndpoint.size());
  std::string c = call("tok-rmi123");
  JrmpCall parsed;
  size_t need = 0;
  ASSERT_EQ(jrmp_parse_call(B(c).subspan(1), &parsed, &need), ParseStatus::kOk);
  EXPECT_EQ(parsed.object_number, 0);
  EXPECT_EQ(parsed.operation, kRegistryLookup);
  EXPECT_EQ(parsed.interface_hash, kRegistryInterfaceHash);
  EXPECT_TRUE(parsed.has_name);
  EXPECT_EQ(parsed.name, "tok-rmi123");
}

TEST(JrmpTest, ProtocolAck) {
  EXPECT_EQ(tohex(jrmp_protocol_ack("127.0.0.1", 41234)), "4e" "0009" + tohex("127.0.0.1") + "0000a112");
}

TEST(JrmpTest, EveryPrefixNeedsMore) {
  std::string c = call("abcdefghijkl0123/Debian_17.0.15");
  Bytes body = B(c).subspan(1);
  for (size_t i = 0; i < body.size(); ++i) {
    JrmpCall parsed;
    size_t need = 0;
    ASSERT_EQ(jrmp_parse_call(body.first(i), &parsed, &need), ParseStatus::kNeedMore) << i;
    EXPECT_GT(need, i);
    EXPECT_LE(need, body.size());
  }
  JrmpHeader h;
  for (size_t i = 0; i < kHeader.size(); ++i) EXPECT_EQ(jrmp_parse_header(B(kHeader).first(i), &h), ParseStatus::kNeedMore);
}

TEST(JrmpTest, SplitBlockDataAndLongString) {
  // The same call header written as two blocks, one in TC_BLOCKDATALONG form.
  std::string blocks = unhex("770a" "0000000000000000" "0000") +
                       unhex("7a00000018" "0000" "0000000000000000" "0000" "00000002" "44154dc9d4e63bdf");
  std::string c = call("tok", blocks);
  JrmpCall parsed;
  size_t need = 0;
  ASSERT_EQ(jrmp_parse_call(B(c).subspan(1), &parsed, &need), ParseStatus::kOk);
  EXPECT_EQ(parsed.interface_hash, kRegistryInterfaceHash);
  EXPECT_EQ(parsed.name, "tok");
  // TC_LONGSTRING.
  std::string l = unhex("aced0005" "7722" "0000000000000000" "00000000" "0000000000000000" "0000" "00000002"
                        "44154dc9d4e63bdf" "7c" "0000000000000003") + "abc";
  ASSERT_EQ(jrmp_parse_call(B(l), &parsed, &need), ParseStatus::kOk);
  EXPECT_EQ(parsed.name, "abc");
  // Oversized long string: rejected before its bytes arrive.
  std::string huge = unhex("aced0005" "7722" "0000000000000000" "00000000" "0000000000000000" "0000" "00000002"
                           "44154dc9d4e63bdf" "7c" "00000000ffffffff");
  EXPECT_EQ(jrmp_parse_call(B(huge), &parsed, &need), ParseStatus::kTooLarge);
}

TEST(JrmpTest, RejectsForeignBytes) {
  JrmpHeader h;
  EXPECT_EQ(jrmp_parse_header(B(std::string("GET / HTTP/1.1")), &h), ParseStatus::kMalformed);
  EXPECT_EQ(jrmp_parse_header(B(unhex("4a524d4900074b")), &h), ParseStatus::kMalformed);  // version 7
  JrmpCall parsed;
  size_t need = 0;
  EXPECT_EQ(jrmp_parse_call(B(unhex("acee0005")), &parsed, &need), ParseStatus::kMalformed);
  EXPECT_EQ(jrmp_parse_call(B(unhex("aced0005" "7702" "0000" "74")), &parsed, &need), ParseStatus::kMalformed);
}

TEST(JrmpTest, ModifiedUtf8) {
  EXPECT_EQ(java_utf8_to_utf8(B(unhex("c080"))), std::string(1, '\0'));
  EXPECT_EQ(java_utf8_to_utf8(B(unhex("c3a9"))), "\xc3\xa9");
  // U+1F600 as a CESU-8 surrogate pair.
  EXPECT_EQ(java_utf8_to_utf8(B(unhex("eda0bdedb880"))), "\xf0\x9f\x98\x80");
  EXPECT_EQ(java_utf8_to_utf8(B(unhex("eda0bd41"))), "\xef\xbf\xbd" "A");   // lone high surrogate
  EXPECT_EQ(java_utf8_to_utf8(B(unhex("ff00"))), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(RmiConversationTest, StreamProtocolLookup) {
  auto c = make_rmi_conversation("127.0.0.1", 41234);
  Step s = c->feed(B(kHeader));
  EXPECT_EQ(tohex(s.reply), tohex(jrmp_protocol_ack("127.0.0.1", 41234)));
  EXPECT_FALSE(s.close);
  s = c->feed(B(kEndpoint));
  EXPECT_TRUE(s.reply.empty());
  EXPECT_FALSE(s.close);
  s = c->feed(B(call("abcdefghijkl0123/Debian_17.0.15")));
  EXPECT_TRUE(s.reply.empty());  // never ReturnData
  EXPECT_TRUE(s.close);
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].name, "abcdefghijkl0123/Debian_17.0.15");
  EXPECT_EQ(s.seen[0].token, "abcdefghijkl0123");
  EXPECT_EQ(s.seen[0].extras, std::vector<std::string>{"Debian_17.0.15"});
  EXPECT_EQ(s.seen[0].detail, "lookup");
}

TEST(RmiConversationTest, ByteByByteAndSingleOp) {
  auto c = make_rmi_conversation("::1", 1);
  std::string all = kHeader + kEndpoint + call("tok-rmi123");
  size_t seen = 0;
  bool closed = false;
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_FALSE(closed) << i;
    Step s = c->feed(B(all.substr(i, 1)));
    seen += s.seen.size();
    closed = s.close;
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(seen, 1u);
  // SingleOpProtocol: no ack, no endpoint.
  auto d = make_rmi_conversation("127.0.0.1", 1);
  Step s = d->feed(B(unhex("4a524d4900024c") + call("single")));
  EXPECT_TRUE(s.reply.empty());
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].name, "single");
}

TEST(RmiConversationTest, PingMultiplexAndGarbage) {
  auto c = make_rmi_conversation("127.0.0.1", 1);
  Step s = c->feed(B(kHeader + kEndpoint + unhex("52")));
  EXPECT_EQ(s.reply.back(), static_cast<char>(kJrmpPingAck));
  EXPECT_FALSE(s.close);
  auto m = make_rmi_conversation("127.0.0.1", 1);
  s = m->feed(B(unhex("4a524d4900024d")));
  EXPECT_EQ(tohex(s.reply), "4f");
  EXPECT_TRUE(s.close);
  auto g = make_rmi_conversation("127.0.0.1", 1);
  EXPECT_TRUE(g->feed(B(std::string("\x30\x0c\x02\x01", 4))).close);
  // A DGC call (ObjID 2) is not recorded.
  auto d = make_rmi_conversation("127.0.0.1", 1);
  std::string dgc = unhex("50aced0005" "7722" "0000000000000002" "00000000" "0000000000000000" "0000" "00000001"
                          "f6b6898d8bf28643" "74 0003") + "abc";
  s = d->feed(B(kHeader + kEndpoint + dgc));
  EXPECT_TRUE(s.close);
  EXPECT_TRUE(s.seen.empty());
  // The whole stream is capped.
  auto big = make_rmi_conversation("127.0.0.1", 1);
  s = big->feed(B(kHeader + kEndpoint));
  std::string pings(kJrmpMaxStream, '\x52');
  EXPECT_TRUE(big->feed(B(pings)).close);
}

}  // namespace
}  // namespace l4s::net
