#include "inventory/log4j2_facts.h"

#include "core/version.h"
#include "inventory/class_markers.h"
#include "inventory/known_hashes.h"

namespace l4s::inventory {
namespace {

// JndiLookup markers.
constexpr std::string_view kErrorLookingUp = "Error looking up JNDI resource [{}].";
constexpr std::string_view kJndiNotSupported = "JNDI is not supported";
constexpr std::string_view kLookupGate = "JNDI must be enabled by setting log4j2.enableJndiLookup=true";
constexpr std::string_view kInitialContext = "javax/naming/InitialContext";
// JndiManager markers.
constexpr std::string_view kOldCtor = "(Ljava/lang/String;Ljavax/naming/Context;)V";
constexpr std::string_view kAllowedProtocols = "allowedJndiProtocols";
constexpr std::string_view kEnableJndiProperty = "log4j2.enableJndi";
constexpr std::string_view kIsJndiEnabled = "isJndiEnabled";
constexpr std::string_view kIsJndiLookupEnabled = "isJndiLookupEnabled";
constexpr std::string_view kIsJndiJdbcEnabled = "isJndiJdbcEnabled";
constexpr std::string_view kInvalidUri = "Invalid JNDI URI - {}";
constexpr std::string_view kInvalidUri2 = "Invalid  JNDI URI - {}";
constexpr std::string_view kUnsupportedUri = "Unsupported JNDI URI - {}";
// Helper-class markers.
constexpr std::string_view kNoMessageLookups = "Message Lookups are no longer supported";
constexpr std::string_view kRecursionGuard = "recursiveEvaluationAllowed";

ReleaseSet where_major(int major) {
  return log4j2_releases_where([&](const Log4j2Release& r) { return r.major == major; });
}

ReleaseSet where_tri(Tri t, bool Log4j2Release::*field) {
  return log4j2_releases_where([&](const Log4j2Release& r) { return (r.*field) == (t == Tri::kYes); });
}

}  // namespace

bool is_log4j_jndi_lookup(std::string_view b) {
  return is_class_file(b) && contains(b, "JndiLookup") && contains(b, "LogEvent");
}

bool is_log4j_jndi_manager(std::string_view b) {
  return is_class_file(b) && contains(b, "JndiManager") && contains(b, "javax/naming/Context") &&
         contains(b, "AbstractManager");
}

bool is_log4j_interpolator(std::string_view b) {
  return is_class_file(b) && contains(b, "StrLookup") && contains(b, "LogEvent");
}

JndiLookupKind jndi_lookup_kind(std::string_view b) {
  if (contains(b, kLookupGate)) return JndiLookupKind::kGated;
  if (contains(b, kJndiNotSupported)) return JndiLookupKind::kStub;
  if (contains(b, kErrorLookingUp)) return JndiLookupKind::kClassic;
  if (contains(b, kInitialContext)) return JndiLookupKind::kInitialContext;
  return JndiLookupKind::kClassic;  // a live lookup of unknown build: assume the open one
}

JndiManagerKind jndi_manager_kind(std::string_view b) {
  if (contains(b, kIsJndiJdbcEnabled)) return JndiManagerKind::kJdbcGated;
  if (contains(b, kIsJndiLookupEnabled)) return JndiManagerKind::kLookupGated;
  if (contains(b, kAllowedProtocols))
    return contains(b, kEnableJndiProperty) ? JndiManagerKind::kAllowListOff : JndiManagerKind::kAllowList;
  if (contains(b, kIsJndiEnabled)) return JndiManagerKind::kEnableJndi;
  return JndiManagerKind::kOldCtor;  // no check of any kind: the unprotected generation
}

bool has_jdbc_gate(std::string_view b) { return contains(b, kIsJndiJdbcEnabled); }
bool has_no_message_lookups(std::string_view b) { return contains(b, kNoMessageLookups); }
bool has_recursion_guard(std::string_view b) { return contains(b, kRecursionGuard); }
bool names_jndi_lookup(std::string_view b) { return contains(b, "JndiLookup"); }

bool looks_like_obfuscated_jndi_lookup(std::string_view b) {
  return is_class_file(b) &&
         (contains(b, kErrorLookingUp) || contains(b, kJndiNotSupported) || contains(b, kLookupGate));
}

bool looks_like_obfuscated_jndi_manager(std::string_view b) {
  if (!is_class_file(b) || !contains(b, "javax/naming/Context")) return false;
  return contains(b, kOldCtor) || contains(b, kAllowedProtocols) || contains(b, kInvalidUri) ||
         contains(b, kInvalidUri2) || contains(b, kUnsupportedUri);
}

std::string describe(JndiLookupKind k) {
  switch (k) {
    case JndiLookupKind::kNone: return "JndiLookup absent";
    case JndiLookupKind::kInitialContext: return "JndiLookup: javax/naming/InitialContext (2.0-beta9..2.0.2)";
    case JndiLookupKind::kClassic: return "JndiLookup: Error looking up JNDI resource";
    case JndiLookupKind::kStub: return "JndiLookup: JNDI is not supported";
    case JndiLookupKind::kGated: return "JndiLookup: log4j2.enableJndiLookup gate";
  }
  return "?";
}

std::string describe(JndiManagerKind k) {
  switch (k) {
    case JndiManagerKind::kNone: return "JndiManager absent";
    case JndiManagerKind::kOldCtor: return "JndiManager: unrestricted (String, Context) constructor";
    case JndiManagerKind::kAllowList: return "JndiManager: allowedJndiProtocols";
    case JndiManagerKind::kAllowListOff: return "JndiManager: allowedJndiProtocols + log4j2.enableJndi";
    case JndiManagerKind::kEnableJndi: return "JndiManager: isJndiEnabled";
    case JndiManagerKind::kLookupGated: return "JndiManager: isJndiLookupEnabled";
    case JndiManagerKind::kJdbcGated: return "JndiManager: isJndiJdbcEnabled";
  }
  return "?";
}

Narrowing narrow_releases(const Log4j2Facts& f) {
  Narrowing n;
  n.releases = all_log4j2_releases();
  auto apply = [&](const ReleaseSet& allowed, const std::string& what) {
    ReleaseSet next = n.releases & allowed;
    if (next.none()) {
      n.evidence.push_back("ignored contradicting fact: " + what);
      return false;
    }
    n.releases = next;
    return true;
  };

  if (f.jndi_manager != JndiManagerKind::kNone)
    apply(log4j2_releases_where([&](const Log4j2Release& r) { return r.jndi_manager == f.jndi_manager; }),
          describe(f.jndi_manager));
  if (f.jndi_lookup != JndiLookupKind::kNone)
    apply(log4j2_releases_where([&](const Log4j2Release& r) { return r.jndi_lookup == f.jndi_lookup; }),
          describe(f.jndi_lookup));
  if (f.major != 0) apply(where_major(f.major), "class major " + std::to_string(f.major));
  if (f.jdbc_gated != Tri::kUnknown)
    apply(where_tri(f.jdbc_gated, &Log4j2Release::jdbc_gated), "DataSourceConnectionSource jdbc gate");
  if (f.no_message_lookups != Tri::kUnknown)
    apply(where_tri(f.no_message_lookups, &Log4j2Release::no_message_lookups), "MessagePatternConverter");
  if (f.recursion_guard != Tri::kUnknown)
    apply(where_tri(f.recursion_guard, &Log4j2Release::recursion_guard), "StrSubstitutor recursion guard");
  if (f.has_jndi_lookup != Tri::kUnknown)
    apply(log4j2_releases_where([&](const Log4j2Release& r) {
            return (r.jndi_lookup != JndiLookupKind::kNone) == (f.has_jndi_lookup == Tri::kYes);
          }),
          "Interpolator");
  if (f.data_source != Tri::kUnknown)
    apply(where_tri(f.data_source, &Log4j2Release::data_source), "DataSourceConnectionSource");
  if (f.nosql != Tri::kUnknown) apply(where_tri(f.nosql, &Log4j2Release::nosql), "NoSqlAppender");
  if (f.set_utils != Tri::kUnknown) apply(where_tri(f.set_utils, &Log4j2Release::set_utils), "SetUtils");

  if (!f.jndi_manager_md5.empty()) {
    if (const ReleaseSpan* span = jndi_manager_release(f.jndi_manager_md5)) {
      auto lo = parse_version(span->first), hi = parse_version(span->last);
      ReleaseSet hashed = log4j2_releases_where([&](const Log4j2Release& r) {
        auto v = parse_version(r.name);
        return v->compare(*lo) >= 0 && v->compare(*hi) <= 0;
      });
      std::string span_text(span->first);
      if (span->last != span->first) span_text += ".." + std::string(span->last);
      ReleaseSet before = n.releases;
      if (apply(hashed, "JndiManager MD5 " + f.jndi_manager_md5)) {
        n.evidence.push_back("JndiManager MD5 " + f.jndi_manager_md5 + " = " + span_text);
        n.by_hash = n.releases != before;
      }
    }
  }
  return n;
}

}  // namespace l4s::inventory
