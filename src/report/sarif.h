// SARIF 2.1.0 (GitHub code scanning) and CycloneDX 1.5 (SBOM with VEX) sinks
// for scan reports. Several reports (hosts) may go into one document: SARIF
// gets one run per report, CycloneDX one component per finding, its bom-ref
// naming the host.
#pragma once

#include <ostream>
#include <vector>

#include "report/scan_report.h"

namespace l4s::report {

// One rule per CVE seen; one result per non-safe finding, ruleId = its most
// severe open CVE (or its most severe mitigated one when none is open).
void write_sarif(const std::vector<ScanReport>& reports, std::ostream& out);

// Components (purl, location, host) and one vulnerability entry per (CVE,
// analysis state): "exploitable" for open CVEs, "not_affected" with
// justification "code_not_present" when JndiLookup was removed.
// `timestamp` is the BOM's metadata.timestamp (ISO-8601).
void write_cyclonedx(const std::vector<ScanReport>& reports, const std::string& timestamp, std::ostream& out);

}  // namespace l4s::report
