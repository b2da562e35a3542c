#include "net/dns.h"

#include <gtest/gtest.h>

#include "net/test_util.h"

namespace l4s::net {
namespace {

using testing::tohex;
using testing::unhex;

Bytes B(const std::string& s) { return as_bytes(s); }

std::string wire_name(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& l : labels) {
    out.push_back(static_cast<char>(l.size()));
    out += l;
  }
  out.push_back('\0');
  return out;
}

std::string query(const std::vector<std::string>& labels, uint16_t qtype, bool edns = false, uint16_t id = 0x1234) {
  std::string out;
  append_be16(&out, id);
  append_be16(&out, 0x0100);
  for (uint16_t v : {1, 0, 0, edns ? 1 : 0}) append_be16(&out, static_cast<uint16_t>(v));
  out += wire_name(labels);
  append_be16(&out, qtype);
  append_be16(&out, kDnsClassIn);
  if (edns) out += unhex("00 0029 1000 00000000 0000");
  return out;
}

DnsPolicy zone_policy(const char* zone) {
  DnsPolicy p;
  p.zone = *dns_parse_zone(zone);
  return p;
}

// Captured from JDK 17 InitialContext.lookup("dns://127.0.0.1:PORT/tok-dns123") (research/network.md 4.3).
const std::string kJndiQuery = unhex("abcd 0100 0001 0000 0000 0000 0a") + "tok-dns123" + unhex("00 0010 0001");

TEST(DnsTest, ParsesCapturedJndiQuery) {
  auto q = dns_parse_query(B(kJndiQuery));
  ASSERT_TRUE(q.ok()) << q.error();
  EXPECT_EQ(q->id, 0xabcd);
  EXPECT_EQ(q->labels, std::vector<std::string>{"tok-dns123"});
  EXPECT_EQ(q->qtype, kDnsTypeTxt);
  EXPECT_FALSE(q->has_opt);
}

TEST(DnsTest, NoZoneAnswersNxDomainToEverything) {
  DnsExchange ex = dns_exchange(B(kJndiQuery), DnsPolicy{});
  ASSERT_TRUE(ex.reply);
  // QR, RD echoed, NXDOMAIN; not authoritative, no recursion available; question echoed.
  EXPECT_EQ(tohex(*ex.reply), "abcd81030001000000000000" + tohex(kJndiQuery.substr(12)));
  ASSERT_TRUE(ex.seen);
  EXPECT_EQ(ex.seen->name, "tok-dns123");
  EXPECT_EQ(ex.seen->detail, "TXT");
  EXPECT_EQ(ex.seen->token, "tok-dns123");
}

TEST(DnsTest, ZoneNxDomainWithSoaAndSmuggledLabels) {
  DnsPolicy p = zone_policy("cb.example.org.");
  std::string q = query({"xWebHost01", "AbCdEfGhIjKl0123", "cb", "Example", "org"}, kDnsTypeA);
  DnsExchange ex = dns_exchange(B(q), p);
  ASSERT_TRUE(ex.reply && ex.seen);
  const std::string& r = *ex.reply;
  EXPECT_EQ(tohex(r.substr(0, 12)), "123485030001000000010000");  // AA, NXDOMAIN, one SOA
  EXPECT_EQ(r.substr(12, q.size() - 12), q.substr(12));           // 0x20 casing echoed
  EXPECT_EQ(ex.seen->token, "abcdefghijkl0123");                  // matched case-insensitively, lowered
  EXPECT_EQ(ex.seen->extras, std::vector<std::string>{"xWebHost01"});
  EXPECT_EQ(ex.seen->name, "xWebHost01.AbCdEfGhIjKl0123.cb.Example.org");
  // The SOA owner points at "cb" inside the question: 12 + 1+10 + 1+16 = 40 = 0x28.
  EXPECT_EQ(tohex(r.substr(q.size(), 2)), "c028");
}

TEST(DnsTest, AnswerARecordAndNoData) {
  DnsPolicy p = zone_policy("cb.test");
  p.answer = std::array<uint8_t, 4>{127, 0, 0, 1};
  std::string q = query({"abcdefghijkl0123", "cb", "test"}, kDnsTypeA, true);
  DnsExchange ex = dns_exchange(B(q), p);
  ASSERT_TRUE(ex.reply);
  const std::string& r = *ex.reply;
  EXPECT_EQ(tohex(r.substr(0, 12)), "123485000001000100000001");  // AA, NOERROR, 1 answer, OPT
  size_t qlen = q.size() - 12 - 11;                                // without the OPT record
  EXPECT_EQ(tohex(r.substr(12 + qlen, 16)), "c00c00010001" "0000000a" "0004" "7f000001");
  EXPECT_EQ(tohex(r.substr(r.size() - 11)), "00002904d0000000000000");
  // AAAA in the zone: NODATA + SOA.
  ex = dns_exchange(B(query({"abcdefghijkl0123", "cb", "test"}, 28)), p);
  EXPECT_EQ(tohex(ex.reply->substr(0, 12)), "123485000001000000010000");
  EXPECT_EQ(ex.seen->detail, "AAAA");
}

TEST(DnsTest, QnameMinimisationAndOddLabels) {
  DnsPolicy p = zone_policy("cb.test");
  // Apex (as a minimising resolver asks first): exists, NODATA.
  DnsExchange ex = dns_exchange(B(query({"cb", "test"}, 2)), p);
  EXPECT_EQ(tohex(ex.reply->substr(0, 12)), "123485000001000000010000");
  EXPECT_EQ(ex.seen->token, "");
  // "_" placeholder label, as RFC 9156 resolvers send.
  ex = dns_exchange(B(query({"_", "abcdefghijkl0123", "cb", "test"}, 1)), p);
  EXPECT_EQ(ex.seen->token, "abcdefghijkl0123");
  EXPECT_TRUE(ex.seen->extras.empty());
  // CVE-2021-45046 payloads put '#' in the first label; bytes and dots inside labels are escaped.
  ex = dns_exchange(B(query({"1#abcdefghijkl0123", "x.y", std::string("\x00\xff", 2), "cb", "test"}, 1)), p);
  ASSERT_TRUE(ex.seen);
  EXPECT_EQ(ex.seen->name, "1#abcdefghijkl0123.x\\.y.\\000\\255.cb.test");
  EXPECT_EQ(ex.seen->token, std::string("\x00\xff", 2));  // nothing looks like a token: the label by the zone
  // Outside the zone: REFUSED, not authoritative, still recorded.
  ex = dns_exchange(B(query({"www", "example", "com"}, 1)), p);
  EXPECT_EQ(tohex(ex.reply->substr(0, 12)), "123481050001000000000000");
  EXPECT_TRUE(ex.seen);
  // A 63-byte label is fine; 64 is not a length (0x40 is an extended label type).
  ex = dns_exchange(B(query({std::string(63, 'a'), "cb", "test"}, 1)), p);
  EXPECT_TRUE(ex.seen);
}

TEST(DnsTest, MalformedQueries) {
  DnsPolicy p;
  // Too short for a header: silence.
  EXPECT_FALSE(dns_exchange(B(unhex("1234")), p).reply);
  // A response: silence (no ping-pong).
  std::string resp = kJndiQuery;
  resp[2] = '\x81';
  EXPECT_FALSE(dns_exchange(B(resp), p).reply);
  // Compression pointer in the question: FORMERR, nothing recorded.
  std::string ptr = unhex("1234 0100 0001 0000 0000 0000 c00c 0001 0001");
  DnsExchange ex = dns_exchange(B(ptr), p);
  ASSERT_TRUE(ex.reply);
  EXPECT_EQ(tohex(*ex.reply), "123481010000000000000000");
  EXPECT_FALSE(ex.seen);
  // Truncated label, two questions, names over 255 octets.
  EXPECT_FALSE(dns_parse_query(B(unhex("1234 0100 0001 0000 0000 0000 05 616263"))).ok());
  EXPECT_FALSE(dns_parse_query(B(unhex("1234 0100 0002 0000 0000 0000 00 0001 0001"))).ok());
  std::vector<std::string> long_name(5, std::string(60, 'a'));
  EXPECT_FALSE(dns_parse_query(B(query(long_name, 1))).ok());
  // Other opcodes: NOTIMP.
  std::string notify = kJndiQuery;
  notify[2] = '\x20';  // opcode 4, NOTIFY
  EXPECT_EQ(tohex(dns_exchange(B(notify), p).reply->substr(2, 2)), "a004");
}

TEST(DnsTest, ZoneParsing) {
  EXPECT_EQ(*dns_parse_zone("CB.Example.org."), (std::vector<std::string>{"cb", "example", "org"}));
  EXPECT_FALSE(dns_parse_zone("").ok());
  EXPECT_FALSE(dns_parse_zone("a..b").ok());
  EXPECT_FALSE(dns_parse_zone(std::string(64, 'a')).ok());
}

TEST(DnsTcpConversationTest, LengthPrefixedQueries) {
  auto c = make_dns_tcp_conversation(DnsPolicy{});
  std::string framed;
  for (int i = 0; i < 3; ++i) {
    append_be16(&framed, static_cast<uint16_t>(kJndiQuery.size()));
    framed += kJndiQuery;
  }
  Step s = c->feed(B(framed.substr(0, 10)));
  EXPECT_TRUE(s.seen.empty());
  s = c->feed(B(framed.substr(10)));
  EXPECT_EQ(s.seen.size(), 3u);
  EXPECT_EQ(s.reply.size(), 3 * (2 + kJndiQuery.size()));
  EXPECT_FALSE(s.close);
  // Oversized length prefix closes.
  EXPECT_TRUE(c->feed(B(unhex("ffff"))).close);
  // A malformed query gets FORMERR, then the connection closes.
  auto d = make_dns_tcp_conversation(DnsPolicy{});
  std::string bad = unhex("000e 1234 0100 0001 0000 0000 0000 c00c");
  s = d->feed(B(bad));
  EXPECT_TRUE(s.close);
  EXPECT_EQ(s.reply.size(), 14u);
}

}  // namespace
}  // namespace l4s::net
