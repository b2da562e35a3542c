// Container view of an exploded class folder (e.g. WEB-INF/classes), so the
// detectors that read jars also read unpacked copies.
#pragma once

#include <string>
#include <vector>

#include "inventory/container.h"

namespace l4s::inventory {

class DirectoryContainer : public Container {
 public:
  // Lists regular files below root (no symlinks followed), at most max_entries.
  explicit DirectoryContainer(std::string root, size_t max_entries = 200000);
  size_t entry_count() const override { return entries_.size(); }
  std::string_view entry_name(size_t i) const override { return entries_[i].name; }
  uint64_t entry_size(size_t i) const override { return entries_[i].size; }
  Result<std::string> read_entry(size_t i, uint64_t max_bytes) const override;

 private:
  struct Entry {
    std::string name;  // relative to root, '/'-separated
    uint64_t size;
  };
  std::string root_;
  std::vector<Entry> entries_;
};

}  // namespace l4s::inventory
