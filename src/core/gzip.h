// gzip (RFC 1952) in memory: reports are gzipped on the way to `fleet serve`
// and inflated there, with a bound so a small bomb cannot fill memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace l4s {

// gzip of `data` (fast level: it is for the wire).
std::string gzip(std::string_view data);

// Inflates gzip data (concatenated members too); an error when it is not
// complete gzip or would exceed `limit` bytes (*too_large says which).
Result<std::string> gunzip_bounded(std::string_view data, size_t limit, bool* too_large);

}  // namespace l4s
