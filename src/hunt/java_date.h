// java.text.SimpleDateFormat, as Log4j's ${date:PATTERN} lookup uses it.
//
// DateLookup formats the event time with `new SimpleDateFormat(PATTERN)` and,
// when the constructor rejects the pattern, with `DateFormat.getInstance()`.
// Attackers use the quoting rules (`${date:'j'}` is "j", `${date:}` is ""), so
// the pattern compiler must be exact; field output follows the en_US locale and
// the UTC zone, which is what the differential harness runs with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace l4s::hunt {

// Formats `epoch_millis` with `pattern` (UTF-8). Returns nullopt when Java's
// SimpleDateFormat constructor would throw IllegalArgumentException: an unquoted
// ASCII letter that is not a pattern letter, an unterminated quote, or X{4,}.
std::optional<std::string> java_simple_date_format(std::string_view pattern, int64_t epoch_millis);

// DateFormat.getInstance().format(...) for en_US on Java 17: "M/d/yy, h:mm a".
std::string java_default_date_time(int64_t epoch_millis);

// What ${date:PATTERN} returns: the pattern's output, or the default format.
std::string java_date_lookup(std::string_view pattern, int64_t epoch_millis);

}  // namespace l4s::hunt
