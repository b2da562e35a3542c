#include "core/cve.h"

#include <array>

namespace l4s {
namespace {

constexpr std::array<CveInfo, 13> kCves{{
    {"CVE-2021-44228", 10.0, "Log4Shell: JNDI lookup in logged data leads to remote code execution"},
    {"CVE-2021-45046", 9.0, "Incomplete 2.15.0 fix: context lookups in non-default patterns reach JNDI"},
    {"CVE-2021-45105", 5.9, "Uncontrolled recursion in self-referential lookups (denial of service)"},
    {"CVE-2021-44832", 6.6, "JDBCAppender JNDI data source: RCE by an attacker who controls the configuration"},
    {"CVE-2019-17571", 9.8, "log4j 1.x SocketServer deserializes untrusted data"},
    {"CVE-2021-4104", 7.5, "log4j 1.x JMSAppender JNDI lookup when the configuration is attacker-writable"},
    {"CVE-2022-23302", 8.8, "log4j 1.x JMSSink deserialization via JNDI"},
    {"CVE-2022-23305", 9.8, "log4j 1.x JDBCAppender SQL injection"},
    {"CVE-2022-23307", 8.8, "log4j 1.x Apache Chainsaw deserialization"},
    {"CVE-2021-42550", 6.6, "logback JNDI lookup via attacker-writable configuration"},
    {"CVE-2017-5645", 9.8, "log4j 2.x TCP/UDP socket server deserialization"},
    {"CVE-2020-9488", 3.7, "SMTP appender does not verify the host name"},
    {"CVE-2023-26464", 7.5, "log4j 1.x Chainsaw/SocketAppender deserialization DoS"},
}};

Severity band(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score > 0.0) return Severity::kLow;
  return Severity::kNone;
}

}  // namespace

const CveInfo* find_cve(std::string_view id) {
  for (const auto& c : kCves)
    if (c.id == id) return &c;
  return nullptr;
}

Severity severity_of(const std::vector<std::string>& cves) {
  double best = 0;
  for (const auto& id : cves) {
    const CveInfo* c = find_cve(id);
    // An unknown CVE still matters: rank it high rather than hide it.
    double s = c ? c->cvss : 7.0;
    if (s > best) best = s;
  }
  return band(best);
}

const char* to_string(FindingStatus s) {
  switch (s) {
    case FindingStatus::kVulnerable: return "vulnerable";
    case FindingStatus::kMitigated: return "mitigated";
    case FindingStatus::kSafe: return "safe";
  }
  return "?";
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::kNone: return "none";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "?";
}

}  // namespace l4s
