// Fuzzes the fast path: every SIMD level finds the same trigger as the scalar
// reference, and scan_block counts lines exactly whatever the block holds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hunt/detection.h"
#include "hunt/prefilter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace l4s::hunt;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (size_t from = 0; from <= text.size(); from += 1 + from / 2) {
    size_t want = find_trigger_scalar(text, from);
    for (SimdLevel level : {SimdLevel::kSse2, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
      if (simd_level_available(level) && find_trigger_with(level, text, from) != want) abort();
    }
    if (find_trigger(text, from) != want) abort();
    if (want == std::string_view::npos) break;
  }
  size_t newlines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  if (count_newlines(text) != newlines) abort();
  uint64_t lines = scan_block(text, 0, 1, [&](Detection&& d) {
    if (d.line < 1 || d.line > newlines + 1 || d.offset > size) abort();
  });
  if (lines != newlines + (!text.empty() && text.back() != '\n' ? 1 : 0)) abort();
  return 0;
}
