// Every log4j-core 2.x release with the class-level facts that tell it apart
// and the CVEs it carries. The detector narrows this table by what it reads in
// the jar (research notes 1.2/1.3: every fact below was checked on the real
// Maven Central jars of each release), then lets metadata pick the release.
#pragma once

#include <bitset>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::inventory {

// What lookup/JndiLookup.class says about its release.
enum class JndiLookupKind : uint8_t {
  kNone,            // class absent (pre-beta9, removed, or not in this copy)
  kInitialContext,  // 2.0-beta9..2.0.2: calls javax/naming/InitialContext directly
  kClassic,         // 2.1..2.16.0: "Error looking up JNDI resource [{}]." via JndiManager
  kStub,            // 2.12.2: "JNDI is not supported"
  kGated,           // 2.3.1+, 2.12.3+, 2.17.0+: requires log4j2.enableJndiLookup=true
};

// What net/JndiManager.class says about its release.
enum class JndiManagerKind : uint8_t {
  kNone,         // absent (pre-2.1 or not in this copy)
  kOldCtor,      // 2.1..2.14.1: (String, Context) constructor, no checks
  kAllowList,    // 2.15.0: allowedJndiProtocols
  kAllowListOff, // 2.16.0: allowedJndiProtocols + log4j2.enableJndi
  kEnableJndi,   // 2.12.2: isJndiEnabled only
  kLookupGated,  // 2.3.1, 2.12.3, 2.17.0: isJndiLookupEnabled
  kJdbcGated,    // 2.3.2, 2.12.4, 2.17.1+: isJndiJdbcEnabled
};

// CVE bits (Apache security page; research notes 1.1).
enum : uint8_t {
  kCve44228 = 1,  // CVE-2021-44228
  kCve45046 = 2,  // CVE-2021-45046
  kCve45105 = 4,  // CVE-2021-45105
  kCve44832 = 8,  // CVE-2021-44832
};

struct Log4j2Release {
  std::string_view name;
  JndiLookupKind jndi_lookup;
  JndiManagerKind jndi_manager;
  uint8_t major;          // class-file major version of its classes
  bool data_source;       // appender/db/jdbc/DataSourceConnectionSource exists (2.0-beta7+)
  bool jdbc_gated;        // DataSourceConnectionSource checks isJndiJdbcEnabled
  bool no_message_lookups;  // MessagePatternConverter: "Message Lookups are no longer supported"
  bool recursion_guard;   // StrSubstitutor: recursiveEvaluationAllowed
  bool set_utils;         // core/util/SetUtils.class exists
  bool nosql;             // core/appender/nosql/NoSqlAppender.class exists
  uint8_t cves;           // kCve* bits
};

// Ordered oldest first. The last row stands for itself and every later
// release (their classes carry the same facts).
std::span<const Log4j2Release> log4j2_releases();

inline constexpr size_t kMaxLog4j2Releases = 96;
using ReleaseSet = std::bitset<kMaxLog4j2Releases>;

// All rows set.
ReleaseSet all_log4j2_releases();

// Rows satisfying pred(row).
template <typename Pred>
ReleaseSet log4j2_releases_where(Pred pred) {
  ReleaseSet s;
  auto rows = log4j2_releases();
  for (size_t i = 0; i < rows.size(); ++i)
    if (pred(rows[i])) s.set(i);
  return s;
}

// Index of the row for a version name (compared as versions, so "2.1.0" finds
// "2.1" and "2.17.1.redhat-00001" finds "2.17.1"); a version newer than the
// last row maps to the last row. -1 when unknown.
int log4j2_release_index(std::string_view version);

// "2.14.1" for one row, "2.13.0..2.14.1" for several, ">=2.17.1" when the set
// reaches the open-ended last row; "" for an empty set.
std::string render_range(const ReleaseSet& set);

// Union of the CVE bits of the rows in set.
uint8_t cves_of(const ReleaseSet& set);

// CVE ids for bits, sorted.
std::vector<std::string> cve_ids(uint8_t bits);

}  // namespace l4s::inventory
