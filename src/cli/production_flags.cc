#include "cli/production_flags.h"

#include <iostream>
#include <memory>

#include "core/priority.h"
#include "core/read_throttle.h"

namespace l4s::cli {

void add_production_flags(CLI::App& cmd, ProductionFlags& flags) {
  cmd.add_flag("--low-priority", flags.low_priority,
               "Run at CPU nice 19 and in the idle I/O class, so the host's own work goes first");
  cmd.add_option("--max-read-rate", flags.max_read_rate_mib,
                 "Read files at most this many MiB/s, all threads together (default: unlimited)")
      ->type_name("MIB/S")
      ->check(CLI::PositiveNumber);
}

bool apply_production_flags(const std::string& command, const ProductionFlags& flags) {
  if (flags.low_priority) {
    if (Status s = set_low_priority(); !s) {
      std::cerr << "log4shield " << command << ": --low-priority: " << s.error() << "\n";
      return false;
    }
  }
  if (flags.max_read_rate_mib > 0)
    set_read_throttle(std::make_unique<ReadThrottle>(flags.max_read_rate_mib * (1 << 20)));
  return true;
}

}  // namespace l4s::cli
