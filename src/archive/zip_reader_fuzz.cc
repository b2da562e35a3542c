// libFuzzer target: parse the input as a zip and exercise every read path with
// small caps. Any crash, sanitizer report, leak or timeout is a bug, and so is
// a ZipEntryStream that disagrees with read().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archive/zip_reader.h"
#include "archive/testing/read_at_only.h"

namespace {

using l4s::archive::ByteSource;
using l4s::archive::MemoryBudget;
using l4s::archive::ReadAtOnly;
using l4s::archive::SourcePtr;
using l4s::archive::ZipReader;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kCap = 1 << 20;
  static MemoryBudget budget(4 << 20, "/tmp");
  SourcePtr source = l4s::archive::memory_source(std::vector<uint8_t>(data, data + size));
  if (size & 1) source = std::make_shared<ReadAtOnly>(source);  // size parity picks the path
  auto zr = ZipReader::open(source);
  if (!zr.ok()) return 0;
  for (const auto& e : zr->entries()) {
    (void)zr->data_offset(e);
    (void)zr->peek(e, 64);
    auto whole = zr->read(e, kCap);
    // Streaming must give what read() gives, and end cleanly when it succeeds.
    if (auto stream = l4s::archive::ZipEntryStream::open(*zr, e); stream.ok()) {
      std::string streamed;
      char buf[4096];
      bool failed = false;
      while (streamed.size() <= kCap) {
        auto n = (*stream)->read(buf, sizeof buf);
        if (!n.ok()) {
          failed = true;
          break;
        }
        if (*n == 0) break;
        streamed.append(buf, *n);
      }
      if (whole.ok() && (failed || streamed != *whole)) __builtin_trap();
    } else if (whole.ok()) {
      __builtin_trap();
    }
    auto sub = zr->open_entry(e, budget, kCap);
    if (sub.ok()) (void)ZipReader::open(*sub);  // nested archives parse too
  }
  return 0;
}
