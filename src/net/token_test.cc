#include "net/token.h"

#include <gtest/gtest.h>


namespace l4s::net {
namespace {

TEST(TokenTest, Shape) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100; ++i) {
    std::string t = make_token(rng);
    EXPECT_TRUE(looks_like_token(t)) << t;
    EXPECT_EQ(t.size(), 16u);
  }
  EXPECT_FALSE(looks_like_token("short"));
  EXPECT_FALSE(looks_like_token("0abcdefghijklmn"));
  EXPECT_FALSE(looks_like_token("abcdefghijkl-mn"));
}

TEST(TokenTest, SplitPathNames) {
  NameParts p = split_path_name("abcdefghijkl0123/Linux 6.1.0 unknown, architecture: amd64-64/Debian_17.0.15");
  EXPECT_EQ(p.token, "abcdefghijkl0123");
  EXPECT_EQ(p.extras.size(), 2u);
  // Huntress style: free-form first, the token last.
  p = split_path_name("keys/17.0.2/abcdefghijkl0123");
  EXPECT_EQ(p.token, "abcdefghijkl0123");
  EXPECT_EQ(p.extras, (std::vector<std::string>{"keys", "17.0.2"}));
  // No token-shaped component: the first one.
  p = split_path_name("/a//b/");
  EXPECT_EQ(p.token, "a");
  EXPECT_EQ(p.extras, std::vector<std::string>{"b"});
  EXPECT_EQ(split_path_name("").token, "");
}

TEST(TokenTest, SplitDnsLabels) {
  NameParts p = split_dns_labels({"123456", "xhost", "ABCDEFGHIJKL0123", "cb", "test"}, 2);
  EXPECT_EQ(p.token, "abcdefghijkl0123");
  EXPECT_EQ(p.extras, (std::vector<std::string>{"123456", "xhost"}));
  EXPECT_EQ(split_dns_labels({"cb", "test"}, 2).token, "");
  EXPECT_EQ(split_dns_labels({"plain"}, 0).token, "plain");
}

}  // namespace
}  // namespace l4s::net
