// CVE facts: identifiers, scores and summaries used to rank and explain findings.
#pragma once

#include <string_view>
#include <vector>
#include <string>

#include "core/finding.h"

namespace l4s {

struct CveInfo {
  std::string_view id;
  double cvss;              // CVSS v3 base score (NVD)
  std::string_view summary;
};

// Known CVE, or nullptr.
const CveInfo* find_cve(std::string_view id);

// Severity band of the highest-scoring CVE in `cves` (kNone when empty).
Severity severity_of(const std::vector<std::string>& cves);

}  // namespace l4s
