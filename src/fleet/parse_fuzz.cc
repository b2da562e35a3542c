// Fuzz target: any bytes as a report from a host, through parsing, the
// status analysis and every sink (the fleet reads what hosts send it).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fleet/html_report.h"
#include "fleet/parse.h"
#include "fleet/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = l4s::fleet::parse_report(text, {"fuzz", "", "2026-11-28T00:00:00Z"});
  if (!parsed.ok()) return 0;
  l4s::fleet::Fleet fleet;
  fleet.reports.push_back(parsed->report);
  fleet.findings = parsed->findings;
  fleet.errors = parsed->errors;
  fleet.detections = parsed->detections;
  fleet.callbacks = parsed->callbacks;
  fleet.probes = parsed->probes;
  for (const char* since : {"", "2021-12-10"}) {
    l4s::fleet::Analysis a = l4s::fleet::analyze(fleet, since, "2026-11-28T00:00:00Z");
    std::ostringstream sink;
    l4s::fleet::write_status_json(a, sink);
    l4s::fleet::write_status_text(a, sink);
    l4s::fleet::write_status_csv(a, sink);
    l4s::fleet::write_html_report(fleet, a, sink);
  }
  return 0;
}
