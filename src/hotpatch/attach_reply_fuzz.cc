// Fuzzes what a JVM (or anything listening on its socket) can send back:
// the attach reply, a properties listing, the agent's result file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hotpatch/attach.h"
#include "hotpatch/hot_patch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto r = l4s::hotpatch::parse_attach_reply(text)) {
    if (r->ok() && r->status != 0) abort();
  }
  std::string marker = l4s::hotpatch::find_marker(text);
  if (marker.size() > text.size()) abort();
  l4s::hotpatch::AgentReport report = l4s::hotpatch::parse_agent_report(text);
  if (report.patched.size() > size) abort();
  return 0;
}
