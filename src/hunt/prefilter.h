// The fast path of `hunt`: find the few places in a buffer where a lookup
// could start, in any transport encoding, so that only those lines reach the
// decoders and the evaluator.
//
// Triggers (case-insensitive where letters are involved): a '$' in some
// encoding followed by a '{' in some encoding:
//   $                               '$'
//   %24  %2524  %252524 ...  %u0024 URL-encoded '$', repeated or IIS-style
//   \u0024  \x24  \044  \44         backslash escapes of '$' (after any number of '\')
//   &#36  &#x24  &dollar;           HTML character references (zeros and ';' optional)
// then
//   {  %7B  %257B ...  %u007B       (or "%5C", "%26": an encoded '\' or '&' may start one)
//   \u007B  \x7B  \173  &#123  &#x7B  &lbrace;  &lcub;
// so "$HOME", "%24top", "%2450" and "$filter" are no triggers; or
//   JH[s-v]  [CSiy]R7  [048AEIMQUYcgkosw]ke
//                                   base64 of "${" at its three alignments (the
//                                   last one only inside a 12+ character run that
//                                   mixes upper case, lower case and digits)
// A trigger is a superset test: false candidates cost one evaluation.
//
// The scan classifies byte pairs that can start a trigger with nibble
// shuffles (AVX-512BW 64 bytes per step, or AVX2; chosen at run time), or
// looks for the first bytes $ % \ & J R k with SSE2, and verifies each hit
// with a few byte compares, so clean text goes at memory speed.
#pragma once

#include <cstddef>
#include <string_view>

namespace l4s::hunt {

// Offset of the first trigger at or after `from`, or std::string_view::npos.
size_t find_trigger(std::string_view data, size_t from = 0);

// The same search one byte at a time: the reference the SIMD paths are tested against.
size_t find_trigger_scalar(std::string_view data, size_t from = 0);

// find_trigger with a given instruction set (for tests and benchmarks); only
// call it for levels simd_level_available() reports.
enum class SimdLevel { kScalar, kSse2, kAvx2, kAvx512 };
bool simd_level_available(SimdLevel level);
size_t find_trigger_with(SimdLevel level, std::string_view data, size_t from = 0);

// Number of '\n' bytes in `data` (SIMD; for line numbers at memory speed).
size_t count_newlines(std::string_view data);

// Whether `data` holds any trigger.
inline bool has_trigger(std::string_view data) { return find_trigger(data) != std::string_view::npos; }

}  // namespace l4s::hunt
