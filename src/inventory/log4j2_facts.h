// What the classes of one log4j-core copy say, and the releases that fit.
// Markers are constant-pool strings (research notes 1.2) that survive
// relocation; see log4j2_releases.h for which release carries which.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inventory/log4j2_releases.h"

namespace l4s::inventory {

// A fact read from a class, or kUnknown when the class is absent (trimmed
// copies and removed classes say nothing).
enum class Tri : uint8_t { kUnknown, kNo, kYes };

struct Log4j2Facts {
  JndiLookupKind jndi_lookup = JndiLookupKind::kNone;
  JndiManagerKind jndi_manager = JndiManagerKind::kNone;
  int major = 0;                     // of JndiManager, else JndiLookup, else Interpolator
  std::string jndi_manager_md5;      // "" when JndiManager absent
  Tri data_source = Tri::kUnknown;   // DataSourceConnectionSource exists (CVE-2021-44832 reachable)
  Tri jdbc_gated = Tri::kUnknown;    // DataSourceConnectionSource: isJndiJdbcEnabled
  Tri no_message_lookups = Tri::kUnknown;  // MessagePatternConverter marker
  Tri recursion_guard = Tri::kUnknown;     // StrSubstitutor: recursiveEvaluationAllowed
  Tri has_jndi_lookup = Tri::kUnknown;     // Interpolator names JndiLookup (release shipped it)
  // Existence of classes; only meaningful for complete copies (see below).
  Tri set_utils = Tri::kUnknown;
  Tri nosql = Tri::kUnknown;
};

// Content checks: a genuine log4j JndiLookup / JndiManager / Interpolator
// class, whatever its package or file extension. Unrelated classes with the
// same simple name (io/sentry/..., a text file called JndiManager.x) fail.
bool is_log4j_jndi_lookup(std::string_view bytes);
bool is_log4j_jndi_manager(std::string_view bytes);
bool is_log4j_interpolator(std::string_view bytes);

// Kinds from content (assumes the is_log4j_* check passed). An unrecognised
// variant of a genuine class maps to the most vulnerable plausible kind of its
// generation, never to a fixed one.
JndiLookupKind jndi_lookup_kind(std::string_view bytes);
JndiManagerKind jndi_manager_kind(std::string_view bytes);

// Marker facts of the helper classes.
bool has_jdbc_gate(std::string_view data_source_connection_source);
bool has_no_message_lookups(std::string_view message_pattern_converter);
bool has_recursion_guard(std::string_view str_substitutor);
bool names_jndi_lookup(std::string_view interpolator);

// Obfuscated jars keep strings but not names: role markers found in any class.
bool looks_like_obfuscated_jndi_lookup(std::string_view bytes);
bool looks_like_obfuscated_jndi_manager(std::string_view bytes);

// Short evidence texts ("JndiManager: isJndiJdbcEnabled").
std::string describe(JndiLookupKind k);
std::string describe(JndiManagerKind k);

// Releases consistent with the facts. Facts are applied strongest first
// (JndiManager, JndiLookup, major, helper classes, hash); one that would leave
// no release (a patched vendor build, a hand-edited jar) is skipped and named
// in evidence, so the strongest facts always decide.
struct Narrowing {
  ReleaseSet releases;
  bool by_hash = false;  // the JndiManager hash removed releases the markers allowed
  std::vector<std::string> evidence;
};
Narrowing narrow_releases(const Log4j2Facts& facts);

}  // namespace l4s::inventory
