// Member index of an uncompressed tar (ustar, GNU long names, pax paths),
// without reading member data: lets container images address their layers as
// sub-ranges of the image file instead of copying them out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "core/result.h"

namespace l4s::archive {

struct TarMember {
  std::string name;        // normalised: no leading "./" or "/"
  uint64_t data_offset = 0;
  uint64_t size = 0;
  char type = '0';         // '0' regular, '5' directory, '2' symlink, ...
  bool regular() const { return type == '0' || type == '\0' || type == '7'; }
};

// Fails on a malformed header (bad checksum, size past the end) with the
// offset and reason; max_members bounds hostile input.
Result<std::vector<TarMember>> index_tar(const ByteSource& source, size_t max_members = 1000000);

}  // namespace l4s::archive
