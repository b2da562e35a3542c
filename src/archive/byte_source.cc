#include "archive/byte_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "core/read_throttle.h"

namespace l4s::archive {
namespace {

std::string errno_text(const std::string& what, int err) {
  return what + ": " + strerror(err);
}

// True when [offset, offset+n) lies within [0, size); overflow-safe.
bool in_bounds(uint64_t offset, size_t n, uint64_t size) {
  return offset <= size && n <= size - offset;
}

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  bool read_at(uint64_t offset, void* buf, size_t n) const override {
    if (!in_bounds(offset, n, bytes_.size())) return false;
    if (n) memcpy(buf, bytes_.data() + offset, n);
    return true;
  }
  const uint8_t* data() const override { return bytes_.data(); }

 private:
  std::vector<uint8_t> bytes_;
};

// A memory source whose bytes are counted against a MemoryBudget.
class BudgetedMemorySource : public MemorySource {
 public:
  BudgetedMemorySource(std::vector<uint8_t> bytes, MemoryBudget& budget, uint64_t reserved)
      : MemorySource(std::move(bytes)), budget_(budget), reserved_(reserved) {}
  ~BudgetedMemorySource() override { budget_.release(reserved_); }

 private:
  MemoryBudget& budget_;
  uint64_t reserved_;
};

// A regular file read with pread. Never mapped: another process may truncate
// the file while we scan it, and touching a mapped page past the new end kills
// the process with SIGBUS; pread just comes up short, and the read fails.
// The size is fixed at open, so a file that grows is read as it was.
class FileSource : public ByteSource {
 public:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { close(fd_); }
  uint64_t size() const override { return size_; }
  bool read_at(uint64_t offset, void* buf, size_t n) const override {
    if (!in_bounds(offset, n, size_)) return false;
    auto* p = static_cast<uint8_t*>(buf);
    while (n > 0) {
      // Bounded per call: Linux transfers at most ~2 GiB per read anyway.
      // Under --max-read-rate, in 1 MiB steps paid as they arrive.
      const size_t ask = throttled_chunk(std::min<size_t>(n, size_t{1} << 30));
      const ssize_t got = pread(fd_, p, ask, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;  // error, or end of file: truncated since open
      throttle_read(static_cast<uint64_t>(got));
      p += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<size_t>(got);
    }
    return true;
  }

 private:
  int fd_;
  uint64_t size_;
};

// A read-only private mapping of a file only this process can reach (an
// unlinked spill file), so nobody can truncate it under us; the descriptor is
// closed once mapped.
class MmapSource : public ByteSource {
 public:
  MmapSource(const uint8_t* base, uint64_t size) : base_(base), size_(size) {}
  ~MmapSource() override { munmap(const_cast<uint8_t*>(base_), size_); }
  uint64_t size() const override { return size_; }
  bool read_at(uint64_t offset, void* buf, size_t n) const override {
    if (!in_bounds(offset, n, size_)) return false;
    if (n) memcpy(buf, base_ + offset, n);
    return true;
  }
  const uint8_t* data() const override { return base_; }

 private:
  const uint8_t* base_;
  uint64_t size_;
};

class SubSource : public ByteSource {
 public:
  SubSource(SourcePtr parent, uint64_t offset, uint64_t length)
      : parent_(std::move(parent)), offset_(offset), length_(length) {}
  uint64_t size() const override { return length_; }
  bool read_at(uint64_t offset, void* buf, size_t n) const override {
    if (!in_bounds(offset, n, length_)) return false;
    return parent_->read_at(offset_ + offset, buf, n);
  }
  const uint8_t* data() const override {
    const uint8_t* base = parent_->data();
    return base ? base + offset_ : nullptr;
  }

 private:
  SourcePtr parent_;
  uint64_t offset_;
  uint64_t length_;
};

// Maps `size` bytes of fd; an empty file becomes an empty memory source since
// mmap rejects zero lengths.
Result<SourcePtr> map_fd(int fd, uint64_t size, const std::string& what) {
  if (size == 0) return memory_source({});
  if (size > std::numeric_limits<size_t>::max()) {
    return Result<SourcePtr>::failure(what + ": file too large to map");
  }
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return Result<SourcePtr>::failure(errno_text(what + ": mmap", errno));
  return SourcePtr(std::make_shared<MmapSource>(static_cast<const uint8_t*>(p), size));
}

bool write_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

Result<SourcePtr> open_file_source(const std::string& path, struct stat* st_out) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused
  // as not regular); it changes nothing for regular files.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return Result<SourcePtr>::failure(errno_text(path, errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Result<SourcePtr>::failure(errno_text(path + ": fstat", err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return Result<SourcePtr>::failure(path + ": not a regular file");
  }
  if (st_out) *st_out = st;
  if (st.st_size == 0) {
    close(fd);
    return memory_source({});
  }
  return SourcePtr(std::make_shared<FileSource>(fd, static_cast<uint64_t>(st.st_size)));
}

