// TAR surgery: writes a tar (plain or gzip/bzip2/xz/zstd-compressed) again
// with some members' content replaced. Tar has no random access and its
// compression covers the whole stream, so the archive is re-encoded by
// libarchive, in the same format and under the same compression, from the
// original headers: names, types, modes, owners, times, link targets and pax
// records survive, and every other member's content is copied as it was.
// verify_tar_rewrite() proves it on the output.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "core/result.h"
#include "remediate/zip_rewrite.h"

namespace l4s::remediate {

// Members by ordinal (0-based, every header counts), since names may repeat.
using TarReplacements = std::map<size_t, archive::SourcePtr>;

// The member names in order.
Result<std::vector<std::string>> list_tar_members(archive::SourcePtr tar, archive::MemoryBudget& budget);

// The content of the wanted members (regular files only), up to max_bytes each.
Result<TarReplacements> read_tar_members(archive::SourcePtr tar, const std::set<size_t>& wanted,
                                         archive::MemoryBudget& budget, uint64_t max_bytes);

// Writes tar with the replacements applied. Fails, output partly written, on
// anything libarchive cannot re-encode.
Status rewrite_tar(archive::SourcePtr tar, const TarReplacements& replace, archive::MemoryBudget& budget,
                   ZipSink& out);

// Proves output is tar with replace applied: the same members in the same
// order with identical name, type, mode, owner, group, mtime, link target
// and content (sha256), but the replaced ones, which hold exactly their new
// content; and the same compression. The error names the first difference.
Status verify_tar_rewrite(archive::SourcePtr tar, const TarReplacements& replace, archive::SourcePtr output,
                          archive::MemoryBudget& budget);

}  // namespace l4s::remediate
