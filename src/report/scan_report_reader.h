// Reads back what `scan` and `fix` write with --format json or jsonl, into the
// same ScanReport the sinks format. One reader for every consumer (`fix
// --from`, `fleet import`): strict about types, so a report that is not ours
// gives an error naming the file (and the line, for jsonl), never an
// exception.
//
// Accepted:
//  - one JSON object with a "findings" array (write_json): "errors",
//    "tool", "host", "started", "finished", "roots", "stats" optional;
//  - JSON lines (write_jsonl), each an object whose "type" is "finding",
//    "error" or "summary"; blank lines are skipped.
// Missing fields take the model's defaults (a finding without "status" is
// safe); a field of the wrong type, or a status/severity the tool never
// writes, is an error. The host is the document's (json), else that of the
// first finding or summary line that names one (jsonl).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"
#include "report/scan_report.h"

namespace l4s::report {

// `source` names the input in errors ("FILE: ...", "FILE:LINE: ...").
Result<ScanReport> read_scan_report(std::string_view text, const std::string& source);

// Reads `path` whole; "FILE: cannot read" when it cannot be opened.
Result<ScanReport> read_scan_report_file(const std::string& path);

// For callers that have parsed the text already (fleet import sniffs the kind
// first): the document form, and the jsonl form with each line's number.
Result<ScanReport> scan_report_from_json(const nlohmann::json& whole, const std::string& source);
Result<ScanReport> scan_report_from_jsonl(const std::vector<nlohmann::json>& lines,
                                          const std::vector<size_t>& line_numbers, const std::string& source);

}  // namespace l4s::report
