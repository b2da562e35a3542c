#include "core/csv.h"

namespace l4s {
namespace {

std::string quote(std::string_view s, bool guard) {
  std::string out = "\"";
  if (guard) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool csv_formula_risk(std::string_view s) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': return true;
    default: return false;
  }
}

std::string csv_quoted(std::string_view s) { return quote(s, csv_formula_risk(s)); }

std::string csv_field(std::string_view s) {
  const bool guard = csv_formula_risk(s);
  const bool needs_quotes = guard || s.find_first_of(",\"\r\n") != std::string_view::npos ||
                            (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!needs_quotes) return std::string(s);
  return quote(s, guard);
}

}  // namespace l4s
