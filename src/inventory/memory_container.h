// A Container over entries held in memory: for tests, fuzzing, and callers
// that already hold the bytes (e.g. an entry list built from a tar stream).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "inventory/container.h"

namespace l4s::inventory {

class MemoryContainer : public Container {
 public:
  MemoryContainer() = default;
  // Adds an entry; names ending in '/' are directories.
  MemoryContainer& add(std::string name, std::string content = {}) {
    entries_.push_back({std::move(name), std::move(content), false});
    return *this;
  }
  // Adds an entry whose content cannot be read (as a damaged zip entry).
  MemoryContainer& add_unreadable(std::string name, uint64_t size = 0) {
    entries_.push_back({std::move(name), std::string(size, '\0'), true});
    return *this;
  }

  size_t entry_count() const override { return entries_.size(); }
  std::string_view entry_name(size_t i) const override { return entries_[i].name; }
  uint64_t entry_size(size_t i) const override { return entries_[i].content.size(); }
  Result<std::string> read_entry(size_t i, uint64_t max_bytes) const override {
    const Entry& e = entries_[i];
    if (e.unreadable) return Result<std::string>::failure("unsupported compression method");
    if (e.content.size() > max_bytes)
      return Result<std::string>::failure("larger than " + std::to_string(max_bytes) + " bytes");
    return e.content;
  }

 private:
  struct Entry {
    std::string name;
    std::string content;
    bool unreadable;
  };
  std::vector<Entry> entries_;
};

}  // namespace l4s::inventory
