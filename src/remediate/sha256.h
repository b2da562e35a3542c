// SHA-256 of byte sources and files: the identity of every file the fixer
// backs up, writes or restores. The digest itself is core's (core/sha256.h).
#pragma once

#include <string>

#include "archive/byte_source.h"
#include "core/result.h"
#include "core/sha256.h"

namespace l4s::remediate {


Result<std::string> sha256_of_source(const archive::ByteSource& src);
Result<std::string> sha256_of_file(const std::string& path);

}  // namespace l4s::remediate
