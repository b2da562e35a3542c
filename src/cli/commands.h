// Each command registers its subcommand and flags; the callback it installs
// runs the command and stores the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace l4s::cli {

// Exit codes shared by every command.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFound = 1;       // something vulnerable / detected
inline constexpr int kExitIncomplete = 2;  // nothing found, but some locations unreadable
inline constexpr int kExitUsage = 64;

void add_scan_command(CLI::App& app, int& exit_code);
void add_fix_command(CLI::App& app, int& exit_code);
void add_restore_command(CLI::App& app, int& exit_code);
void add_canary_command(CLI::App& app, int& exit_code);
void add_probe_command(CLI::App& app, int& exit_code);
void add_hunt_command(CLI::App& app, int& exit_code);
void add_fleet_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);

}  // namespace l4s::cli
