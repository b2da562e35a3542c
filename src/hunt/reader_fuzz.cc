// Fuzzes the log readers on any bytes (every compression is chosen by the
// first bytes, so the fuzzer reaches gzip through libdeflate and zlib, bzip2,
// xz and zstd): blocks are contiguous, bounded, and every read ends.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hunt/reader.h"

namespace {
struct Enough {};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = memfd_create("reader_fuzz", 0);  // a regular file: the whole-member gzip path
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size) || lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return 0;
  }
  l4s::hunt::ReadOptions options;
  options.block_size = 1024;
  options.max_line = 4096;
  options.gzip_whole_limit = size % 2 ? 1u << 20 : 64;  // both gzip paths
  uint64_t expect = 0, total = 0;
  l4s::hunt::ReadStats stats;
  l4s::Status status;
  try {
    status = l4s::hunt::read_blocks(
      fd,
      [&](std::string_view block, uint64_t offset) {
        if (offset != expect || block.empty() || block.size() > options.block_size + options.max_line + 1024) abort();
        expect += block.size();
        total += block.size();
        if (total > (64u << 20)) throw Enough{};  // a decompression bomb: fine, but not worth the time
      },
      options, &stats);
  } catch (const Enough&) {
    close(fd);
    return 0;
  }
  close(fd);
  if (stats.bytes_out != total) abort();
  (void)status;
  return 0;
}
