// The name of this machine, as every report records it.
#pragma once

#include <string>

namespace l4s {

// gethostname(), or "unknown" when it fails.
std::string host_name();

}  // namespace l4s
