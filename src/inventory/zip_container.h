// Container view of a ZIP archive for the detectors.
#pragma once

#include "archive/zip_reader.h"
#include "inventory/container.h"

namespace l4s::inventory {

class ZipContainer : public Container {
 public:
  explicit ZipContainer(const archive::ZipReader& reader) : reader_(reader) {}
  size_t entry_count() const override { return reader_.entries().size(); }
  std::string_view entry_name(size_t i) const override { return reader_.entries()[i].name; }
  uint64_t entry_size(size_t i) const override { return reader_.entries()[i].uncompressed_size; }
  Result<std::string> read_entry(size_t i, uint64_t max_bytes) const override {
    return reader_.read(reader_.entries()[i], max_bytes);
  }

 private:
  const archive::ZipReader& reader_;
};

}  // namespace l4s::inventory
