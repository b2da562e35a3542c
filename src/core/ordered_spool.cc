#include "core/ordered_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace l4s {
namespace {

// An unlinked temporary file: it vanishes with the process, however it ends.
int open_spill_file(std::string* error) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/log4shield-spool.XXXXXX";
  int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = "temporary file for ordered output in " + path.substr(0, path.rfind('/')) + ": " + std::strerror(errno);
    return -1;
  }
  unlink(path.c_str());
  return fd;
}

}  // namespace

OrderedSpool::OrderedSpool(size_t slots, std::function<void(std::string_view)> sink, size_t memory_budget)
    : slots_(slots), sink_(std::move(sink)), budget_(memory_budget) {}

OrderedSpool::~OrderedSpool() {
  if (spill_fd_ >= 0) ::close(spill_fd_);  // the file, not a slot
}

void OrderedSpool::fail(const std::string& what) {
  if (error_.empty()) error_ = what;
}

bool OrderedSpool::spill(Slot& s, std::string_view* bytes) {
  if (spill_broken_) return false;
  if (spill_fd_ < 0) {
    std::string why;
    spill_fd_ = open_spill_file(&why);
    if (spill_fd_ < 0) {
      spill_broken_ = true;
      fail(why);
      return false;
    }
  }
  while (!bytes->empty()) {
    ssize_t n = pwrite(spill_fd_, bytes->data(), bytes->size(), static_cast<off_t>(spill_end_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A full disk: the rest waits in memory, after what the file holds.
      spill_broken_ = true;
      fail(std::string("writing the temporary file for ordered output: ") + std::strerror(n < 0 ? errno : ENOSPC));
      return false;
    }
    size_t written = static_cast<size_t>(n);
    if (!s.pieces.empty() && s.pieces.back().offset + s.pieces.back().size == spill_end_) {
      s.pieces.back().size += written;
    } else {
      s.pieces.push_back({spill_end_, written});
    }
    spill_end_ += written;
    spilled_ += written;
    bytes->remove_prefix(written);
  }
  return true;
}

void OrderedSpool::append(size_t slot, std::string_view bytes) {
  if (bytes.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Slot& s = slots_[slot];
  if (slot == head_) {
    sink_(bytes);
    return;
  }
  // A slot that has spilled keeps spilling, so its bytes stay in order.
  bool spilling = !s.pieces.empty() || buffered_ + bytes.size() > budget_;
  if (spilling && spill(s, &bytes)) return;
  (s.pieces.empty() ? s.memory : s.after_spill).append(bytes);
  buffered_ += bytes.size();
}

void OrderedSpool::flush(Slot& s) {
  auto write = [&](std::string& held) {
    if (!held.empty()) sink_(held);
    buffered_ -= held.size();
    std::string().swap(held);
  };
  write(s.memory);
  std::string chunk;
  for (const Piece& p : s.pieces) {
    chunk.resize(std::min<size_t>(p.size, 1u << 20));
    for (size_t done = 0; done < p.size;) {
      ssize_t n = pread(spill_fd_, chunk.data(), std::min(chunk.size(), p.size - done),
                        static_cast<off_t>(p.offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        lost_ = true;
        fail(std::string("reading back the temporary file for ordered output: ") +
             (n < 0 ? std::strerror(errno) : "file shorter than written"));
        break;
      }
      sink_(std::string_view(chunk.data(), static_cast<size_t>(n)));
      done += static_cast<size_t>(n);
    }
#ifdef FALLOC_FL_PUNCH_HOLE
    // Give the disk space back as the file is read (best effort).
    fallocate(spill_fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(p.offset),
              static_cast<off_t>(p.size));
#endif
  }
  s.pieces.clear();
  s.pieces.shrink_to_fit();
  write(s.after_spill);
}

void OrderedSpool::close(size_t slot) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_[slot].closed = true;
  while (head_ < slots_.size() && slots_[head_].closed) {
    flush(slots_[head_]);
    ++head_;
    // The new head writes through from now on; what it gathered goes first.
    if (head_ < slots_.size()) flush(slots_[head_]);
  }
}

std::string OrderedSpool::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

bool OrderedSpool::lost_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lost_;
}

size_t OrderedSpool::buffered_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_;
}

size_t OrderedSpool::spilled_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spilled_;
}

}  // namespace l4s
