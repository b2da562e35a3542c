#include "core/version.h"

#include <cctype>

namespace l4s {

int Version::compare(const Version& o) const {
  size_t n = std::max(numbers.size(), o.numbers.size());
  for (size_t i = 0; i < n; ++i) {
    int a = i < numbers.size() ? numbers[i] : 0;
    int b = i < o.numbers.size() ? o.numbers[i] : 0;
    if (a != b) return a < b ? -1 : 1;
  }
  if (stage != o.stage) return stage < o.stage ? -1 : 1;
  if (stage_number != o.stage_number) return stage_number < o.stage_number ? -1 : 1;
  return 0;
}

std::optional<Version> parse_version(std::string_view s) {
  Version v;
  v.text = std::string(s);
  size_t i = 0;
  auto digit = [&](size_t k) { return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])); };
  if (!digit(0)) return std::nullopt;
  while (digit(i)) {
    int n = 0;
    while (digit(i)) {
      if (n > 100000000) return std::nullopt;
      n = n * 10 + (s[i++] - '0');
    }
    v.numbers.push_back(n);
    if (i < s.size() && s[i] == '.' && digit(i + 1)) ++i;
    else break;
  }
  if (i < s.size() && (s[i] == '-' || s[i] == '.')) {
    std::string_view rest = s.substr(i + 1);
    struct Stage { std::string_view name; int rank; };
    for (Stage st : {Stage{"alpha", 0}, Stage{"beta", 1}, Stage{"rc", 2}}) {
      if (rest.substr(0, st.name.size()) == st.name) {
        v.stage = st.rank;
        size_t k = i + 1 + st.name.size();
        int n = 0;
        while (digit(k) && n < 100000) n = n * 10 + (s[k++] - '0');
        v.stage_number = n;
        break;
      }
    }
  }
  return v;
}

bool version_in(const Version& v, std::string_view lo, std::string_view hi) {
  auto l = parse_version(lo), h = parse_version(hi);
  return l && h && l->compare(v) <= 0 && v.compare(*h) <= 0;
}

}  // namespace l4s
