// Test-only builders of synthetic jars: class files made of the header and
// the constant-pool strings the detectors look for (real constant pools hold
// them as plain UTF-8, which is all the marker search depends on), and
// log4j-core copies shaped like a given release.
#pragma once

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include "inventory/log4j2_releases.h"
#include "inventory/memory_container.h"

namespace l4s::inventory::testing {

inline std::string class_bytes(int major, std::initializer_list<std::string_view> strings) {
  std::string b("\xCA\xFE\xBA\xBE\x00\x00", 6);
  b.push_back(static_cast<char>(major >> 8));
  b.push_back(static_cast<char>(major & 0xFF));
  b.append("\x00\x20", 2);
  for (std::string_view s : strings) {
    b.push_back('\x01');
    b.append(s);
  }
  return b;
}

// Content of lookup/JndiLookup.class of a given kind.
inline std::string jndi_lookup_class(JndiLookupKind kind, int major) {
  switch (kind) {
    case JndiLookupKind::kInitialContext:
      return class_bytes(major, {"JndiLookup", "LogEvent", "javax/naming/InitialContext"});
    case JndiLookupKind::kStub:
      return class_bytes(major, {"JndiLookup", "LogEvent", "JNDI is not supported"});
    case JndiLookupKind::kGated:
      return class_bytes(major, {"JndiLookup", "LogEvent", "Error looking up JNDI resource [{}].",
                                 "JNDI must be enabled by setting log4j2.enableJndiLookup=true"});
    default:
      return class_bytes(major, {"JndiLookup", "LogEvent", "Error looking up JNDI resource [{}]."});
  }
}

// Content of net/JndiManager.class of a given kind.
inline std::string jndi_manager_class(JndiManagerKind kind, int major) {
  std::string_view base[] = {"JndiManager", "javax/naming/Context", "AbstractManager"};
  auto with = [&](std::initializer_list<std::string_view> extra) {
    std::string b = class_bytes(major, {base[0], base[1], base[2]});
    for (std::string_view s : extra) b.append("\x01").append(s);
    return b;
  };
  switch (kind) {
    case JndiManagerKind::kAllowList:
      return with({"allowedJndiProtocols", "Invalid JNDI URI - {}"});
    case JndiManagerKind::kAllowListOff:
      return with({"allowedJndiProtocols", "Invalid JNDI URI - {}", "log4j2.enableJndi", "isJndiEnabled"});
    case JndiManagerKind::kEnableJndi:
      return with({"(Ljava/lang/String;Ljavax/naming/Context;)V", "Invalid  JNDI URI - {}", "log4j2.enableJndi",
                   "isJndiEnabled"});
    case JndiManagerKind::kLookupGated:
      return with({"Invalid  JNDI URI - {}", "log4j2.enableJndi", "isJndiEnabled", "isJndiLookupEnabled"});
    case JndiManagerKind::kJdbcGated:
      return with({"Invalid JNDI URI - {}", "log4j2.enableJndi", "isJndiEnabled", "isJndiLookupEnabled",
                   "isJndiJdbcEnabled"});
    default:
      return with({"(Ljava/lang/String;Ljavax/naming/Context;)V"});
  }
}

struct CopyOptions {
  bool jndi_lookup = true;   // false: JndiLookup.class removed
  bool complete = true;      // false: only the JNDI classes (a trimmed copy)
};

// Adds the classes of a log4j-core copy shaped like release r under root
// ("org/apache/logging/log4j/core/" for the standard one).
inline void add_log4j2_copy(MemoryContainer& c, const std::string& root, const Log4j2Release& r,
                            CopyOptions o = {}) {
  if (o.jndi_lookup && r.jndi_lookup != JndiLookupKind::kNone)
    c.add(root + "lookup/JndiLookup.class", jndi_lookup_class(r.jndi_lookup, r.major));
  if (r.jndi_manager != JndiManagerKind::kNone)
    c.add(root + "net/JndiManager.class", jndi_manager_class(r.jndi_manager, r.major));
  if (!o.complete) return;
  c.add(root + "LoggerContext.class", class_bytes(r.major, {"LoggerContext"}));
  c.add(root + "Appender.class", class_bytes(r.major, {"Appender"}));
  bool had_jndi_lookup = r.jndi_lookup != JndiLookupKind::kNone;
  c.add(root + "lookup/Interpolator.class",
        had_jndi_lookup ? class_bytes(r.major, {"StrLookup", "LogEvent", "JndiLookup"})
                        : class_bytes(r.major, {"StrLookup", "LogEvent"}));
  if (r.data_source)
    c.add(root + "appender/db/jdbc/DataSourceConnectionSource.class",
          r.jdbc_gated ? class_bytes(r.major, {"isJndiJdbcEnabled"}) : class_bytes(r.major, {"InitialContext"}));
  c.add(root + "pattern/MessagePatternConverter.class",
        r.no_message_lookups ? class_bytes(r.major, {"Message Lookups are no longer supported"})
                             : class_bytes(r.major, {"MessagePatternConverter"}));
  c.add(root + "lookup/StrSubstitutor.class",
        r.recursion_guard ? class_bytes(r.major, {"recursiveEvaluationAllowed"})
                          : class_bytes(r.major, {"StrSubstitutor"}));
  if (r.set_utils) c.add(root + "util/SetUtils.class", class_bytes(r.major, {"SetUtils"}));
  if (r.nosql) c.add(root + "appender/nosql/NoSqlAppender.class", class_bytes(r.major, {"NoSqlAppender"}));
}

inline std::string pom(std::string_view group, std::string_view artifact, std::string_view version) {
  return "#Generated by Maven\nversion=" + std::string(version) + "\ngroupId=" + std::string(group) +
         "\nartifactId=" + std::string(artifact) + "\n";
}

inline const Log4j2Release& release(std::string_view name) {
  for (const auto& r : log4j2_releases())
    if (r.name == name) return r;
  throw std::invalid_argument("no release " + std::string(name));
}

}  // namespace l4s::inventory::testing
