// What `fleet import` and `report FILE...` share: importing files into a
// store (fleet::Store::import_files) with their lines on stderr.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fleet/store.h"

namespace l4s::cli {

// Imports files ("-" = stdin); errors go to stderr as "log4shield fleet
// import: ...", and a line per file unless quiet (or more than 50 files).
fleet::ImportCounts import_files(fleet::Store& store, const std::vector<std::string>& files, const std::string& host,
                                 bool quiet);

// `fleet serve` and `fleet token create|list|revoke` (fleet_serve_command.cc).
void add_fleet_serve_commands(CLI::App& fleet, int& exit_code);

}  // namespace l4s::cli
