// SHA-256 (OpenSSL EVP), hex-encoded: content identities (backups, fleet
// report keys) and stable ids (SARIF fingerprints).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace l4s {

// Streaming digest.
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

// sha256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

// True for 64 lowercase hex digits.
bool is_sha256_hex(const std::string& s);

}  // namespace l4s
