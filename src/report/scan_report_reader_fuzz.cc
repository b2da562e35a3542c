// Fuzz target: any bytes as a scan report (`fix --from` and `fleet import`
// read files from other hosts). Reading must end in a report or an error,
// never an exception; what it reads must write and read back the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "report/scan_report_reader_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  l4s::report::fuzzing::check_scan_report_round_trip(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