SourcePtr memory_source(std::vector<uint8_t> bytes) {
  return std::make_shared<MemorySource>(std::move(bytes));
}

SourcePtr sub_source(SourcePtr parent, uint64_t offset, uint64_t length) {
  uint64_t size = parent->size();
  if (offset > size) offset = size;
  if (length > size - offset) length = size - offset;
  return std::make_shared<SubSource>(std::move(parent), offset, length);
}

bool MemoryBudget::try_reserve(uint64_t n) {
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  int64_t want = static_cast<int64_t>(n);
  int64_t cur = remaining_.load(std::memory_order_relaxed);
  while (cur >= want) {
    if (remaining_.compare_exchange_weak(cur, cur - want, std::memory_order_relaxed)) return true;
  }
  return false;
}

void MemoryBudget::release(uint64_t n) {
  remaining_.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
}

SpillWriter::SpillWriter(MemoryBudget& budget, uint64_t expected_size) : budget_(budget) {
  // Reserve the expected size up front so the buffer never reallocates; if it
  // does not fit, the first append spills.
  if (expected_size > 0 && budget_.try_reserve(expected_size)) {
    reserved_ = expected_size;
    buffer_.reserve(expected_size);
  }
}

SpillWriter::~SpillWriter() {
  budget_.release(reserved_);
  if (fd_ >= 0) close(fd_);
}

// Moves everything buffered so far into an unlinked temp file; from then on
// appends go to the file and the memory reservation is returned.
bool SpillWriter::spill() {
  std::string path = budget_.spill_dir() + "/l4s-spill-XXXXXX";
  fd_ = mkostemp(path.data(), O_CLOEXEC);
  if (fd_ < 0) {
    error_ = errno_text("spill file in " + budget_.spill_dir(), errno);
    return false;
  }
  unlink(path.c_str());  // the file lives only as long as the descriptor/mapping
  if (!write_all(fd_, buffer_.data(), buffer_.size())) {
    error_ = errno_text("spill write", errno);
    return false;
  }
  std::vector<uint8_t>().swap(buffer_);
  budget_.release(reserved_);
  reserved_ = 0;
  return true;
}

// Grows the reservation (geometrically, so appends stay amortised O(1)) and
// the buffer capacity with it, so the budget counts the memory really held.
// When the budget refuses the doubling the writer spills: growing by just
// what each append needs would copy the whole buffer every time.
bool SpillWriter::grow_reservation(uint64_t need) {
  constexpr uint64_t kMinGrowth = 64 * 1024;
  const uint64_t target = std::max({need, reserved_ * 2, kMinGrowth});
  if (!budget_.try_reserve(target - reserved_)) return false;
  reserved_ = target;
  buffer_.reserve(target);
  return true;
}

bool SpillWriter::append(const void* data, size_t n) {
  if (failed_) return false;
  if (n == 0) return true;
  if (n > std::numeric_limits<uint64_t>::max() - size_) {
    failed_ = true;
    error_ = "spill writer size overflow";
    return false;
  }
  if (fd_ < 0) {
    if (size_ + n <= reserved_ || grow_reservation(size_ + n)) {
      const auto* p = static_cast<const uint8_t*>(data);
      buffer_.insert(buffer_.end(), p, p + n);
      size_ += n;
      return true;
    }
    if (!spill()) {
      failed_ = true;
      return false;
    }
  }
  if (!write_all(fd_, data, n)) {
    failed_ = true;
    error_ = errno_text("spill write", errno);
    return false;
  }
  size_ += n;
  return true;
}

Result<SourcePtr> SpillWriter::finish() {
  if (failed_) return Result<SourcePtr>::failure(error_.empty() ? "spill writer failed" : error_);
  if (fd_ >= 0) {
    Result<SourcePtr> mapped = map_fd(fd_, size_, "spill file");
    close(fd_);
    fd_ = -1;
    size_ = 0;
    return mapped;
  }
  // Give back what a too-large size hint reserved, then hand the rest of the
  // reservation to the source; it is released when the source dies.
  if (buffer_.capacity() - buffer_.size() > buffer_.size() / 4) {
    buffer_.shrink_to_fit();
    budget_.release(reserved_ - buffer_.size());
    reserved_ = buffer_.size();
  }
  uint64_t reserved = reserved_;
  reserved_ = 0;
  size_ = 0;
  return SourcePtr(
      std::make_shared<BudgetedMemorySource>(std::move(buffer_), budget_, reserved));
}

}  // namespace l4s::archive
