// What the fleet fuzz targets run on any input: the report parser, then the
// status analysis (for each `since`) and every sink over what it read.
#pragma once

#include <initializer_list>
#include <sstream>
#include <string>

#include "fleet/html_report.h"
#include "fleet/parse.h"
#include "fleet/status.h"

namespace l4s::fleet::fuzzing {

inline void run_fleet_report(const std::string& text, std::initializer_list<const char*> sinces) {
  auto parsed = parse_report(text, {"fuzz", "", "2026-11-28T00:00:00Z", ""});
  if (!parsed.ok()) return;
  Fleet fleet;
  fleet.reports.push_back(parsed->report);
  fleet.findings = parsed->findings;
  fleet.errors = parsed->errors;
  fleet.detections = parsed->detections;
  fleet.callbacks = parsed->callbacks;
  fleet.probes = parsed->probes;
  for (const char* since : sinces) {
    Analysis a = analyze(fleet, since, "2026-11-28T00:00:00Z");
    std::ostringstream sink;
    write_status_json(a, sink);
    write_status_text(a, sink);
    write_status_csv(a, sink);
    write_html_report(fleet, a, sink);
  }
}

}  // namespace l4s::fleet::fuzzing
