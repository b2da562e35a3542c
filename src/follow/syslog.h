// Syslog frames from the network (hostile input): RFC 5424 and RFC 3164
// messages, and RFC 6587 framing on TCP (octet counting "LEN SP MSG" and
// newline-terminated). Nothing here throws or trusts a length.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace l4s::follow {

struct SyslogMessage {
  int facility = 0;
  int severity = 0;
  bool rfc5424 = false;
  std::string timestamp;  // as sent ("" when absent or "-")
  std::string hostname;   // "" when absent or "-"
  std::string app_name;   // RFC 5424 APP-NAME or RFC 3164 TAG ("" when absent)
  std::string_view msg;   // the free text, a view into the frame
};

// nullopt for a malformed frame: no "<PRI>" with PRI 0..191, or an RFC 5424
// header that is cut or has a malformed structured-data part. An RFC 3164
// frame without a timestamp is kept (relays do), with no host.
std::optional<SyslogMessage> parse_syslog(std::string_view frame);

// Splits a TCP byte stream into frames. A frame starting with a digit is
// octet-counted; one starting with '<' ends at '\n' (a '\r' before it is
// dropped); anything else is garbage up to the next '\n'. Frames longer than
// `max_frame` are skipped whole and counted as malformed.
class TcpFramer {
 public:
  explicit TcpFramer(size_t max_frame = 256u << 10) : max_frame_(max_frame) {}
  void feed(std::string_view data, const std::function<void(std::string_view)>& on_frame);
  // The connection closed: a last newline-framed message without its '\n'.
  void finish(const std::function<void(std::string_view)>& on_frame);
  uint64_t malformed() const { return malformed_; }

 private:
  enum class Mode { kStart, kCount, kCounted, kLine, kDiscardLine, kDiscardBytes };
  size_t max_frame_;
  Mode mode_ = Mode::kStart;
  std::string buf_;
  uint64_t need_ = 0;
  uint64_t malformed_ = 0;
};

}  // namespace l4s::follow
