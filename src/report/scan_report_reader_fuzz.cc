// Fuzz target: any bytes as a scan report (`fix --from` and `fleet import`
// read files from other hosts). Reading must end in a report or an error,
// never an exception; what it reads must write and read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "report/scan_report.h"
#include "report/scan_report_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = l4s::report::read_scan_report(text, "fuzz");
  if (!r.ok()) return 0;
  std::ostringstream once;
  l4s::report::write_jsonl(*r, once);
  auto again = l4s::report::read_scan_report(once.str(), "again");
  if (!again.ok()) abort();
  std::ostringstream twice;
  l4s::report::write_jsonl(*again, twice);
  if (once.str() != twice.str()) abort();
  return 0;
}
