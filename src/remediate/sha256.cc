#include "remediate/sha256.h"

#include <algorithm>
#include <vector>

namespace l4s::remediate {

Result<std::string> sha256_of_source(const archive::ByteSource& src) {
  Sha256 h;
  std::vector<uint8_t> buf(1 << 20);
  for (uint64_t pos = 0; pos < src.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), src.size() - pos));
    if (!src.read_at(pos, buf.data(), n)) return Result<std::string>::failure("read error");
    h.update(buf.data(), n);
    pos += n;
  }
  return h.hex();
}

Result<std::string> sha256_of_file(const std::string& path) {
  auto src = archive::open_file_source(path);
  if (!src.ok()) return Result<std::string>::failure(src.error());
  auto h = sha256_of_source(**src);
  if (!h.ok()) return Result<std::string>::failure(path + ": " + h.error());
  return h;
}

}  // namespace l4s::remediate
