// Fuzzes the transport decoders: bounded rounds, output never longer than
// the input, every variant records at least one layer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hunt/decoders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  l4s::hunt::DecodeLimits limits;
  std::vector<l4s::hunt::DecodedText> variants = l4s::hunt::peel_layers(text, limits);
  if (variants.size() > static_cast<size_t>(limits.max_rounds)) abort();
  size_t previous = size;
  for (const l4s::hunt::DecodedText& v : variants) {
    if (v.text.size() > previous || v.layers.empty()) abort();
    previous = v.text.size();
  }
  return 0;
}
