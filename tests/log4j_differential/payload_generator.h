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
  std::string line();
  // An event time in [1970, 2100), in milliseconds.
  int64_t time_millis();

 private:
  uint64_t next();
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool percent(int p) { return below(100) < static_cast<size_t>(p); }
  template <size_t N>
  std::string_view pick(const std::string_view (&items)[N]) { return items[below(N)]; }

  std::string attack();
  std::string decoy();
  std::string filler();
  std::string jndi_name();
  std::string jndi_url();
  std::string random_word(size_t min, size_t max);
  std::string pad();
  // Text that Log4j turns into `target` (most of the time: some renderings
  // are deliberately near-misses, and the oracle decides).
  std::string render(std::string_view target, int depth);
  std::string render_chunk(std::string_view chunk, int depth);
  std::string damage(std::string line);

  uint64_t state_;
};

}  // namespace l4s::hunt::testing
