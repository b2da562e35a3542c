#include "fleet/hunt_export.h"

#include "hunt/ioc_export.h"

namespace l4s::fleet {
namespace {

// The stored detections, gathered as `hunt` gathers its own.
std::vector<hunt::Ioc> fleet_iocs(const Fleet& fleet) {
  hunt::HuntTally tally;
  for (const auto& d : fleet.detections) {
    hunt::Detection h;
    h.file = d.host + ":" + d.file;
    h.line = static_cast<uint64_t>(d.line);
    h.offset = static_cast<uint64_t>(d.offset);
    h.timestamp = d.timestamp;
    h.source_ip = d.source_ip;
    h.raw = d.raw;
    h.resolved = d.resolved;
    for (const auto& t : d.jndi) {
      hunt::JndiTarget& j = h.jndi.emplace_back();
      j.name = t.name;
      j.scheme = t.scheme;
      j.host = t.host;
      j.port = t.port > 0 ? static_cast<int>(t.port) : -1;
      j.path = t.path;
      j.remote = t.remote;
    }
    h.techniques = d.techniques;
    h.exfiltrates = d.exfiltrates;
    h.decoded_command = d.decoded_command;
    for (auto v : {hunt::Verdict::kInert, hunt::Verdict::kDosOnly, hunt::Verdict::kReachesJndi214,
                   hunt::Verdict::kPasses215Checks})
      if (hunt::verdict_name(v) == d.verdict) h.verdict = v;
    for (auto s : {hunt::Severity::kLow, hunt::Severity::kMedium, hunt::Severity::kHigh, hunt::Severity::kCritical})
      if (hunt::severity_name(s) == d.severity) h.severity = s;
    tally.add(h);
  }
  return tally.iocs();
}

}  // namespace

void write_fleet_stix(const Fleet& fleet, const std::string& now, std::ostream& out) {
  hunt::write_iocs(hunt::IocFormat::kStix, fleet_iocs(fleet), now, out);
}

void write_fleet_misp_csv(const Fleet& fleet, const std::string& now, std::ostream& out) {
  hunt::write_iocs(hunt::IocFormat::kMispCsv, fleet_iocs(fleet), now, out);
}

}  // namespace l4s::fleet
