#include "net/ldap.h"

#include <gtest/gtest.h>

#include "net/test_util.h"

namespace l4s::net {
namespace {

using testing::tohex;
using testing::unhex;

// Captured from JDK 17 InitialContext.lookup("ldap://127.0.0.1:PORT/tok-abc123") (research/network.md 4.1).
const std::string kBind = unhex("300c020101600702010304008000");
const std::string kSearch = unhex(
    "304c020102632a040a746f6b2d6162633132330a01000a0103020100020100010100870b6f626a656374436c6173733000a01b30190417"
    "322e31362e3834302e312e3131333733302e332e342e32");
const std::string kUnbind = unhex("3022020103" "4200" "a01b30190417322e31362e3834302e312e3131333733302e332e342e32");

// A SearchRequest with a DN long enough for the long-form length (30 81 xx), as the JDK sends it.
std::string long_search(const std::string& dn) {
  std::string body;
  ber_append(&body, kBerOctetString, dn);
  body += unhex("0a01000a0103020100020100010100870b6f626a656374436c6173733000");
  std::string op;
  ber_append(&op, kBerInteger, std::string(1, '\x02'));
  ber_append(&op, kLdapSearchRequest, body);
  op += unhex("a01b30190417322e31362e3834302e312e3131333733302e332e342e32");
  std::string msg;
  ber_append(&msg, kBerSequence, op);
  return msg;
}

Bytes B(const std::string& s) { return as_bytes(s); }

TEST(LdapTest, ParsesCapturedBindAndSearch) {
  auto bind = ldap_parse(B(kBind));
  ASSERT_TRUE(bind.ok()) << bind.error();
  EXPECT_EQ(bind->op, kLdapBindRequest);
  EXPECT_EQ(bind->bind_version, 3);
  EXPECT_EQ(bind->message_id, "\x01");
  auto search = ldap_parse(B(kSearch));
  ASSERT_TRUE(search.ok()) << search.error();
  EXPECT_EQ(search->op, kLdapSearchRequest);
  EXPECT_EQ(search->base_object, "tok-abc123");
  auto unbind = ldap_parse(B(kUnbind));
  ASSERT_TRUE(unbind.ok()) << unbind.error();
  EXPECT_EQ(unbind->op, kLdapUnbindRequest);
}

TEST(LdapTest, EncodesCapturedResponses) {
  EXPECT_EQ(tohex(ldap_result("\x01", kLdapBindResponse, kLdapSuccess)), "300c02010161070a010004000400");
  EXPECT_EQ(tohex(ldap_result("\x02", kLdapSearchResultDone, kLdapNoSuchObject)), "300c02010265070a012004000400");
  // Multi-byte message ids are echoed as they came.
  EXPECT_EQ(tohex(ldap_result(unhex("00ff"), kLdapBindResponse, kLdapSuccess)), "300d020200ff61070a010004000400");
}

TEST(LdapTest, LongFormLengths) {
  std::string dn = "tok-long/Linux 6.1.0 unknown, architecture: amd64-64/Debian_17.0.15/" + std::string(40, 'x');
  std::string msg = long_search(dn);
  ASSERT_EQ(static_cast<uint8_t>(msg[1]), 0x81);  // as observed: 30 81 xx
  size_t size = 0;
  ASSERT_EQ(ldap_frame(B(msg), &size), ParseStatus::kOk);
  EXPECT_EQ(size, msg.size());
  auto m = ldap_parse(B(msg));
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->base_object, dn);

  std::string big = long_search(std::string(5000, 'y'));  // 30 82 xx xx
  ASSERT_EQ(static_cast<uint8_t>(big[1]), 0x82);
  ASSERT_EQ(ldap_frame(B(big), &size), ParseStatus::kOk);
  EXPECT_EQ(ldap_parse(B(big))->base_object, std::string(5000, 'y'));
}

TEST(LdapTest, FramingNeedsMoreForEveryPrefix) {
  size_t size = 0;
  for (size_t n = 0; n < kSearch.size(); ++n)
    EXPECT_EQ(ldap_frame(B(kSearch).first(n), &size), ParseStatus::kNeedMore) << n;
  EXPECT_EQ(ldap_frame(B(kSearch), &size), ParseStatus::kOk);
}

TEST(LdapTest, RejectsIndefiniteOversizedAndForeign) {
  size_t size = 0;
  EXPECT_EQ(ldap_frame(B(unhex("3080020101")), &size), ParseStatus::kMalformed);          // indefinite length
  EXPECT_EQ(ldap_frame(B(unhex("3085")), &size), ParseStatus::kMalformed);                // 5 length octets
  EXPECT_EQ(ldap_frame(B(unhex("3084ffffffff")), &size), ParseStatus::kTooLarge);         // 4 GiB
  EXPECT_EQ(ldap_frame(B(unhex("3083010001")), &size), ParseStatus::kTooLarge);           // 64 KiB + 1
  EXPECT_EQ(ldap_frame(B(std::string("GET / HTTP/1.1\r\n")), &size), ParseStatus::kMalformed);
  EXPECT_EQ(ldap_frame(B(unhex("160303")), &size), ParseStatus::kMalformed);              // TLS client_hello (ldaps)
  // Structurally broken messages.
  EXPECT_FALSE(ldap_parse(B(unhex("3003020101"))).ok());                                  // no protocolOp
  EXPECT_FALSE(ldap_parse(B(unhex("30050200630100"))).ok());                              // empty messageID
  EXPECT_FALSE(ldap_parse(B(unhex("300a02050102030405630100"))).ok());                    // 5-byte messageID
  EXPECT_FALSE(ldap_parse(B(unhex("3007020102630204ff"))).ok());                          // baseObject overruns
  EXPECT_FALSE(ldap_parse(B(unhex("300702010263020a00"))).ok());                          // no baseObject
}

TEST(LdapConversationTest, ServesNothing) {
  auto c = make_ldap_conversation();
  Step s = c->feed(B(kBind));
  EXPECT_EQ(tohex(s.reply), "300c02010161070a010004000400");
  EXPECT_FALSE(s.close);
  EXPECT_TRUE(s.seen.empty());
  s = c->feed(B(kSearch));
  EXPECT_EQ(tohex(s.reply), "300c02010265070a012004000400");
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].name, "tok-abc123");
  EXPECT_EQ(s.seen[0].token, "tok-abc123");
  EXPECT_TRUE(s.answered);
  EXPECT_FALSE(s.close);
  s = c->feed(B(kUnbind));
  EXPECT_TRUE(s.reply.empty());
  EXPECT_TRUE(s.close);
}

