#include "net/http_request.h"

#include <gtest/gtest.h>

namespace l4s::net {
namespace {

TEST(HttpRequestTest, ParsesHeadAndServesNothing) {
  auto h = http_parse_head("GET /abcdefghijkl0123/%24%7Bjava%3Aversion%7D?x=1 HTTP/1.1\r\nHost: a\r\n"
                           "User-Agent:  Java/17.0.15 \r\n\r\n");
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_EQ(h->path, "/abcdefghijkl0123/${java:version}");
  EXPECT_EQ(h->user_agent, "Java/17.0.15");
  auto c = make_http_conversation();
  Step s = c->feed(as_bytes("GET /abcdefghijkl0123/x HTTP/1.1\r\n"));
  EXPECT_TRUE(s.seen.empty());
  s = c->feed(as_bytes("User-Agent: Java/17\r\n\r\n"));
  ASSERT_EQ(s.seen.size(), 1u);
  EXPECT_EQ(s.seen[0].token, "abcdefghijkl0123");
  EXPECT_EQ(s.seen[0].detail, "GET Java/17");
  EXPECT_EQ(s.reply.substr(0, 22), "HTTP/1.1 404 Not Found");
  EXPECT_TRUE(s.close);
  auto bad = make_http_conversation();
  EXPECT_TRUE(bad->feed(as_bytes("\x16\x03\x01")).close);  // TLS: no need to wait for a blank line
  auto ldap = make_http_conversation();
  EXPECT_TRUE(ldap->feed(as_bytes(std::string("\x30\x0c\x02\x01\x01", 5))).close);
  auto big = make_http_conversation();
  EXPECT_TRUE(big->feed(as_bytes(std::string(kHttpMaxHead + 1, 'a'))).close);
  EXPECT_EQ(percent_decode("%41%zz%4"), "A%zz%4");
}

}  // namespace
}  // namespace l4s::net
