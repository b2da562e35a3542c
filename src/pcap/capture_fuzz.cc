// Whole capture files: libpcap's pcap/pcapng readers and our resynchronisation
// after a corrupt record or block (ClassicResync, NgResync), then the analyzer.
// The input is written to a memory file and read through its /proc path.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pcap/capture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int fd = memfd_create("capture_fuzz", 0);
  if (fd < 0) return 0;
  if (ftruncate(fd, 0) != 0) return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) return 0;
    done += static_cast<size_t>(n);
  }
  l4s::pcap::AnalyzerOptions options;
  options.max_flows = 16;
  l4s::pcap::CaptureResult r = l4s::pcap::hunt_capture("/proc/self/fd/" + std::to_string(fd), options);
  for (const l4s::pcap::Incident& i : r.incidents)
    if (i.detection >= r.detections.size() || i.event >= r.events.size()) __builtin_trap();
  return 0;
}
