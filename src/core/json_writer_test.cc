#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

namespace l4s {
namespace {

using nlohmann::ordered_json;

std::string nlohmann(const ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

std::string ours(std::string_view s) {
  std::string out;
  append_json_string(&out, s);
  return out;
}

TEST(JsonWriter, EscapesAsNlohmannDoes) {
  for (std::string s : {std::string(""), std::string("plain"), std::string("q\"b\\s/"), std::string("\b\f\n\r\t\x01\x1f\x7f"),
                        std::string("nul\0x", 5), std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        std::string("\x80"), std::string("\xc3"), std::string("\xe2\x82"), std::string("\xe2\x41"),
                        std::string("\xe0\x80\x80"), std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
                        std::string("\xf0\x9f\x98"), std::string("\xff\xfe"), std::string("\xc0\xaf")}) {
    EXPECT_EQ(ours(s), nlohmann(s)) << ordered_json(s).dump(-1, ' ', true, ordered_json::error_handler_t::replace);
  }
}

// Random bytes weighted towards UTF-8 lead and continuation bytes, so every
// kind of broken sequence turns up.
TEST(JsonWriter, RandomBytesEscapeAsNlohmannDoes) {
  std::mt19937 rng(42);
  const unsigned char pool[] = {'a', '"', '\\', '\n', 0x01, 0x7f, 0x80, 0x8f, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf,
                                0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff, 0xc0, 0xc1};
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng() % 12, '\0');
    for (char& c : s) c = static_cast<char>(pool[rng() % sizeof pool]);
    ASSERT_EQ(ours(s), nlohmann(s)) << "round " << round;
  }
}

TEST(JsonWriter, DocumentsMatchCompactAndIndented) {
  ordered_json expected{{"file", "/var/log/a.log"},
                        {"line", 7},
                        {"neg", -3},
                        {"none", nullptr},
                        {"ok", true},
                        {"empty", ordered_json::array()},
                        {"empty_object", ordered_json::object()},
                        {"list", {"a", "b"}},
                        {"nested", {{"x", 1}, {"y", {{"z", false}}}}}};
  for (int indent : {-1, 0, 2, 4}) {
    std::string out;
    JsonWriter w(&out, indent);
    w.begin_object();
    w.key("file").string("/var/log/a.log").key("line").uint(7).key("neg").integer(-3).key("none").string_or_null("");
    w.key("ok").boolean(true).key("empty").begin_array().end_array().key("empty_object").begin_object().end_object();
    w.key("list").Strings({"a", "b"});
    w.key("nested").begin_object().key("x").uint(1).key("y").begin_object().key("z").boolean(false).end_object().end_object();
    w.end_object();
    EXPECT_EQ(out, nlohmann(expected, indent)) << "indent " << indent;
  }
}

TEST(JsonWriter, NestedInsideAnIndentedDocument) {
  // An array element written at depth 2 lines up with what nlohmann prints
  // for the whole document.
  ordered_json doc{{"items", ordered_json::array({{{"a", 1}, {"b", {"x"}}}})}};
  std::string element;
  JsonWriter w(&element, 2, 2);
  w.begin_object().key("a").uint(1).key("b").Strings({"x"}).end_object();
  EXPECT_EQ("{\n  \"items\": [\n    " + element + "\n  ]\n}", nlohmann(doc, 2));
}

}  // namespace
}  // namespace l4s
