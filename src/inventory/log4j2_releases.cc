#include "inventory/log4j2_releases.h"

#include <array>

#include "core/version.h"

namespace l4s::inventory {
namespace {

using JL = JndiLookupKind;
using JM = JndiManagerKind;

constexpr uint8_t kAll = kCve44228 | kCve45046 | kCve45105 | kCve44832;
constexpr uint8_t kPreJndi = kCve45105;                 // alpha1..beta6 (no JNDI, no JDBC data source)
constexpr uint8_t kPreJndiJdbc = kCve45105 | kCve44832;  // beta7, beta8

// Columns: name, JndiLookup, JndiManager, major, data_source, jdbc_gated,
// no_message_lookups, recursion_guard, set_utils, nosql, CVEs.
constexpr Log4j2Release kReleases[] = {
    {"2.0-alpha1", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-alpha2", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta1", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta2", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta3", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta4", JL::kNone, JM::kNone, 49, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta5", JL::kNone, JM::kNone, 50, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta6", JL::kNone, JM::kNone, 50, false, false, false, false, false, false, kPreJndi},
    {"2.0-beta7", JL::kNone, JM::kNone, 50, true, false, false, false, false, false, kPreJndiJdbc},
    {"2.0-beta8", JL::kNone, JM::kNone, 50, true, false, false, false, false, false, kPreJndiJdbc},
    {"2.0-beta9", JL::kInitialContext, JM::kNone, 50, true, false, false, false, false, false, kAll},
    {"2.0-rc1", JL::kInitialContext, JM::kNone, 50, true, false, false, false, false, false, kAll},
    {"2.0-rc2", JL::kInitialContext, JM::kNone, 50, true, false, false, false, true, false, kAll},
    {"2.0", JL::kInitialContext, JM::kNone, 50, true, false, false, false, true, false, kAll},
    {"2.0.1", JL::kInitialContext, JM::kNone, 50, true, false, false, false, true, false, kAll},
    {"2.0.2", JL::kInitialContext, JM::kNone, 50, true, false, false, false, true, false, kAll},
    {"2.1", JL::kClassic, JM::kOldCtor, 50, true, false, false, false, true, false, kAll},
    {"2.2", JL::kClassic, JM::kOldCtor, 50, true, false, false, false, true, false, kAll},
    {"2.3", JL::kClassic, JM::kOldCtor, 50, true, false, false, false, true, false, kAll},
    {"2.3.1", JL::kGated, JM::kLookupGated, 50, true, false, false, true, true, false, kCve44832},
    {"2.3.2", JL::kGated, JM::kJdbcGated, 50, true, true, false, true, true, false, 0},
    {"2.4", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.4.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.5", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.6", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.6.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.6.2", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.7", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.8", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.8.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.8.2", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.9.0", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.9.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, false, kAll},
    {"2.10.0", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.11.0", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.11.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.11.2", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.12.0", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.12.1", JL::kClassic, JM::kOldCtor, 51, true, false, false, false, true, true, kAll},
    {"2.12.2", JL::kStub, JM::kEnableJndi, 51, true, false, false, false, true, true, kCve45105 | kCve44832},
    {"2.12.3", JL::kGated, JM::kLookupGated, 51, true, false, false, true, true, true, kCve44832},
    {"2.12.4", JL::kGated, JM::kJdbcGated, 51, true, true, false, true, true, true, 0},
    {"2.13.0", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.13.1", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.13.2", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.13.3", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.14.0", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.14.1", JL::kClassic, JM::kOldCtor, 52, true, false, false, false, true, true, kAll},
    {"2.15.0", JL::kClassic, JM::kAllowList, 52, true, false, false, false, true, true, kCve45046 | kCve45105 | kCve44832},
    {"2.16.0", JL::kClassic, JM::kAllowListOff, 52, true, false, true, false, true, true, kCve45105 | kCve44832},
    {"2.17.0", JL::kGated, JM::kLookupGated, 52, true, false, true, true, false, true, kCve44832},
    {"2.17.1", JL::kGated, JM::kJdbcGated, 52, true, true, true, true, false, true, 0},
    // 2.17.2 refactored StrSubstitutor: the recursion-guard field name is gone.
    {"2.17.2", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.18.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.19.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.20.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.21.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.21.1", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.22.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    {"2.22.1", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
    // Last row: 2.23.0 and every later release.
    {"2.23.0", JL::kGated, JM::kJdbcGated, 52, true, true, true, false, false, true, 0},
};
constexpr size_t kCount = sizeof(kReleases) / sizeof(kReleases[0]);
static_assert(kCount <= kMaxLog4j2Releases);

}  // namespace

std::span<const Log4j2Release> log4j2_releases() { return {kReleases, kCount}; }

ReleaseSet all_log4j2_releases() {
  ReleaseSet s;
  for (size_t i = 0; i < kCount; ++i) s.set(i);
  return s;
}

int log4j2_release_index(std::string_view version) {
  auto v = parse_version(version);
  if (!v || v->numbers.empty() || v->numbers[0] != 2) return -1;
  for (size_t i = 0; i < kCount; ++i)
    if (v->compare(*parse_version(kReleases[i].name)) == 0) return static_cast<int>(i);
  if (v->compare(*parse_version(kReleases[kCount - 1].name)) > 0) return static_cast<int>(kCount - 1);
  return -1;
}

std::string render_range(const ReleaseSet& set) {
  int first = -1, last = -1;
  for (size_t i = 0; i < kCount; ++i) {
    if (!set.test(i)) continue;
    if (first < 0) first = static_cast<int>(i);
    last = static_cast<int>(i);
  }
  if (first < 0) return {};
  std::string lo(kReleases[first].name);
  if (last == static_cast<int>(kCount) - 1) return ">=" + lo;
  if (first == last) return lo;
  return lo + ".." + std::string(kReleases[last].name);
}

uint8_t cves_of(const ReleaseSet& set) {
  uint8_t bits = 0;
  for (size_t i = 0; i < kCount; ++i)
    if (set.test(i)) bits |= kReleases[i].cves;
  return bits;
}

std::vector<std::string> cve_ids(uint8_t bits) {
  // Sorted by id string.
  std::vector<std::string> out;
  if (bits & kCve44228) out.emplace_back("CVE-2021-44228");
  if (bits & kCve44832) out.emplace_back("CVE-2021-44832");
  if (bits & kCve45046) out.emplace_back("CVE-2021-45046");
  if (bits & kCve45105) out.emplace_back("CVE-2021-45105");
  return out;
}

}  // namespace l4s::inventory
