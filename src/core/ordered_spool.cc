#include "core/ordered_spool.h"

#include <cerrno>
#include <cstring>

namespace l4s::core {

OrderedSpool::OrderedSpool(size_t slots, std::function<void(std::string_view)> sink, size_t memory_budget)
    : slots_(slots), sink_(std::move(sink)), budget_(memory_budget) {}

OrderedSpool::~OrderedSpool() {
  for (Slot& s : slots_)
    if (s.spill) std::fclose(s.spill);
}

void OrderedSpool::Append(size_t slot, std::string_view bytes) {
  if (bytes.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Slot& s = slots_[slot];
  if (slot == head_) {
    sink_(bytes);
    return;
  }
  if (s.spill == nullptr && buffered_ + bytes.size() > budget_ && error_.empty()) {
    s.spill = std::tmpfile();
    if (s.spill == nullptr) error_ = std::string("temporary file for ordered output: ") + std::strerror(errno);
  }
  if (s.spill != nullptr && !s.spill_failed) {
    size_t written = std::fwrite(bytes.data(), 1, bytes.size(), s.spill);
    spilled_ += written;
    if (written == bytes.size()) return;
    // A full disk: the rest waits in memory, after what the file holds.
    s.spill_failed = true;
    error_ = std::string("writing a temporary file for ordered output: ") + std::strerror(errno);
    bytes.remove_prefix(written);
  }
  (s.spill != nullptr ? s.after_spill : s.memory).append(bytes);
  buffered_ += bytes.size();
}

void OrderedSpool::Flush(Slot& s) {
  auto write = [&](std::string& held) {
    if (!held.empty()) sink_(held);
    buffered_ -= held.size();
    std::string().swap(held);
  };
  write(s.memory);
  if (s.spill != nullptr) {
    std::fflush(s.spill);
    std::rewind(s.spill);
    std::string chunk(1u << 20, '\0');
    size_t n;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), s.spill)) > 0) sink_(std::string_view(chunk.data(), n));
    if (std::ferror(s.spill)) error_ = std::string("reading a temporary file for ordered output: ") + std::strerror(errno);
    std::fclose(s.spill);
    s.spill = nullptr;
  }
  write(s.after_spill);
}

void OrderedSpool::Close(size_t slot) {
  std::lock_guard<std::mutex> lock(mu_);
  slots_[slot].closed = true;
  while (head_ < slots_.size() && slots_[head_].closed) {
    Flush(slots_[head_]);
    ++head_;
    // The new head writes through from now on; what it gathered goes first.
    if (head_ < slots_.size()) Flush(slots_[head_]);
  }
}

std::string OrderedSpool::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

size_t OrderedSpool::buffered_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_;
}

size_t OrderedSpool::spilled_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spilled_;
}

}  // namespace l4s::core
