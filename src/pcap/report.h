// A capture's results in a `hunt` report: the detections are hunt's own
// (written by hunt's sinks); callbacks, served payloads and incidents become
// its network events, formatted here.
#pragma once

#include <ostream>

#include "hunt/hunt_report.h"
#include "pcap/analyzer.h"

namespace l4s::pcap {

// Hands one capture's results to a `hunt` report: the detections (with their
// network context), callbacks, served payloads and incidents as network
// events, the errors, and the file in the stats.
void add_to_hunt_report(CaptureResult&& result, uint64_t file_size, hunt::HuntReport* report);
// The same without the detections (for a caller that has written them already).
void add_context_to_hunt_report(CaptureResult&& result, uint64_t file_size, hunt::HuntReport* report);

}  // namespace l4s::pcap
