// The fleet store's rows: what `fleet import` extracts from each report and
// what `fleet status` and `report` read back. Lists are kept as JSON arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/finding.h"

namespace l4s::fleet {

// One imported report: a scan, fix, hunt, canary or probe output.
struct ReportRow {
  std::string hash;         // sha256 of the canonical content and host: the idempotency key
  std::string kind;         // "scan" | "fix" | "hunt" | "canary" | "probe"
  std::string host;
  std::string started, finished;
  std::string time;         // when it describes the host: finished, else started, else the latest event
  std::string source;       // file it came from ("-" for stdin)
  std::string imported;     // when it was imported
  std::string tool_version;
  std::vector<std::string> roots;
  int64_t files = 0;
  int64_t errors = 0;
};

struct FindingRow {
  std::string report, host, time;  // time of its report
  Finding f;
  bool fixed_by_tool = false;      // its evidence says `log4shield fix` removed the lookup
};

struct ErrorRow {
  std::string report, host, location, error;
};

struct JndiRow {
  std::string name, scheme, host, path;
  int64_t port = 0;
  bool remote = true;  // a JDK URL context would contact host
};

struct DetectionRow {
  std::string report, host;
  std::string file;
  int64_t line = 0, offset = 0;
  std::string timestamp, source_ip, raw, resolved;
  std::vector<std::string> layers;
  std::vector<JndiRow> jndi;
  std::vector<std::string> techniques, exfiltrates;
  std::string decoded_command, verdict, severity;
};

struct CallbackRow {
  std::string key;  // sha256 of the callback: the same callback from two dumps is kept once
  std::string report;
  std::string time, protocol, peer, listener, token, name, detail;
  std::vector<std::string> extras;
};

// `probe` against one target: did any injection call back?
struct ProbeRow {
  std::string report, prober;
  std::string target, target_host;
  bool vulnerable = false;
  int64_t sent = 0, hits = 0;
  std::vector<std::string> points;  // "point variant" of each hit
  std::string first_callback;       // time of the earliest callback
};

// One upload to `fleet serve`: who sent which report, from where, and what
// became of it ("stored" / "duplicate").
struct UploadRecord {
  std::string report, host, token, peer, received, outcome;
  int64_t bytes = 0;
};

// Everything one report brings.
struct Parsed {
  ReportRow report;
  std::vector<FindingRow> findings;
  std::vector<ErrorRow> errors;
  std::vector<DetectionRow> detections;
  std::vector<CallbackRow> callbacks;
  std::vector<ProbeRow> probes;
};

// The whole store, as `status` and `report` see it.
struct Fleet {
  std::vector<ReportRow> reports;  // by host, then time
  std::vector<FindingRow> findings;
  std::vector<ErrorRow> errors;
  std::vector<DetectionRow> detections;
  std::vector<CallbackRow> callbacks;
  std::vector<ProbeRow> probes;
};

}  // namespace l4s::fleet
