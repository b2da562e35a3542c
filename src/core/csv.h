// CSV fields (RFC 4180) with one formula-injection rule for every CSV the
// tool writes: a field starting with = + - @ TAB or CR (the OWASP set) gets
// a leading ' so a spreadsheet shows it as text instead of running it.
#pragma once

#include <string>
#include <string_view>

namespace l4s {

// True when a spreadsheet could take `s` for a formula.
bool csv_formula_risk(std::string_view s);

// Always quoted: "value" (scan, fleet tables).
std::string csv_quoted(std::string_view s);

// Quoted only when needed (a , " CR LF, a leading or trailing space, or the
// formula guard): hunt tables and IOC exports.
std::string csv_field(std::string_view s);

}  // namespace l4s
