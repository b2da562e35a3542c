// Seeded generator of Log4Shell-style lines for the differential test: random
// combinations of the obfuscation techniques of research/hunting.md section 1a
// (nested lookups, defaults with every padding style, escaped delimiters,
// unknown prefixes, lower/upper with Java's Unicode mappings, date quoting,
// separators, "$$" escapes, message-path rescans, recursion, exfiltration
// lookups, java:/event: lookups) plus decoys (ordinary ${...} placeholders, the
// word jndi, almost-payloads) and random single-character damage.
//
// Every callback host is a loopback name or address. The sequence depends only
// on the seed (no std:: distributions, whose output varies by library).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace l4s::hunt::testing {

class PayloadGenerator {
 public:
  explicit PayloadGenerator(uint64_t seed) : state_(seed) {}

  // One log line (UTF-8, may contain any character but '\n').
  std::string Line();
  // An event time in [1970, 2100), in milliseconds.
  int64_t TimeMillis();

 private:
  uint64_t Next();
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Percent(int p) { return Below(100) < static_cast<size_t>(p); }
  template <size_t N>
  std::string_view Pick(const std::string_view (&items)[N]) { return items[Below(N)]; }

  std::string Attack();
  std::string Decoy();
  std::string Filler();
  std::string JndiName();
  std::string JndiUrl();
  std::string RandomWord(size_t min, size_t max);
  std::string Pad();
  // Text that Log4j turns into `target` (most of the time: some renderings
  // are deliberately near-misses, and the oracle decides).
  std::string Render(std::string_view target, int depth);
  std::string RenderChunk(std::string_view chunk, int depth);
  std::string Damage(std::string line);

  uint64_t state_;
};

}  // namespace l4s::hunt::testing
