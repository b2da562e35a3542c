// A capture's results in a `hunt` report: the detections are hunt's own
// (written by hunt's sinks); callbacks, served payloads and incidents become
// its network events, formatted here.
#pragma once

#include <cstdint>

#include "hunt/hunt_report.h"
#include "pcap/analyzer.h"

namespace l4s::pcap {

// Adds one capture to a `hunt` report, all but its detections: callbacks,
// served payloads and incidents as network events (an incident quotes its
// attempt, so this reads the detections), the errors, the file in the stats.
void add_context_to_hunt_report(const CaptureResult& result, uint64_t file_size, hunt::HuntReport* report);
// The same, then moves the detections (with their network context) in too.
void add_to_hunt_report(CaptureResult&& result, uint64_t file_size, hunt::HuntReport* report);

}  // namespace l4s::pcap
