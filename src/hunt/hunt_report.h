// A whole `hunt` run as the sinks see it: the header fields, the
// detections, the errors, the network events of captures and the stats.
// The sinks are in hunt_writer.h (text, json, jsonl, csv), the running
// summary in tally.h, the indicator exports in ioc_export.h.
//
// The JSON detection object (also each jsonl "detection" line) is a stable
// schema read by other tools (the fleet store); see README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hunt/detection.h"

namespace l4s::hunt {

struct HuntError {
  std::string file;
  std::string reason;
};

struct HuntStats {
  uint64_t files = 0;
  uint64_t bytes_read = 0;  // from the files (compressed size for compressed logs)
  uint64_t bytes_text = 0;  // decompressed text searched
  uint64_t lines = 0;
  uint64_t errors = 0;
  double seconds = 0;
};

// What a capture shows beyond inbound attempts (`hunt --pcap`): JNDI
// callbacks leaving a host, payloads served to it, and incidents tying an
// attempt to its callback. Formatted by the capture library; sinks only
// place them.
struct NetworkEvent {
  std::string type;  // "callback", "payload_served", "incident"
  std::string file;  // the capture
  std::string text;  // one line for people
  std::string json;  // the object, serialised on one line (its "type" included)
};

struct HuntReport {
  std::string tool_version;
  std::string host;
  std::string started;  // ISO-8601 UTC
  std::string finished;
  std::vector<std::string> roots;
  HuntStats stats;
  std::vector<Detection> detections;  // sorted by file, then offset
  std::vector<HuntError> errors;      // sorted by file
  std::vector<NetworkEvent> network_events;  // captures only, in file then capture order
};

}  // namespace l4s::hunt
