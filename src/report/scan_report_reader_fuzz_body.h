// What the scan report fuzz targets check on any input: reading ends in a
// report or an error, and a report read writes and reads back the same.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>

#include "report/scan_report.h"
#include "report/scan_report_reader.h"

namespace l4s::report::fuzzing {

inline void check_scan_report_round_trip(const std::string& text) {
  auto r = read_scan_report(text, "fuzz");
  if (!r.ok()) return;
  std::ostringstream once;
  write_jsonl(*r, once);
  auto again = read_scan_report(once.str(), "again");
  if (!again.ok()) abort();
  std::ostringstream twice;
  write_jsonl(*again, twice);
  if (once.str() != twice.str()) abort();
}

}  // namespace l4s::report::fuzzing
