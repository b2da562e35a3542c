// libFuzzer target: arbitrary bytes through fix's zip sequence (integrity
// check, rewrite, proof). It must refuse or produce an archive that validates.
#include <cstddef>
#include <cstdint>

#include "remediate/zip_rewrite_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4u << 20)) return 0;
  l4s::remediate::fuzz::run_one(data, size);
  return 0;
}
