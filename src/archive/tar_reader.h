// Streaming reader for tar and compressed tar (gz, bz2, xz, zst) via
// libarchive. Entries are visited in order; each regular entry's content can be
// materialised (memory within budget, else temp file) for nested scanning.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "core/result.h"

struct archive_entry;

namespace l4s::archive {

struct TarEntry {
  std::string name;
  uint64_t size = 0;
  bool regular = false;
  // libarchive's own header, valid during the visit only: a tar rewriter
  // writes it back unchanged (modes, owners, times, links, pax records).
  struct archive_entry* header = nullptr;
};

// How the tar was written, as libarchive codes (archive_format() and
// archive_filter_code() of the reader, outermost filter last), so an
// equivalent archive can be written.
struct TarFormat {
  int format = 0;
  std::vector<int> filters;
};

// Called for every entry. `materialize` reads the entry's content into a
// source (up to max_bytes); it may be called at most once, before returning.
using TarVisitor = std::function<void(const TarEntry& entry,
    const std::function<Result<SourcePtr>(uint64_t max_bytes)>& materialize)>;

// Fails with a reason if the source is not a readable tar; entries already
// visited stay visited (a truncated tar reports its error after them).
// With format, also reports how the tar was written (once a header was read).
Status read_tar(SourcePtr source, MemoryBudget& budget, const TarVisitor& visit, TarFormat* format = nullptr);

// Content sniffing of the first bytes: a tar header ("ustar" at 257) or a
// compression magic (gzip, bzip2, xz, zstd) that may wrap a tar.
enum class Compression { kNone, kGzip, kBzip2, kXz, kZstd };
Compression detect_compression(const void* data, size_t n);
bool looks_like_tar(const void* data, size_t n);

}  // namespace l4s::archive
