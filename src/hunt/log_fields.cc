#include "hunt/log_fields.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace l4s::hunt {
namespace {

constexpr size_t kPrefixSearch = 96;     // where line-leading timestamps may sit
constexpr size_t kBracketSearch = 1024;  // where Apache's "[date]" may sit

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` digits at s[pos]; -1 when they are not all digits.
int num(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!digit(s[pos + i])) return -1;
    v = v * 10 + (s[pos + i] - '0');
  }
  return v;
}

int month(std::string_view s, size_t pos) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  if (pos + 3 > s.size()) return -1;
  char m[3];
  for (int i = 0; i < 3; ++i) m[i] = static_cast<char>(s[pos + i] | 0x20);
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (std::string_view(m, 3) == kMonths[i]) return static_cast<int>(i) + 1;
  return -1;
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

struct Stamp {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string fraction;          // digits after the decimal separator
  std::optional<int> offset_min; // east of UTC; nullopt when the log gives no zone
};

bool valid(const Stamp& t) {
  return t.year >= 1970 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

std::string iso(Stamp t) {
  if (t.offset_min) {
    int64_t secs = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second -
                   *t.offset_min * 60;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    civil_from_days(days, &t.year, &t.month, &t.day);
    t.hour = static_cast<int>(rem / 3600);
    t.minute = static_cast<int>(rem % 3600 / 60);
    t.second = static_cast<int>(rem % 60);
  }
  if (t.year < 0 || t.year > 9999) {  // only after a zone shift at the edge of the range
    char wide[48];
    std::snprintf(wide, sizeof wide, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.minute,
                  t.second);
    return std::string(wide) + (t.fraction.empty() ? "" : "." + t.fraction) + (t.offset_min ? "Z" : "");
  }
  // By hand: snprintf cost more than the rest of the parse.
  char buf[19];
  auto put = [&](int at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) buf[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, t.year, 4);
  buf[4] = '-';
  put(5, t.month, 2);
  buf[7] = '-';
  put(8, t.day, 2);
  buf[10] = 'T';
  put(11, t.hour, 2);
  buf[13] = ':';
  put(14, t.minute, 2);
  buf[16] = ':';
  put(17, t.second, 2);
  std::string out(buf, sizeof buf);
  if (!t.fraction.empty()) out += "." + t.fraction;
  if (t.offset_min) out += "Z";
  return out;
}

// Reads ".123" or ",123" at s[*pos].
void fraction(std::string_view s, size_t* pos, Stamp* t) {
  if (*pos < s.size() && (s[*pos] == '.' || s[*pos] == ',') && *pos + 1 < s.size() && digit(s[*pos + 1])) {
    size_t p = *pos + 1;
    while (p < s.size() && digit(s[p]) && p - *pos <= 9) t->fraction += s[p++];
    *pos = p;
  }
}

// Reads "Z", "+01:00", "+0100", " +0100", "-05" at s[*pos].
void zone(std::string_view s, size_t* pos, Stamp* t, bool allow_space) {
  size_t p = *pos;
  if (allow_space && p < s.size() && s[p] == ' ') ++p;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    if (p + 1 < s.size() && (std::isalnum(static_cast<unsigned char>(s[p + 1])))) return;
    t->offset_min = 0;
    *pos = p + 1;
    return;
  }
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    int hh = num(s, p + 1, 2);
    if (hh < 0 || hh > 14) return;
    size_t q = p + 3;
    int mm = 0;
    if (q < s.size() && s[q] == ':') {
      mm = num(s, q + 1, 2);
      if (mm < 0) return;
      q += 3;
    } else if (num(s, q, 2) >= 0) {
      mm = num(s, q, 2);
      q += 2;
    }
    if (mm > 59 || (q < s.size() && digit(s[q]))) return;
    t->offset_min = sign * (hh * 60 + mm);
    *pos = q;
  }
}

// "HH:MM:SS" at s[pos].
bool clock(std::string_view s, size_t pos, Stamp* t) {
  t->hour = num(s, pos, 2);
  t->minute = num(s, pos + 3, 2);
  t->second = num(s, pos + 6, 2);
  return t->hour >= 0 && t->minute >= 0 && t->second >= 0 && s[pos + 2] == ':' && s[pos + 5] == ':' &&
         t->hour <= 23 && t->minute <= 59 && t->second <= 60;
}

bool word_start(std::string_view s, size_t pos) {
  return pos == 0 || !std::isalnum(static_cast<unsigned char>(s[pos - 1]));
}

// "YYYY-MM-DD[T ]HH:MM:SS[.fff][zone]" starting at s[pos].
std::optional<std::pair<Stamp, size_t>> iso_at(std::string_view s, size_t pos) {
  Stamp t;
  t.year = num(s, pos, 4);
  t.month = num(s, pos + 5, 2);
  t.day = num(s, pos + 8, 2);
  if (t.year < 0 || t.month < 0 || t.day < 0 || s[pos + 4] != '-' || s[pos + 7] != '-') return std::nullopt;
  if (pos + 19 > s.size() || (s[pos + 10] != 'T' && s[pos + 10] != ' ' && s[pos + 10] != 't')) return std::nullopt;
  if (!clock(s, pos + 11, &t)) return std::nullopt;
  size_t end = pos + 19;
  fraction(s, &end, &t);
  zone(s, &end, &t, false);
  if (!valid(t)) return std::nullopt;
  return std::make_pair(t, end);
}

struct Found {
  std::string iso;  // "" when the year is unknown
  std::string raw;
};

std::optional<Found> iso_search(std::string_view s, size_t limit) {
  limit = std::min(limit, s.size());
  for (size_t i = 0; i + 19 <= s.size() && i < limit; ++i) {
    if (!digit(s[i]) || !word_start(s, i)) continue;
    if (auto r = iso_at(s, i)) return Found{iso(r->first), std::string(s.substr(i, r->second - i))};
  }
  return std::nullopt;
}

// Apache/nginx "[10/Dec/2021:12:34:56 +0100]".
std::optional<Found> bracket_search(std::string_view s) {
  size_t limit = std::min(kBracketSearch, s.size());
  for (size_t i = 0; i < limit; ++i) {
    const void* open = std::memchr(s.data() + i, '[', limit - i);  // the next '[' to try
    if (open == nullptr) break;
    i = static_cast<size_t>(static_cast<const char*>(open) - s.data());
    if (i + 27 > s.size()) continue;
    Stamp t;
    t.day = num(s, i + 1, 2);
    t.month = month(s, i + 4);
    t.year = num(s, i + 8, 4);
    if (t.day < 0 || t.month < 0 || t.year < 0 || s[i + 3] != '/' || s[i + 7] != '/' || s[i + 12] != ':') continue;
    if (!clock(s, i + 13, &t)) continue;
    size_t end = i + 21;
    fraction(s, &end, &t);
    zone(s, &end, &t, true);
    if (end >= s.size() || s[end] != ']' || !valid(t)) continue;
    return Found{iso(t), std::string(s.substr(i + 1, end - i - 1))};
  }
  return std::nullopt;
}

// Tomcat "10-Dec-2021 12:34:56.789" near the start.
std::optional<Found> tomcat_search(std::string_view s) {
  size_t limit = std::min(kPrefixSearch, s.size());
  for (size_t i = 0; i + 20 <= s.size() && i < limit; ++i) {
    if (!digit(s[i]) || !word_start(s, i)) continue;
    Stamp t;
    t.day = num(s, i, 2);
    t.month = month(s, i + 3);
    t.year = num(s, i + 7, 4);
    if (t.day < 0 || t.month < 0 || t.year < 0 || s[i + 2] != '-' || s[i + 6] != '-' || s[i + 11] != ' ') continue;
    if (!clock(s, i + 12, &t)) continue;
    size_t end = i + 20;
    fraction(s, &end, &t);
    if (!valid(t)) continue;
    return Found{iso(t), std::string(s.substr(i, end - i))};
  }
  return std::nullopt;
}

// Line-leading forms without a year: syslog "Dec 10 12:34:56" (after an
// optional "<PRI>") and log4j's "HH:mm:ss.SSS".
std::optional<Found> yearless_at_start(std::string_view s) {
  size_t p = 0;
  if (!s.empty() && s[0] == '<') {
    size_t close = s.find('>');
    if (close != std::string_view::npos && close <= 4) p = close + 1;
  }
  Stamp t;
  if (p + 15 <= s.size() && month(s, p) > 0 && s[p + 3] == ' ' &&
      (digit(s[p + 4]) || s[p + 4] == ' ') && digit(s[p + 5]) && s[p + 6] == ' ' && clock(s, p + 7, &t)) {
    return Found{"", std::string(s.substr(p, 15))};
  }
  if (clock(s, 0, &t) && s.size() >= 8 && (s.size() == 8 || !digit(s[8]))) {
    size_t end = 8;
    fraction(s, &end, &t);
    return Found{"", std::string(s.substr(0, end))};
  }
  return std::nullopt;
}

std::string epoch_iso(std::string_view number) {
  // Seconds ("1639139696.123456") or milliseconds ("1639139696123").
  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  if (whole.empty() || whole.size() > 16 || !std::all_of(whole.begin(), whole.end(), digit)) return "";
  int64_t v = std::stoll(std::string(whole));
  std::string fraction;
  if (dot != std::string_view::npos) {
    for (char c : number.substr(dot + 1)) {
      if (!digit(c)) return "";
      if (fraction.size() < 9) fraction += c;
    }
  }
  if (whole.size() >= 12 && dot == std::string_view::npos) {  // milliseconds
    char ms[8];
    std::snprintf(ms, sizeof ms, "%03d", static_cast<int>(v % 1000));
    fraction = ms;
    v /= 1000;
  }
  if (v < 0 || v > 253402300799) return "";
  Stamp t;
  int64_t days = v / 86400, rem = v % 86400;
  civil_from_days(days, &t.year, &t.month, &t.day);
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem % 3600 / 60);
  t.second = static_cast<int>(rem % 60);
  t.fraction = fraction;
  t.offset_min = 0;
  return iso(t);
}

// The value of the first `"key": value` in a JSON-ish line: a string (escapes
// \" and \\ undone; others kept) or a bare number. nullopt when absent.
std::optional<std::string> json_value(std::string_view line, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\"";
  size_t from = 0;
  while (true) {
    size_t k = line.find(needle, from);
    if (k == std::string_view::npos) return std::nullopt;
    size_t p = k + needle.size();
    from = p;
    while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
    if (p >= line.size() || line[p] != ':') continue;  // a value equal to the key, not the key
    ++p;
    while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
    if (p >= line.size()) return std::nullopt;
    std::string value;
    if (line[p] == '"') {
      for (++p; p < line.size() && line[p] != '"'; ++p) {
        if (line[p] == '\\' && p + 1 < line.size()) {
          char e = line[++p];
          if (e == '"' || e == '\\' || e == '/') {
            value += e;
          } else {
            value += '\\';
            value += e;
          }
        } else {
          value += line[p];
        }
        if (value.size() > 4096) return std::nullopt;
      }
      return value;
    }
    while (p < line.size() && (digit(line[p]) || line[p] == '.' || line[p] == '-' || line[p] == 'e' || line[p] == 'E' ||
                               line[p] == '+'))
      value += line[p++];
    if (value.empty()) return std::nullopt;
    return value;
  }
}

std::optional<Found> parse_time_text(std::string_view text) {
  if (auto f = iso_search(text, 1)) return f;
  if (auto f = bracket_search("[" + std::string(text) + "]")) return f;
  if (auto f = tomcat_search(text)) return f;
  if (auto f = yearless_at_start(text)) return f;
  return std::nullopt;
}

// The address list of an X-Forwarded-For value: items separated by commas
// (and spaces), each an IP address, optionally with ":port" or "[v6]".
bool is_address_list(std::string_view v) {
  if (v.empty()) return false;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string_view item = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && item.front() == '[') {
      size_t close = item.find(']');
      if (close == std::string_view::npos) return false;
      item = item.substr(1, close - 1);
    } else if (std::count(item.begin(), item.end(), ':') == 1) {
      item = item.substr(0, item.find(':'));
    }
    if (!is_ip_address(item) && item != "unknown") return false;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return true;
}

// "X-Forwarded-For: 1.2.3.4, 5.6.7.8" (or '=' / '":"'), any case.
std::string xff_header(std::string_view line) {
  static constexpr std::string_view kName = "x-forwarded-for";
  // The name's second byte is '-': only the bytes before a '-' (found with
  // memchr, in order) can start it.
  for (const char* dash = static_cast<const char*>(std::memchr(line.data(), '-', line.size())); dash != nullptr;
       dash = static_cast<const char*>(std::memchr(dash + 1, '-', line.data() + line.size() - dash - 1))) {
    if (dash == line.data()) continue;
    const size_t i = static_cast<size_t>(dash - line.data()) - 1;
    if (i + kName.size() >= line.size()) break;
    if ((line[i] | 0x20) != 'x') continue;
    bool match = true;
    for (size_t j = 0; j < kName.size() && match; ++j) match = (line[i + j] | 0x20) == kName[j];
    if (!match) continue;
    size_t p = i + kName.size();
    while (p < line.size() && (line[p] == '"' || line[p] == '\'')) ++p;
    if (p >= line.size() || (line[p] != ':' && line[p] != '=')) continue;
    ++p;
    while (p < line.size() && (line[p] == ' ' || line[p] == '"' || line[p] == '\'')) ++p;
    size_t end = p;
    while (end < line.size() && (std::isxdigit(static_cast<unsigned char>(line[end])) || line[end] == '.' ||
                                 line[end] == ':' || line[end] == ',' || line[end] == ' ' || line[end] == '[' ||
                                 line[end] == ']'))
      ++end;
    std::string_view v = line.substr(p, end - p);
    while (!v.empty() && (v.back() == ' ' || v.back() == ',')) v.remove_suffix(1);
    if (is_address_list(v)) return std::string(v);
  }
  return "";
}

// The quoted fields of a common/combined line, escapes (\" and \\) honoured.
std::vector<std::string_view> quoted_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t p = 0;
  while (fields.size() < 16) {
    size_t open = line.find('"', p);
    if (open == std::string_view::npos) break;
    size_t q = open + 1;
    while (q < line.size() && line[q] != '"') q += line[q] == '\\' ? 2 : 1;
    if (q >= line.size()) break;
    fields.push_back(line.substr(open + 1, q - open - 1));
    p = q + 1;
  }
  return fields;
}

std::string_view column(std::string_view line, int index, char separator = '\t') {
  size_t start = 0;
  for (int i = 0; i < index; ++i) {
    size_t tab = line.find(separator, start);
    if (tab == std::string_view::npos) return {};
    start = tab + 1;
  }
  size_t tab = line.find(separator, start);
  return line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
}

std::vector<std::string> split_names(std::string_view line, char separator) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= line.size()) {
    size_t sep = line.find(separator, start);
    std::string_view name = line.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start);
    if (!name.empty() || separator == '\t' || separator == ',') names.emplace_back(name);
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
  return names;
}

int index_of(const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

// A CSV header: three or more comma-separated names, none holding anything
// but a name would ("${" or an address would mean a data line).
bool is_csv_header(std::string_view line) {
  if (line.empty() || line.find(',') == std::string_view::npos) return false;
  size_t fields = 1;
  for (char c : line) {
    if (c == ',') {
      ++fields;
    } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ' ' ||
                 c == '"' || c == '@' || c == '(' || c == ')')) {
      return false;
    }
  }
  return fields >= 3;
}

void set_time(LogFields* f, const Found& found) {
  f->timestamp_raw = found.raw;
  f->timestamp = found.iso.empty() ? found.raw : found.iso;
}

}  // namespace

bool is_ip_address(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  std::string s(text);
  unsigned char buf[16];
  if (text.find(':') != std::string_view::npos) return inet_pton(AF_INET6, s.c_str(), buf) == 1;
  return inet_pton(AF_INET, s.c_str(), buf) == 1;
}

bool is_iso_timestamp(std::string_view t) {
  return t.size() >= 19 && num(t, 0, 4) >= 0 && t[4] == '-' && t[7] == '-' && t[10] == 'T';
}

LogFormatHints sniff_log_format(std::string_view head) {
  LogFormatHints hints;
  size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    std::string_view line = head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("#fields\t")) {
      hints.syntax = LogSyntax::kZeekTsv;
      hints.separator = '\t';
      hints.columns = split_names(line.substr(8), '\t');
      hints.ts_column = index_of(hints.columns, "ts");
      hints.source_column = index_of(hints.columns, "id.orig_h");
      return hints;
    }
    if (line.starts_with("#Fields:")) {
      hints.syntax = LogSyntax::kW3c;
      std::string_view names = line.substr(8);
      while (!names.empty() && names.front() == ' ') names.remove_prefix(1);
      hints.separator = names.find('\t') != std::string_view::npos ? '\t' : ' ';
      hints.columns = split_names(names, hints.separator);
      hints.date_column = index_of(hints.columns, "date");
      hints.ts_column = index_of(hints.columns, "time");
      hints.source_column = index_of(hints.columns, "c-ip");
      hints.forwarded_column = index_of(hints.columns, "cs(X-Forwarded-For)");
      return hints;
    }
    if (first && is_csv_header(line)) {
      // A CSV log only when the next line has as many fields (a header alone proves nothing).
      hints.syntax = LogSyntax::kCsv;
      hints.separator = ',';
      hints.columns = split_names(line, ',');
      for (std::string& name : hints.columns) {
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
      }
      return hints;
    }
    first = false;
    if (!line.starts_with("#")) break;  // headers come first
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return hints;
}

LogFields parse_log_fields(std::string_view line, const LogFormatHints& hints) {
  LogFields f;
  size_t lead = 0;
  while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
  std::string_view body = line.substr(lead);

  if (hints.syntax == LogSyntax::kZeekTsv) {
    if (hints.ts_column >= 0) {
      std::string_view ts = column(line, hints.ts_column);
      std::string iso = epoch_iso(ts);
      if (!iso.empty()) {
        f.timestamp = iso;
        f.timestamp_raw = std::string(ts);
      }
    }
    if (hints.source_column >= 0) {
      std::string_view src = column(line, hints.source_column);
      if (is_ip_address(src)) f.source_ip = std::string(src);
    }
  } else if (hints.syntax == LogSyntax::kW3c && !line.starts_with("#")) {
    // W3C times are UTC ("date" "time" columns, or "time" alone holding both).
    std::string ts(hints.ts_column >= 0 ? column(line, hints.ts_column, hints.separator) : std::string_view());
    if (hints.date_column >= 0) ts = std::string(column(line, hints.date_column, hints.separator)) + " " + ts;
    if (auto found = parse_time_text(ts + "Z")) {
      f.timestamp_raw = ts;
      f.timestamp = found->iso.empty() ? ts : found->iso;
    }
    if (hints.source_column >= 0) {
      std::string_view src = column(line, hints.source_column, hints.separator);
      if (is_ip_address(src)) f.source_ip = std::string(src);
    }
    if (hints.forwarded_column >= 0) {
      std::string xff(column(line, hints.forwarded_column, hints.separator));
      std::replace(xff.begin(), xff.end(), '+', ' ');  // IIS writes spaces as '+'
      if (is_address_list(xff)) f.forwarded_for = xff;
    }
  } else if (body.starts_with("{")) {  // JSON lines
    for (std::string_view key : {"@timestamp", "timestamp", "time", "datetime", "ts"}) {
      std::optional<std::string> v = json_value(body, key);
      if (!v) continue;
      std::string iso = epoch_iso(*v);
      if (!iso.empty()) {
        f.timestamp = iso;
        f.timestamp_raw = *v;
        break;
      }
      if (auto found = parse_time_text(*v)) {
        f.timestamp_raw = *v;
        f.timestamp = found->iso.empty() ? *v : found->iso;
        break;
      }
    }
    for (std::string_view key : {"client_ip", "remote_addr", "src_ip", "clientip", "remote_ip", "source_ip",
                                 "client.ip", "source.ip", "c-ip", "id.orig_h"}) {
      std::optional<std::string> v = json_value(body, key);
      if (v && is_ip_address(*v)) {
        f.source_ip = *v;
        break;
      }
    }
    for (std::string_view key : {"x_forwarded_for", "http_x_forwarded_for", "x-forwarded-for", "X-Forwarded-For",
                                 "xff", "forwarded_for"}) {
      std::optional<std::string> v = json_value(body, key);
      if (v && is_address_list(*v)) {
        f.forwarded_for = *v;
        break;
      }
    }
  } else {
    // Common/combined: "<client> <ident> <user> [date] "request" status size "referer" "agent" ["xff"]".
    size_t sp = body.find(' ');
    std::string_view first = body.substr(0, sp);
    std::optional<Found> bracket = bracket_search(body);
    if (bracket && sp != std::string_view::npos && is_ip_address(first)) {
      f.source_ip = std::string(first);
      set_time(&f, *bracket);
      std::vector<std::string_view> quoted = quoted_fields(body);
      if (quoted.size() >= 4 && is_address_list(quoted[3])) f.forwarded_for = std::string(quoted[3]);
    } else if (auto iso = iso_search(body, kPrefixSearch)) {
      set_time(&f, *iso);
    } else if (bracket) {
      set_time(&f, *bracket);
    } else if (auto tomcat = tomcat_search(body)) {
      set_time(&f, *tomcat);
    } else if (auto yearless = yearless_at_start(body)) {
      set_time(&f, *yearless);
    }
  }
  if (f.forwarded_for.empty()) f.forwarded_for = xff_header(line);
  return f;
}

}  // namespace l4s::hunt
