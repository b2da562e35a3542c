// Recognises and reads the JSON / JSONL outputs of `scan`, `fix`, `hunt`,
// `canary` and `probe` into rows for the store.
#pragma once

#include <string>

#include "core/result.h"
#include "fleet/model.h"

namespace l4s::fleet {

struct ParseOptions {
  std::string source;         // file name recorded with the report
  std::string host_override;  // host to use (required meaning for hunt/probe/canary, which carry none)
  std::string now;            // import time (ISO-8601)
  std::string fallback_host;  // host when the report names none (else "unknown"): the uploader's word
};

// Parses one report. The kind is recognised from the content:
//  - a JSON object with "findings": scan (fix when findings/errors say so),
//    read by report/scan_report_reader.h like `fix --from` reads it;
//  - JSONL with "type": finding|error|summary (scan/fix, the same reader), detection|error|summary (hunt),
//    hit|target (probe);
//  - JSON objects with "protocol" and "peer": canary callbacks;
//  - a JSON object with "detections": hunt.
Result<Parsed> parse_report(const std::string& text, const ParseOptions& options);

}  // namespace l4s::fleet
