#include "follow/syslog.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace l4s::follow {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The next space-delimited token of an RFC 5424 header.
bool next_token(std::string_view& rest, std::string_view* token) {
  if (rest.empty()) return false;
  size_t sp = rest.find(' ');
  if (sp == 0) return false;
  *token = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  return true;
}

std::string nil_to_empty(std::string_view v) { return v == "-" ? std::string() : std::string(v); }

// "[id p=\"v\" ...][...]": skips it, honouring \" \\ \] escapes in values.
bool skip_structured_data(std::string_view& rest) {
  if (!rest.empty() && rest[0] == '-') {
    rest.remove_prefix(1);
    return true;
  }
  if (rest.empty() || rest[0] != '[') return false;
  while (!rest.empty() && rest[0] == '[') {
    size_t i = 1;
    bool in_value = false;
    for (;; ++i) {
      if (i >= rest.size()) return false;
      char c = rest[i];
      if (in_value) {
        if (c == '\\' && i + 1 < rest.size()) ++i;
        else if (c == '"') in_value = false;
      } else if (c == '"') {
        in_value = true;
      } else if (c == ']') {
        break;
      }
    }
    rest.remove_prefix(i + 1);
  }
  return true;
}

const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Mmm dd hh:mm:ss" (day space-padded or zero-padded).
bool is_bsd_timestamp(std::string_view s) {
  if (s.size() < 15) return false;
  bool month = false;
  for (const char* m : kMonths) month = month || s.substr(0, 3) == m;
  return month && s[3] == ' ' && (s[4] == ' ' || is_digit(s[4])) && is_digit(s[5]) && s[6] == ' ' && is_digit(s[7]) &&
         is_digit(s[8]) && s[9] == ':' && is_digit(s[10]) && is_digit(s[11]) && s[12] == ':' && is_digit(s[13]) &&
         is_digit(s[14]);
}

}  // namespace

std::optional<SyslogMessage> parse_syslog(std::string_view frame) {
  if (frame.size() < 3 || frame[0] != '<') return std::nullopt;
  size_t i = 1;
  int pri = 0;
  while (i < frame.size() && i <= 3 && is_digit(frame[i])) pri = pri * 10 + (frame[i++] - '0');
  if (i == 1 || i >= frame.size() || frame[i] != '>' || pri > 191) return std::nullopt;
  if (i > 2 && frame[1] == '0') return std::nullopt;  // no leading zeros (RFC 5424 6.2.1)
  SyslogMessage m;
  m.facility = pri / 8;
  m.severity = pri % 8;
  std::string_view rest = frame.substr(i + 1);
  if (rest.size() >= 2 && rest[0] == '1' && rest[1] == ' ') {
    m.rfc5424 = true;
    rest.remove_prefix(2);
    std::string_view ts, host, app, procid, msgid;
    if (!next_token(rest, &ts) || !next_token(rest, &host) || !next_token(rest, &app) || !next_token(rest, &procid) ||
        !next_token(rest, &msgid))
      return std::nullopt;
    if (!skip_structured_data(rest)) return std::nullopt;
    if (!rest.empty()) {
      if (rest[0] != ' ') return std::nullopt;
      rest.remove_prefix(1);
    }
    if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // BOM
    m.timestamp = nil_to_empty(ts);
    m.hostname = nil_to_empty(host);
    m.app_name = nil_to_empty(app);
    m.msg = rest;
    return m;
  }
  // RFC 3164: TIMESTAMP SP HOSTNAME SP TAG MSG.
  if (is_bsd_timestamp(rest) && rest.size() > 15 && rest[15] == ' ') {
    m.timestamp = std::string(rest.substr(0, 15));
    rest.remove_prefix(16);
    size_t sp = rest.find(' ');
    if (sp != std::string_view::npos && sp > 0) {
      m.hostname = std::string(rest.substr(0, sp));
      rest.remove_prefix(sp + 1);
    }
    size_t tag_end = 0;
    while (tag_end < rest.size() && tag_end < 48 &&
           (std::isalnum(static_cast<unsigned char>(rest[tag_end])) || std::strchr("-_./", rest[tag_end])))
      ++tag_end;
    if (tag_end > 0 && tag_end < rest.size() && (rest[tag_end] == ':' || rest[tag_end] == '['))
      m.app_name = std::string(rest.substr(0, tag_end));
  }
  m.msg = rest;
  return m;
}

void TcpFramer::feed(std::string_view data, const std::function<void(std::string_view)>& on_frame) {
  while (!data.empty()) {
    switch (mode_) {
      case Mode::kStart:
        buf_.clear();
        if (is_digit(data[0])) {
          mode_ = Mode::kCount;
          need_ = 0;
        } else if (data[0] == '<') {
          mode_ = Mode::kLine;
        } else if (data[0] == '\n' || data[0] == '\r' || data[0] == '\0') {
          data.remove_prefix(1);  // stray separators between frames
        } else {
          ++malformed_;
          mode_ = Mode::kDiscardLine;
        }
        break;
      case Mode::kCount: {
        char c = data[0];
        if (is_digit(c) && buf_.size() < 10) {
          buf_ += c;
          need_ = need_ * 10 + static_cast<uint64_t>(c - '0');
          data.remove_prefix(1);
        } else if (c == ' ' && !buf_.empty() && need_ > 0) {
          data.remove_prefix(1);
          buf_.clear();
          if (need_ > max_frame_) {
            ++malformed_;
            mode_ = Mode::kDiscardBytes;
          } else {
            mode_ = Mode::kCounted;
          }
        } else {
          ++malformed_;
          mode_ = Mode::kDiscardLine;
        }
        break;
      }
      case Mode::kCounted: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(need_ - buf_.size(), data.size()));
        buf_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (buf_.size() == need_) {
          on_frame(buf_);
          mode_ = Mode::kStart;
        }
        break;
      }
      case Mode::kLine: {
        size_t nl = data.find('\n');
        size_t take = nl == std::string_view::npos ? data.size() : nl;
        if (buf_.size() + take > max_frame_) {
          ++malformed_;
          mode_ = Mode::kDiscardLine;
          break;
        }
        buf_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (nl != std::string_view::npos) {
          data.remove_prefix(1);
          if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
          on_frame(buf_);
          mode_ = Mode::kStart;
        }
        break;
      }
      case Mode::kDiscardLine: {
        size_t nl = data.find('\n');
        if (nl == std::string_view::npos) {
          data = {};
        } else {
          data.remove_prefix(nl + 1);
          mode_ = Mode::kStart;
        }
        break;
      }
      case Mode::kDiscardBytes: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(need_, data.size()));
        need_ -= take;
        data.remove_prefix(take);
        if (need_ == 0) mode_ = Mode::kStart;
        break;
      }
    }
  }
}

void TcpFramer::finish(const std::function<void(std::string_view)>& on_frame) {
  if (mode_ == Mode::kLine && !buf_.empty()) on_frame(buf_);
  else if (mode_ == Mode::kCount || mode_ == Mode::kCounted) ++malformed_;
  mode_ = Mode::kStart;
  buf_.clear();
}

}  // namespace l4s::follow
