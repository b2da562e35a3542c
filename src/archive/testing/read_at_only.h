// A byte source that hides data(), so that parsers take their read_at paths
// (the copying, non-mmap ones) in tests and fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "archive/byte_source.h"

namespace l4s::archive {

class ReadAtOnly : public ByteSource {
 public:
  explicit ReadAtOnly(SourcePtr inner) : inner_(std::move(inner)) {}
  uint64_t size() const override { return inner_->size(); }
  bool read_at(uint64_t o, void* b, size_t n) const override { return inner_->read_at(o, b, n); }

 private:
  SourcePtr inner_;
};

}  // namespace l4s::archive
