// Fuzz target: any bytes as a report from a host, through parsing, the
// status analysis and every sink (the fleet reads what hosts send it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fleet/parse_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  l4s::fleet::fuzzing::run_fleet_report(std::string(reinterpret_cast<const char*>(data), size), {"", "2021-12-10"});
  return 0;
}
