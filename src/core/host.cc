#include "core/host.h"

#include <unistd.h>

namespace l4s {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace l4s