TEST(LdapConversationTest, HandlesSplitAndCoalescedPdus) {
  // Byte by byte.
  auto c = make_ldap_conversation();
  std::string replies;
  size_t seen = 0;
  for (char ch : kBind + kSearch) {
    Step s = c->feed(B(std::string(1, ch)));
    replies += s.reply;
    seen += s.seen.size();
    EXPECT_FALSE(s.close);
  }
  EXPECT_EQ(tohex(replies), "300c02010161070a010004000400300c02010265070a012004000400");
  EXPECT_EQ(seen, 1u);
  // All in one read, with the unbind.
  auto d = make_ldap_conversation();
  Step s = d->feed(B(kBind + kSearch + kUnbind));
  EXPECT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.reply.size(), 28u);
  EXPECT_TRUE(s.close);
}

TEST(LdapConversationTest, SmuggledValuesAndStartTls) {
  auto c = make_ldap_conversation();
  Step s = c->feed(B(long_search("abcdefghijkl0123/Linux 6.1.0 unknown, architecture: amd64-64/Debian_17.0.15")));
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].token, "abcdefghijkl0123");
  EXPECT_EQ(s.seen[0].extras, (std::vector<std::string>{"Linux 6.1.0 unknown, architecture: amd64-64",
                                                          "Debian_17.0.15"}));
  // StartTLS: ExtendedRequest -> protocolError, connection stays up.
  std::string oid = "1.3.6.1.4.1.1466.20037";
  std::string ext;
  ber_append(&ext, 0x80, oid);
  std::string op;
  ber_append(&op, kBerInteger, "\x05");
  ber_append(&op, kLdapExtendedRequest, ext);
  std::string msg;
  ber_append(&msg, kBerSequence, op);
  s = c->feed(B(msg));
  EXPECT_EQ(tohex(s.reply), "300c02010578070a010204000400");
  EXPECT_FALSE(s.close);
}

TEST(LdapConversationTest, ClosesOnGarbageAndUnknownOps) {
  auto c = make_ldap_conversation();
  EXPECT_TRUE(c->feed(B(std::string("\x16\x03\x03\x00\x10", 5))).close);
  EXPECT_TRUE(c->feed(B(kBind)).close);  // stays closed
  auto d = make_ldap_conversation();
  EXPECT_TRUE(d->feed(B(unhex("3006020101660100"))).close);  // ModifyRequest
  auto e = make_ldap_conversation();
  EXPECT_TRUE(e->feed(B(unhex("3084 00 01 00 01"))).close);   // oversized declared
  auto f = make_ldap_conversation();
  Step s = f->feed(B(kBind + unhex("3080")));              // reply to the bind, then close
  EXPECT_EQ(s.reply.size(), 14u);
  EXPECT_TRUE(s.close);
}

TEST(BerTest, IntegerContent) {
  EXPECT_EQ(tohex(ber_integer_content(0)), "00");
  EXPECT_EQ(tohex(ber_integer_content(127)), "7f");
  EXPECT_EQ(tohex(ber_integer_content(128)), "0080");
  EXPECT_EQ(tohex(ber_integer_content(-1)), "ff");
  EXPECT_EQ(tohex(ber_integer_content(-129)), "ff7f");
  int64_t v = 0;
  ASSERT_TRUE(ber_integer_value(B(unhex("0080")), &v));
  EXPECT_EQ(v, 128);
  ASSERT_TRUE(ber_integer_value(B(unhex("ff7f")), &v));
  EXPECT_EQ(v, -129);
  EXPECT_FALSE(ber_integer_value(B(std::string()), &v));
}

TEST(BerTest, AppendUsesMinimalLengths) {
  std::string out;
  ber_append(&out, 0x04, std::string(127, 'a'));
  EXPECT_EQ(tohex(out.substr(0, 2)), "047f");
  out.clear();
  ber_append(&out, 0x04, std::string(128, 'a'));
  EXPECT_EQ(tohex(out.substr(0, 3)), "048180");
  out.clear();
  ber_append(&out, 0x04, std::string(256, 'a'));
  EXPECT_EQ(tohex(out.substr(0, 4)), "04820100");
}

}  // namespace
}  // namespace l4s::net
