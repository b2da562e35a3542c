// Fuzzes the structured-log splitter and the per-line verdict over it: any
// bytes, any header. A non-empty line always yields a message to evaluate,
// and an attempt Log4j leaves inert is never graded above low.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hunt/detection.h"
#include "hunt/log_structure.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  l4s::hunt::LogFormatHints hints = l4s::hunt::sniff_log_format(text);
  size_t nl = text.rfind('\n');
  std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
  for (const l4s::hunt::LogFormatHints& h : {hints, l4s::hunt::LogFormatHints{}}) {
    std::vector<l4s::hunt::LogMessage> messages = l4s::hunt::split_log_line(line, h);
    if (!line.empty() && messages.empty()) abort();
    l4s::hunt::EvalLimits limits;
    limits.max_steps = 1u << 16;
    if (auto d = l4s::hunt::examine_line(line, h, {}, limits)) {
      if (d->verdict == l4s::hunt::Verdict::kInert && d->severity != l4s::hunt::Severity::kLow) abort();
    }
  }
  return 0;
}
