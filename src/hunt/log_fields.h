// The event fields of a log line that a responder needs beside the payload:
// when it was logged and who sent it.
//
// Recognised formats (tried in this order, each only where that format puts
// its fields, so a date or address inside a payload is never taken):
//   JSON lines        "@timestamp" / "timestamp" / "time" (text or epoch
//                     seconds/millis), "client_ip" / "remote_addr" / "src_ip" /
//                     "clientip" / "remote_ip" / "source_ip" / "client.ip" /
//                     "source.ip", "x_forwarded_for" / "http_x_forwarded_for" /
//                     "x-forwarded-for" / "xff"
//   Zeek TSV          the "ts" and "id.orig_h" columns named by the "#fields"
//                     header (see sniff_log_format)
//   W3C extended/IIS  the "date", "time", "c-ip" and "cs(X-Forwarded-For)"
//                     columns named by the "#Fields:" header
//   Apache/nginx      client address as the first field, "[10/Dec/2021:12:34:56 +0100]",
//   (common/combined) and a trailing quoted field holding an address list as
//                     X-Forwarded-For (nginx's "$http_x_forwarded_for")
//   ISO-8601 and the  "2021-12-10T12:34:56.789Z", "2021-12-10 12:34:56,789",
//   log4j layouts     "12:34:56.789" (DefaultConfiguration), "10-Dec-2021 12:34:56.789"
//                     (Tomcat), near the start of the line
//   syslog            "Dec 10 12:34:56" (RFC 3164, optionally after "<PRI>")
// Any line may also carry an "X-Forwarded-For: a, b" header dump.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::hunt {

// Per-file knowledge taken from the first bytes of a log: logs whose header
// names their columns (Zeek's "#fields", W3C/IIS "#Fields:", a CSV header).
// Columns are 0-based; -1 when unknown.
enum class LogSyntax : uint8_t {
  kUnknown,  // lines are recognised one by one (JSON lines, logfmt, access logs, plain text)
  kZeekTsv,  // tab-separated, "#fields" header, \xHH escapes
  kW3c,      // W3C extended / IIS: space-separated, "#Fields:" header
  kCsv,      // RFC 4180, first line names the columns
};

struct LogFormatHints {
  LogSyntax syntax = LogSyntax::kUnknown;
  char separator = '\t';
  std::vector<std::string> columns;  // names, for kZeekTsv, kW3c and kCsv
  int ts_column = -1;         // Zeek "ts"; W3C "time" (with date_column)
  int date_column = -1;       // W3C "date"
  int source_column = -1;     // Zeek "id.orig_h", W3C "c-ip"
  int forwarded_column = -1;  // W3C "cs(X-Forwarded-For)"
};

LogFormatHints sniff_log_format(std::string_view head);

struct LogFields {
  // ISO-8601 when the year is known: UTC with "Z" when the log gives a zone
  // or an epoch, local time without a zone otherwise ("2021-12-10T12:34:56.789").
  // When the year is unknown (syslog, "HH:mm:ss.SSS"), the text as logged.
  // "" when no timestamp was recognised.
  std::string timestamp;
  std::string timestamp_raw;  // as logged
  std::string source_ip;      // the client address (IPv4 or IPv6), "" if unknown
  std::string forwarded_for;  // the X-Forwarded-For chain as logged, "" if none
};

LogFields parse_log_fields(std::string_view line, const LogFormatHints& hints = {});

// Whether `timestamp` (as parse_log_fields returns it) is ISO-8601, i.e. sortable.
bool is_iso_timestamp(std::string_view timestamp);

// Whether `text` is an IPv4 or IPv6 address.
bool is_ip_address(std::string_view text);

}  // namespace l4s::hunt
