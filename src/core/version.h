// Release numbers as Log4j and logback spell them: 2.0-alpha1, 2.0-beta9, 2.0-rc2,
// 2.14.1, 1.2.17, 1.2.18.3 (reload4j).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace l4s {

struct Version {
  std::vector<int> numbers;  // 2.0-beta9 -> {2, 0}
  int stage = 3;             // 0 alpha, 1 beta, 2 rc, 3 final
  int stage_number = 0;      // 9 in beta9
  std::string text;          // as parsed

  // Negative, zero or positive as *this sorts before, equal to or after other.
  int compare(const Version& other) const;
  bool operator<(const Version& o) const { return compare(o) < 0; }
  bool operator==(const Version& o) const { return compare(o) == 0; }
};

// Parses "2.14.1", "2.0-beta9", "2.0-rc1", "1.2.18.3". Trailing junk such as
// "-SNAPSHOT" is tolerated; nullopt when it does not start with digits.
std::optional<Version> parse_version(std::string_view text);

// True when lo <= v <= hi (inclusive), all given as text.
bool version_in(const Version& v, std::string_view lo, std::string_view hi);

}  // namespace l4s
