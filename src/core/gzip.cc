#include "core/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace l4s {

std::string gzip(std::string_view data) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 15+16: gzip wrapper
  std::string out(deflateBound(&z, data.size()), '\0');
  // zlib counts in uInt: feed and drain in pieces for bodies over 4 GiB.
  size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < data.size()) {
      const size_t piece = std::min<size_t>(data.size() - fed, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      z.avail_in = static_cast<uInt>(piece);
      fed += piece;
    }
    if (z.total_out + 64 >= out.size()) out.resize(out.size() * 2 + 64);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - z.total_out, 1u << 30));
    rc = deflate(&z, fed == data.size() && z.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Result<std::string> gunzip_bounded(std::string_view data, size_t limit, bool* too_large) {
  *too_large = false;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Error{"cannot start gzip decoding"};
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  char buf[64 * 1024];
  int rc = Z_OK;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof buf - zs.avail_out;
    if (out.size() + produced > limit) {
      inflateEnd(&zs);
      *too_large = true;
      return Error{"body inflates past " + std::to_string(limit) + " bytes"};
    }
    out.append(buf, produced);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // concatenated gzip members
      continue;
    }
    if (rc != Z_OK) break;
    if (zs.avail_in == 0 && produced == 0) break;  // truncated
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error{"body is not complete gzip data"};
  return out;
}

}  // namespace l4s
