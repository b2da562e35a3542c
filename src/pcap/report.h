// JSON lines for a capture's results, in the shape of `hunt`'s jsonl: one
// object per line with "type": "detection" (an inbound attempt), "callback"
// (a JNDI lookup seen leaving a host), "payload_served", "incident", "error",
// and a final "summary".
#pragma once

#include <ostream>

#include "hunt/hunt_report.h"
#include "pcap/analyzer.h"

namespace l4s::pcap {

void WriteCaptureJsonl(const CaptureResult& result, std::ostream& out);

// One line per incident / detection / callback, for people.
void WriteCaptureText(const CaptureResult& result, std::ostream& out);

// Hands one capture's results to a `hunt` report: the detections (with their
// network context), callbacks, served payloads and incidents as network
// events, the errors, and the file in the stats.
void AddToHuntReport(CaptureResult&& result, uint64_t file_size, hunt::HuntReport* report);
// The same without the detections (for a caller that has written them already).
void AddContextToHuntReport(CaptureResult&& result, uint64_t file_size, hunt::HuntReport* report);

}  // namespace l4s::pcap
