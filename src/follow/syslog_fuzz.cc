// The syslog frame parser and the TCP framer over arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "follow/syslog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)l4s::follow::parse_syslog(in);
  l4s::follow::TcpFramer framer(1024);
  // Fed in two pieces, so a frame cut across reads is exercised too.
  auto on_frame = [](std::string_view f) { (void)l4s::follow::parse_syslog(f); };
  framer.feed(in.substr(0, size / 3), on_frame);
  framer.feed(in.substr(size / 3), on_frame);
  framer.finish(on_frame);
  return 0;
}
