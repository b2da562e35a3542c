// One Log4Shell attempt found in a log line, and the search that finds them.
//
// examine_line is the per-line verdict. It splits the line into what the
// application logged (hunt/log_structure.h: the message of a JSON line, the
// fields of logfmt, CSV, W3C and Zeek logs, the line itself otherwise) and
// evaluates each as Log4j 2.14.1 would, after peeling only the layers
// something upstream of the application decodes (a request target's
// percent-encoding, Basic credentials). The reading that gets furthest wins
// (reaches JNDI > DoS; then more remote callbacks; then fewer layers).
//
// A line that tries but that Log4j leaves alone is reported too, as verdict
// "inert" with severity low: a payload encoded where nothing decodes it
// (`layers` says what it would need), an escaped `$${jndi:...}`, an
// unterminated `${jndi:...`. Its JNDI names are what the attacker aimed at.
//
// scan_block runs the prefilter over a block of whole lines and examines
// only the lines holding a trigger.
//
// Detection is the model the sinks format; the fields that need log-format
// parsing (timestamp, source IP) are filled by the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/decoders.h"
#include "hunt/evaluator.h"
#include "hunt/jndi_name.h"
#include "hunt/log_fields.h"
#include "hunt/log_structure.h"
#include "hunt/resolve.h"

namespace l4s::hunt {

enum class Severity { kLow, kMedium, kHigh, kCritical };
std::string_view severity_name(Severity severity);  // "low", "medium", "high", "critical"

// Where in network traffic a detection was found (`hunt --pcap`); logs leave
// Detection::network empty. Detection::line holds the frame number then.
struct NetworkContext {
  std::string protocol;  // "tcp" or "udp"
  std::string src_ip, dst_ip;
  uint16_t src_port = 0, dst_port = 0;
  uint64_t frame = 0;    // 1-based frame that completed the examined bytes
  double time = 0;       // its capture time, seconds since the epoch (Detection::timestamp in ISO-8601)
  std::string field;     // "request_line", "header", "body", "payload"
  std::string header;    // the header's name when field == "header"
  std::string http_method, http_uri, http_host, http_user_agent;
};

struct Detection {
  std::string file;             // set by the caller
  uint64_t line = 0;            // 1-based
  uint64_t offset = 0;          // of the line's first byte, in the (decompressed) stream
  std::string timestamp;        // set by the caller's log-format parser (hunt/log_fields.h), "" if unknown
  std::string timestamp_raw;    // likewise: the timestamp as logged
  std::string source_ip;        // likewise
  std::string forwarded_for;    // likewise: the X-Forwarded-For chain when logged
  std::string raw;              // the line as logged (at most kMaxRaw bytes)
  std::string field;            // the value of the line that holds the attempt (LogMessage::field)
  std::vector<Layer> layers;    // transport layers peeled before Log4j's view
  std::string resolved;         // what Log4j would log for that view
  std::vector<JndiTarget> jndi; // distinct names passed to JNDI
  std::vector<std::string> techniques;
  std::vector<std::string> exfiltrates;
  std::string decoded_command;  // from a JNDIExploit-style ".../Base64/<b64>" route, if any
  Verdict verdict = Verdict::kInert;
  Severity severity = Severity::kLow;
  std::optional<NetworkContext> network;  // set for captures only

  static constexpr size_t kMaxRaw = 64 * 1024;
};

// Examines one line; nullopt when nothing in it tries to reach JNDI or recursion.
std::optional<Detection> examine_line(std::string_view line, const LogFormatHints& hints,
                                     const LookupEnvironment& env = {}, const EvalLimits& limits = {});
inline std::optional<Detection> examine_line(std::string_view line, const LookupEnvironment& env = {},
                                            const EvalLimits& limits = {}) {
  return examine_line(line, LogFormatHints{}, env, limits);
}

// The same verdict over values already taken apart (a capture's request
// target, headers and body); `raw` is what the detection quotes.
std::optional<Detection> examine_messages(std::string_view raw, const std::vector<LogMessage>& messages,
                                         const LookupEnvironment& env = {}, const EvalLimits& limits = {});

// Lines longer than this are examined in consecutive windows of this size,
// each starting at a trigger (or at the base64 token holding it, at most
// kWindowContext bytes earlier); one detection per window that resolves.
// Windows keep the evaluator's work bounded; a lookup longer than a window
// is cut.
inline constexpr size_t kMaxExamined = 256 * 1024;
inline constexpr size_t kWindowContext = 4096;

// Calls `emit` for every detection in `block`, which holds whole lines
// starting at stream offset `block_offset` with line number `first_line`.
// Returns the number of lines in the block (so callers can keep counting).
uint64_t scan_block(std::string_view block, uint64_t block_offset, uint64_t first_line,
                   const std::function<void(Detection&&)>& emit, const LookupEnvironment& env = {},
                   const EvalLimits& limits = {}, const LogFormatHints& hints = {});

// JNDIExploit's own rule: the text after the last '/' is base64 when the
// segment before it is "base64" (any case). Tolerant of URL-safe alphabet,
// missing padding and '+' turned into ' '. "" when the path has no such route
// or the result is not text.
std::string decode_exploit_command(std::string_view path);

}  // namespace l4s::hunt
