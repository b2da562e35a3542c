// How deeply a JSON text nests, found without parsing it. nlohmann parses any
// depth, but serialising (dump) and comparing recurse once per level, so a
// document of 100,000 '[' from another host would overflow the stack: readers
// of untrusted JSON refuse anything deeper than kMaxJsonDepth first.
#pragma once

#include <cstddef>
#include <string_view>

namespace l4s {

// Far deeper than anything log4shield writes (4 levels), far shallower than
// the stack allows.
inline constexpr size_t kMaxJsonDepth = 256;

// The offset of the first '[' or '{' outside strings that opens level
// limit + 1, or npos when the text never nests deeper than `limit` (the text
// need not be valid JSON; unbalanced closers never go below level 0).
size_t json_too_deep_at(std::string_view text, size_t limit = kMaxJsonDepth);

}  // namespace l4s
