// ZIP surgery: writes an archive minus some entries, with some nested archives
// replaced, and every other byte copied as it was. Nothing untouched is ever
// recompressed, so method, timestamps, extra fields, comments, order,
// duplicate names, data descriptors, a prepended launcher script and zip64
// records all survive; verify_rewrite() proves it on the output.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "archive/zip_reader.h"
#include "core/result.h"

namespace l4s::remediate {

// Where rewritten bytes go. position() counts bytes written so far.
class ZipSink {
 public:
  virtual ~ZipSink() = default;
  virtual bool write(const void* data, size_t n) = 0;
  virtual uint64_t position() const = 0;
  virtual std::string error() const = 0;
};

// Collects output in memory within budget, else in an unlinked temp file.
class SpillSink : public ZipSink {
 public:
  SpillSink(archive::MemoryBudget& budget, uint64_t size_hint) : writer_(budget, size_hint) {}
  bool write(const void* data, size_t n) override { return writer_.append(data, n); }
  uint64_t position() const override { return writer_.size(); }
  std::string error() const override { return "cannot buffer the rewritten archive"; }
  Result<archive::SourcePtr> finish() { return writer_.finish(); }

 private:
  archive::SpillWriter writer_;
};

struct ZipEdit {
  std::vector<bool> drop;                        // by entry index; missing means kept
  std::map<size_t, archive::SourcePtr> replace;  // entry index -> new (uncompressed) content
  bool dropped(size_t i) const { return i < drop.size() && drop[i]; }
};

// Writes zr's archive with edit applied:
// - bytes before the first local header (a launcher script) are copied;
// - each kept entry is copied from its local header up to the next local
//   header (header, raw compressed data, data descriptor) unchanged;
// - a replaced entry keeps its method: STORED content is stored, DEFLATED is
//   deflated afresh; its local header is the original with CRC and sizes set
//   (in its zip64 field when saturated) and no data descriptor (bit 3 clear);
// - central directory records follow in their original order, unchanged but
//   for the local header offset (in the zip64 field when saturated) and, for
//   replaced entries, CRC, sizes and bit 3;
// - the zip64 end record and locator (when the original used them) and the end
//   record keep their contents and comment, with counts, size and offsets
//   updated; bytes after the end record are copied.
// Fails, with output partly written, on anything it cannot reproduce exactly
// (an unreadable range, a value that would need a zip64 field the entry lacks).
Status rewrite_zip(const archive::ZipReader& zr, const ZipEdit& edit, archive::MemoryBudget& budget,
                   ZipSink& out);

// Proves `output` is `original` with `edit` applied: the same entries in the
// same order minus the dropped ones; for each kept entry identical name,
// method, flags, time, attributes, local header and raw compressed bytes (and
// a central record differing only in its offset); each replaced entry holds
// exactly its new content; prefix and comment identical; and every entry's
// CRC checks. The error names the first difference.
Status verify_rewrite(const archive::ZipReader& original, const ZipEdit& edit,
                      const archive::ZipReader& output);

// CRC and size check of every entry (streaming); "ENTRY: reason" on failure.
// An encrypted entry or one with a method other than stored/deflated fails
// (its content cannot be checked) unless it is empty.
Status verify_all_entries(const archive::ZipReader& zr);

}  // namespace l4s::remediate
