// Random-access byte sources: a file on disk (pread), a buffer in memory, a
// sub-range of another source (a STORED nested archive read in place), or a
// spilled temp file (mmap). Archives are parsed through this interface only, so a
// nested archive never needs copying when it is stored uncompressed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

struct stat;

namespace l4s::archive {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Copies exactly n bytes at offset into buf; false if the range is out of
  // bounds or the read fails.
  virtual bool read_at(uint64_t offset, void* buf, size_t n) const = 0;
  // The whole content when it is resident in memory (mmap or buffer), so
  // parsers can avoid copies; nullptr otherwise.
  virtual const uint8_t* data() const { return nullptr; }
};

using SourcePtr = std::shared_ptr<const ByteSource>;

// Opens a regular file for reading with pread (data() is nullptr). Files on
// disk are never mapped: another process may truncate one mid-scan, which
// would kill us with SIGBUS; with pread the affected reads just fail. The size
// is fixed at open. The error names the reason (errno text).
// When st is given it receives the fstat of the opened file (its identity
// and size at open).
Result<SourcePtr> open_file_source(const std::string& path, struct stat* st = nullptr);
SourcePtr memory_source(std::vector<uint8_t> bytes);
// [offset, offset+length) of parent; clamped to the parent's size.
SourcePtr sub_source(SourcePtr parent, uint64_t offset, uint64_t length);

// Process-wide cap on bytes held in memory for inflated nested archives.
// Past the cap, content spills to an unlinked temp file (spill_dir).
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t bytes, std::string spill_dir = "/tmp")
      : remaining_(static_cast<int64_t>(bytes)), spill_dir_(std::move(spill_dir)) {}
  bool try_reserve(uint64_t n);
  void release(uint64_t n);
  const std::string& spill_dir() const { return spill_dir_; }

 private:
  std::atomic<int64_t> remaining_;
  std::string spill_dir_;
};

// Collects bytes produced incrementally (an inflating stream) into memory while
// the budget allows, else into an unlinked temp file; finish() yields a source.
// The reservation is released when the returned source is destroyed, so the
// budget must outlive it. expected_size is a hint (reserved up front when it
// fits the budget): pass a bounded value, never an unchecked declared size.
// finish() may be called once; append() returns false after an I/O failure.
class SpillWriter {
 public:
  SpillWriter(MemoryBudget& budget, uint64_t expected_size);
  ~SpillWriter();
  SpillWriter(const SpillWriter&) = delete;
  SpillWriter& operator=(const SpillWriter&) = delete;
  bool append(const void* data, size_t n);
  Result<SourcePtr> finish();
  uint64_t size() const { return size_; }

 private:
  bool grow_reservation(uint64_t need);
  bool spill();

  MemoryBudget& budget_;
  uint64_t reserved_ = 0;
  uint64_t size_ = 0;
  std::vector<uint8_t> buffer_;
  int fd_ = -1;
  bool failed_ = false;
  std::string error_;
};

}  // namespace l4s::archive
