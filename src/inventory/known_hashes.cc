#include "inventory/known_hashes.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace l4s::inventory {
namespace {

struct KnownHash {
  std::string_view md5;
  ReleaseSpan span;
};

// Research notes 1.2 (Maven Central builds). The shaded New Relic agent copy
// of 2.17.1 (logpresso's table) is included because it is a common one.
constexpr std::array<KnownHash, 19> kJndiManager{{
    {"6b15f42c333ac39abacfeeeb18852a44", {"2.1", "2.3"}},
    {"2128ed66f0a5dbc8b5a81ec2376dfea0", {"2.3.1", "2.3.1"}},
    {"a796bc9b7a227ec08e229b09ff0c1ff1", {"2.3.2", "2.3.2"}},
    {"8b2260b1cce64144f6310876f94b1638", {"2.4", "2.5"}},
    {"3bd9f41b89ce4fe8ccbf73e43195a5ce", {"2.6", "2.6.2"}},
    {"415c13e7c8505fb056d540eac29b72fa", {"2.7", "2.8.1"}},
    {"a193703904a3f18fb3c90a877eb5c8a7", {"2.8.2", "2.8.2"}},
    {"04fdd701809d17465c17c7e603b1b202", {"2.9.0", "2.11.2"}},
    {"5824711d6c68162eb535cc4dbf7485d3", {"2.12.0", "2.12.1"}},
    {"102cac5b7726457244af1f44e54ff468", {"2.12.2", "2.12.2"}},
    {"5d058c91e71038ed3ba66f29a071994c", {"2.12.3", "2.12.3"}},
    {"909f3304825153542280d20a975d3114", {"2.12.4", "2.12.4"}},
    {"21f055b62c15453f0d7970a9d994cab7", {"2.13.0", "2.13.3"}},
    {"f1d630c48928096a484e4b95ccb162a0", {"2.14.0", "2.14.1"}},
    {"5d253e53fa993e122ff012221aa49ec3", {"2.15.0", "2.15.0"}},
    {"ba1cf8f81e7b31c709768561ba8ab558", {"2.16.0", "2.16.0"}},
    {"3dc5cf97546007be53b2f3d44028fa58", {"2.17.0", "2.17.0"}},
    {"3c3a43af0930a658716b870e66db1569", {"2.17.1", "2.17.1"}},
    {"e2c6b2691738bb653f1ff6dc4b967a42", {"2.17.1", "2.17.1"}},  // shaded (New Relic agent)
}};

}  // namespace

std::string md5_hex(std::string_view bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &n) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

const ReleaseSpan* jndi_manager_release(std::string_view md5) {
  for (const auto& k : kJndiManager)
    if (k.md5 == md5) return &k.span;
  return nullptr;
}

}  // namespace l4s::inventory
