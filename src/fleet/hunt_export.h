// STIX 2.1 and MISP CSV exports of the hunt detections in the store, through
// hunt's own IOC sinks (hunt/hunt_report.h), so `hunt --iocs` on one host and
// `report --format stix` over the fleet share one format.
#pragma once

#include <ostream>
#include <string>

#include "fleet/model.h"

namespace l4s::fleet {

void write_fleet_stix(const Fleet& fleet, const std::string& now, std::ostream& out);
void write_fleet_misp_csv(const Fleet& fleet, const std::string& now, std::ostream& out);

}  // namespace l4s::fleet
