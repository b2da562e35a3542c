// What detectors see of an archive or an exploded class folder: entry names
// plus on-demand content. Detectors read only the few entries they need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/result.h"

namespace l4s::inventory {

class Container {
 public:
  virtual ~Container() = default;
  virtual size_t entry_count() const = 0;
  // '/'-separated path inside the container; directories end with '/'.
  virtual std::string_view entry_name(size_t i) const = 0;
  virtual uint64_t entry_size(size_t i) const = 0;  // uncompressed
  // Whole decompressed content; fails past max_bytes or on a damaged entry.
  virtual Result<std::string> read_entry(size_t i, uint64_t max_bytes) const = 0;
};

// Where the container sits, for naming findings.
struct DetectContext {
  std::string path;       // file on disk (outermost)
  std::string location;   // path!/nested!/entry of this container
  std::string file_name;  // base name of the container itself (for filename versions)
  // Optional sink for entries a detector needed but could not read (damaged,
  // unsupported method, over the size cap); location is location!/entry.
  std::vector<ScanError>* errors = nullptr;
};

}  // namespace l4s::inventory
