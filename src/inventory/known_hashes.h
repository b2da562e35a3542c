// MD5 digests of log4j-core's net/JndiManager.class per release, as shipped on
// Maven Central (verified against the sample jars in the research notes and
// identical to palantir's and fox-it's published tables). A hash only ever
// confirms or narrows what the class markers decide: distro rebuilds and
// shading change it, so an unknown hash means nothing.
#pragma once

#include <string>
#include <string_view>

namespace l4s::inventory {

// Lower-case hex MD5 of bytes (OpenSSL EVP).
std::string md5_hex(std::string_view bytes);

// Inclusive release range a JndiManager.class with this MD5 belongs to.
struct ReleaseSpan {
  std::string_view first;
  std::string_view last;
};

// The releases whose JndiManager.class has this MD5 (lower-case hex), or
// nullptr when the hash is not a known Maven Central build.
const ReleaseSpan* jndi_manager_release(std::string_view md5);

}  // namespace l4s::inventory
