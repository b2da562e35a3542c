// Streaming SHA-256 (OpenSSL), hex-encoded: the identity of every file the
// fixer backs up, writes or restores.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "archive/byte_source.h"
#include "core/result.h"

namespace l4s::remediate {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  std::string hex();  // finishes; call once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(const void* data, size_t n);
Result<std::string> sha256_of_source(const archive::ByteSource& src);
Result<std::string> sha256_of_file(const std::string& path);

// True for 64 lowercase hex digits.
bool is_sha256_hex(const std::string& s);

}  // namespace l4s::remediate
