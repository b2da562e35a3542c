// --low-priority and --max-read-rate: scan, fix and hunt on production hosts.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace l4s::cli {

struct ProductionFlags {
  bool low_priority = false;
  double max_read_rate_mib = 0;  // MiB/s; 0: unlimited
};

void add_production_flags(CLI::App& cmd, ProductionFlags& flags);

// Applies them to this process before the run starts its threads; false
// (after a message naming `command`) when the priority cannot be lowered.
bool apply_production_flags(const std::string& command, const ProductionFlags& flags);

}  // namespace l4s::cli
