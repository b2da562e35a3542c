#include "net/callback.h"

#include <gtest/gtest.h>

namespace l4s::net {
namespace {

TEST(CallbackTest, Formats) {
  Callback cb;
  cb.time_ms = 1700000000123;
  cb.protocol = Protocol::kLdap;
  cb.peer = "127.0.0.1:5000";
  cb.token = "abcdefghijkl0123";
  cb.name = "abcdefghijkl0123/a\"b\n\x1b[31m";
  cb.extras = {"a\"b\n\x1b[31m"};
  cb.detail = "search";
  EXPECT_EQ(format_text(cb),
            "2023-11-14T22:13:20.123Z ldap from 127.0.0.1:5000 token=abcdefghijkl0123 "
            "name=\"abcdefghijkl0123/a\\\"b\\x0a\\x1b[31m\" extra=\"a\\\"b\\x0a\\x1b[31m\" (search)");
  cb.name = "\xff";
  std::string j = format_json(cb);
  EXPECT_NE(j.find("\"name\":\"\xef\xbf\xbd\""), std::string::npos) << j;
  EXPECT_EQ(parse_protocol("rmi"), Protocol::kRmi);
  EXPECT_FALSE(parse_protocol("x"));
}

}  // namespace
}  // namespace l4s::net
