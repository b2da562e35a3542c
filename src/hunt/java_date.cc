#include "hunt/java_date.h"

#include <string>
#include <vector>

namespace l4s::hunt {
namespace {

// DateFormatSymbols.patternChars: the letters SimpleDateFormat accepts.
constexpr std::string_view kPatternLetters = "GyMdkHmsSEDFwWahKzZYuXL";

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

// The calendar fields of one instant in UTC, with en_US week rules
// (weeks start on Sunday; week 1 is the week containing January 1).
struct Fields {
  int64_t year;
  int month;        // 0-11
  int day;          // 1-31
  int day_of_year;  // 1-366
  int weekday;      // 1 = Sunday ... 7 = Saturday (java.util.Calendar)
  int hour;         // 0-23
  int minute, second, millis;
  int week_of_year;
  int64_t week_year;
  int week_of_month;
};

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Days since 1970-01-01 to civil date (proleptic Gregorian; H. Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

Fields compute_fields(int64_t epoch_millis) {
  int64_t days = epoch_millis / 86400000;
  int64_t ms_of_day = epoch_millis % 86400000;
  if (ms_of_day < 0) {
    ms_of_day += 86400000;
    --days;
  }
  Fields f{};
  int m1;
  civil_from_days(days, &f.year, &m1, &f.day);
  f.month = m1 - 1;
  static constexpr int kCumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  f.day_of_year = kCumulative[f.month] + f.day + (f.month >= 2 && is_leap(f.year) ? 1 : 0);
  // 1970-01-01 was a Thursday (5).
  f.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7) + 1;
  f.hour = static_cast<int>(ms_of_day / 3600000);
  f.minute = static_cast<int>(ms_of_day / 60000 % 60);
  f.second = static_cast<int>(ms_of_day / 1000 % 60);
  f.millis = static_cast<int>(ms_of_day % 1000);

  int jan1_weekday = ((f.weekday - 1 - (f.day_of_year - 1)) % 7 + 7) % 7;  // 0 = Sunday
  f.week_of_year = (f.day_of_year - 1 + jan1_weekday) / 7 + 1;
  f.week_year = f.year;
  int days_in_year = is_leap(f.year) ? 366 : 365;
  if (f.day_of_year + (7 - f.weekday) > days_in_year) {  // This week holds next January 1.
    f.week_of_year = 1;
    f.week_year = f.year + 1;
  }
  int first_of_month_weekday = ((f.weekday - 1 - (f.day - 1)) % 7 + 7) % 7;
  f.week_of_month = (f.day - 1 + first_of_month_weekday) / 7 + 1;
  return f;
}

// SimpleDateFormat.zeroPaddingNumber: at least `min_digits` digits; with
// max_digits == 2 only the two low-order digits ("yy").
void zero_pad(int64_t value, size_t min_digits, bool two_digits_max, std::string* out) {
  std::string digits = std::to_string(value);
  if (two_digits_max && digits.size() > 2) digits = digits.substr(digits.size() - 2);
  if (digits.size() < min_digits) out->append(min_digits - digits.size(), '0');
  *out += digits;
}

void format_field(char letter, size_t count, const Fields& f, std::string* out) {
  switch (letter) {
    case 'G': *out += "AD"; break;  // Years before 1 AD cannot come from a log time.
    case 'y': zero_pad(f.year, count == 2 ? 2 : count, count == 2, out); break;
    case 'Y': zero_pad(f.week_year, count == 2 ? 2 : count, count == 2, out); break;
    case 'M':
    case 'L':
      if (count >= 4) {
        *out += kMonths[f.month];
      } else if (count == 3) {
        out->append(kMonths[f.month], 3);
      } else {
        zero_pad(f.month + 1, count, false, out);
      }
      break;
    case 'E':
      if (count >= 4) {
        *out += kWeekdays[f.weekday - 1];
      } else {
        out->append(kWeekdays[f.weekday - 1], 3);
      }
      break;
    case 'a': *out += f.hour < 12 ? "AM" : "PM"; break;
    case 'k': zero_pad(f.hour == 0 ? 24 : f.hour, count, false, out); break;
    case 'H': zero_pad(f.hour, count, false, out); break;
    case 'K': zero_pad(f.hour % 12, count, false, out); break;
    case 'h': zero_pad(f.hour % 12 == 0 ? 12 : f.hour % 12, count, false, out); break;
    case 'm': zero_pad(f.minute, count, false, out); break;
    case 's': zero_pad(f.second, count, false, out); break;
    case 'S': zero_pad(f.millis, count, false, out); break;
    case 'd': zero_pad(f.day, count, false, out); break;
    case 'D': zero_pad(f.day_of_year, count, false, out); break;
    case 'F': zero_pad((f.day - 1) / 7 + 1, count, false, out); break;
    case 'w': zero_pad(f.week_of_year, count, false, out); break;
    case 'W': zero_pad(f.week_of_month, count, false, out); break;
    case 'u': zero_pad(f.weekday == 1 ? 7 : f.weekday - 1, count, false, out); break;
    case 'z': *out += count >= 4 ? "Coordinated Universal Time" : "UTC"; break;
    case 'Z': *out += "+0000"; break;
    case 'X': *out += "Z"; break;
  }
}

// One compiled element: a field (letter, count) or literal text.
struct Element {
  char letter;  // 0 for literal text
  size_t count;
  std::string text;
};

// SimpleDateFormat.compile(). Works on UTF-8 bytes: everything Java treats
// specially is ASCII, and non-ASCII characters are always literal.
bool compile(std::string_view p, std::vector<Element>* elements) {
  auto add_literal = [&](std::string_view s) {
    if (!elements->empty() && elements->back().letter == 0) {
      elements->back().text += s;
    } else {
      elements->push_back({0, 0, std::string(s)});
    }
  };
  bool in_quote = false;
  std::string quoted;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\'') {
      if (i + 1 < p.size() && p[i + 1] == '\'') {  // '' is a quote, inside quotes or not.
        ++i;
        if (in_quote) {
          quoted += '\'';
        } else {
          add_literal("'");
        }
        continue;
      }
      if (in_quote) add_literal(quoted);
      quoted.clear();
      in_quote = !in_quote;
      continue;
    }
    if (in_quote) {
      quoted += c;
      continue;
    }
    bool ascii_letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ascii_letter) {
      add_literal(std::string_view(&p[i], 1));
      continue;
    }
    if (kPatternLetters.find(c) == std::string_view::npos) return false;
    if (!elements->empty() && elements->back().letter == c) {
      ++elements->back().count;
    } else {
      elements->push_back({c, 1, {}});
    }
  }
  if (in_quote) return false;
  for (const Element& e : *elements) {
    if (e.letter == 'X' && e.count >= 4) return false;  // "invalid ISO 8601 format"
  }
  return true;
}

}  // namespace

std::optional<std::string> java_simple_date_format(std::string_view pattern, int64_t epoch_millis) {
  std::vector<Element> elements;
  if (!compile(pattern, &elements)) return std::nullopt;
  Fields f = compute_fields(epoch_millis);
  std::string out;
  for (const Element& e : elements) {
    if (e.letter == 0) {
      out += e.text;
    } else {
      format_field(e.letter, e.count, f, &out);
    }
  }
  return out;
}

std::string java_default_date_time(int64_t epoch_millis) {
  return *java_simple_date_format("M/d/yy, h:mm a", epoch_millis);
}

std::string java_date_lookup(std::string_view pattern, int64_t epoch_millis) {
  if (auto s = java_simple_date_format(pattern, epoch_millis)) return *std::move(s);
  return java_default_date_time(epoch_millis);
}

}  // namespace l4s::hunt
