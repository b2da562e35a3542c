// Fuzzes the log-format parsers: any bytes, any header; the fields found
// are consistent (an address is an address, a timestamp has its raw form).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hunt/log_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  l4s::hunt::LogFormatHints hints = l4s::hunt::sniff_log_format(text);
  size_t nl = text.rfind('\n');
  std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
  for (const l4s::hunt::LogFormatHints& h : {hints, l4s::hunt::LogFormatHints{}}) {
    l4s::hunt::LogFields f = l4s::hunt::parse_log_fields(line, h);
    if (!f.source_ip.empty() && !l4s::hunt::is_ip_address(f.source_ip)) abort();
    if (f.timestamp.empty() != f.timestamp_raw.empty()) abort();
  }
  return 0;
}
