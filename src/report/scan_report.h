// A whole `scan` run and the sinks that format it. Sinks only format; they
// never decide anything about findings.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/finding.h"

namespace l4s::report {

// A running JVM `fix --running` looked at (hotpatch/hot_patch.h).
struct JvmPatch {
  int pid = 0;
  std::string user;
  bool container = false;
  std::string command;
  bool jvm = false;                  // a HotSpot JVM (else a process named java, left alone)
  std::string state;                 // patched, already_patched, would_patch, skipped, failed
  std::string reason;                // why not patched
  std::vector<std::string> patched;  // JndiLookup copies patched now: "class (loader)"
  bool transformer_installed = false;
  std::string marker;                // "<version> <time>" of the patch in force
};

struct ScanReport {
  std::string tool_version;
  std::string host;
  std::string started;   // ISO-8601 UTC
  std::string finished;
  std::vector<std::string> roots;
  ScanStats stats;
  std::vector<Finding> findings;  // sorted by location
  std::vector<ScanError> errors;  // sorted by location
  std::vector<JvmPatch> jvms;     // fix --running only
};

enum class Format { kText, kJson, kJsonl, kCsv };

// Parses "text" | "json" | "jsonl" | "csv".
bool parse_format(const std::string& name, Format* out);

void write_json(const ScanReport& r, std::ostream& out);
void write_jsonl(const ScanReport& r, std::ostream& out);
void write_csv(const ScanReport& r, std::ostream& out);
// One line per finding, then errors and a summary. `color` adds ANSI colours.
void write_text(const ScanReport& r, std::ostream& out, bool color);

// Current time as ISO-8601 UTC with seconds ("2026-11-28T04:06:32Z").
using ::l4s::now_iso8601;  // report::now_iso8601, as the commands call it

// One of the four formats above; `color` only matters for text.
void write_report(const ScanReport& r, Format format, std::ostream& out, bool color);

}  // namespace l4s::report
