// Reads a log stream as blocks of whole lines, decompressing by magic bytes.
//
// Compression is recognised from the content, never the file name: gzip
// (concatenated members too, as rotated-and-appended logs have), bzip2
// (multi-stream), xz (concatenated) and zstd (multi-frame). Memory stays
// bounded whatever the size of the file or of its lines: a line longer than
// max_line is delivered in max_line pieces. Any bytes are passed through (no
// encoding is assumed), NULs included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/result.h"

namespace l4s::hunt {

enum class Compression { kNone, kGzip, kBzip2, kXz, kZstd };

// "plain", "gzip", "bzip2", "xz", "zstd".
std::string_view compression_name(Compression compression);

// From the first bytes of a stream (6 are enough).
Compression sniff_compression(std::string_view head);

struct ReadOptions {
  size_t block_size = 256u << 10;  // bytes of decompressed text per block, roughly (cache-sized)
  size_t max_line = 16u << 20;   // longer lines are split
  // gzip in a regular file is inflated a member at a time with libdeflate
  // when the compressed file and each member's text fit in this many bytes
  // (memory use: up to twice this); larger ones, pipes and damaged members
  // stream through ISA-L's igzip.
  size_t gzip_whole_limit = 256u << 20;
};

struct ReadStats {
  Compression compression = Compression::kNone;
  uint64_t bytes_in = 0;   // read from the file descriptor
  uint64_t bytes_out = 0;  // decompressed bytes delivered
  // gzip only: "libdeflate" (whole members) or "igzip" (streamed, from the
  // first member that could not be inflated whole).
  std::string_view gzip_inflater;
};

using BlockSink = std::function<void(std::string_view block, uint64_t offset)>;

// Calls `on_block(block, offset)` with consecutive blocks that end at a line
// boundary (except the last, and pieces of over-long lines); `offset` is the
// block's position in the decompressed stream. Returns an error (after
// delivering all text before the failure) on read errors and corrupt or
// truncated compressed data.
Status read_blocks(int fd, const BlockSink& on_block, const ReadOptions& options = {}, ReadStats* stats = nullptr);

// Reads up to `cap` bytes into `buf`: the count, 0 at the end, or an error.
using ByteReader = std::function<Result<size_t>(char* buf, size_t cap)>;

// The same over any byte stream (a zip member, say). gzip streams through
// igzip here: the whole-member fast path needs a regular file.
Status read_blocks(const ByteReader& reader, const BlockSink& on_block, const ReadOptions& options = {},
                  ReadStats* stats = nullptr);

}  // namespace l4s::hunt
