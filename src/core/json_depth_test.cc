#include "core/json_depth.h"

#include <string>

#include <gtest/gtest.h>

namespace l4s {
namespace {

constexpr size_t npos = std::string_view::npos;

TEST(JsonDepth, FindsWhereNestingPassesTheLimit) {
  EXPECT_EQ(json_too_deep_at("", 0), npos);
  EXPECT_EQ(json_too_deep_at("1", 0), npos);
  EXPECT_EQ(json_too_deep_at("{}", 0), 0u);
  EXPECT_EQ(json_too_deep_at("{}", 1), npos);
  EXPECT_EQ(json_too_deep_at(R"({"a":[1,{"b":[]}],"c":{}})", 4), npos);
  EXPECT_EQ(json_too_deep_at(R"({"a":[1,{"b":[]}],"c":{}})", 3), 13u);
  EXPECT_EQ(json_too_deep_at(R"({"a":"[[[[{{{"})", 1), npos) << "brackets inside strings do not nest";
  EXPECT_EQ(json_too_deep_at(R"({"a":"\"[[[["})", 1), npos) << "an escaped quote does not end the string";
  EXPECT_EQ(json_too_deep_at(R"({"a":"\\"}[[)", 1), 11u) << "an escaped backslash does";
  EXPECT_EQ(json_too_deep_at("]]]]][", 1), npos) << "unbalanced closers never go below level 0";
  EXPECT_EQ(json_too_deep_at(std::string(100000, '[')), kMaxJsonDepth);
  EXPECT_EQ(json_too_deep_at(std::string(kMaxJsonDepth, '[')), npos);
}

}  // namespace
}  // namespace l4s
