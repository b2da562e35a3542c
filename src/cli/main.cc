#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

#ifndef L4S_VERSION
#define L4S_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"log4shield: find, fix and hunt Log4Shell (CVE-2021-44228 and follow-ups)"};
  app.set_version_flag("--version", "log4shield " L4S_VERSION);
  app.require_subcommand(1);
  int exit_code = l4s::cli::kExitClean;
  l4s::cli::add_scan_command(app, exit_code);
  l4s::cli::add_fix_command(app, exit_code);
  l4s::cli::add_restore_command(app, exit_code);
  l4s::cli::add_canary_command(app, exit_code);
  l4s::cli::add_probe_command(app, exit_code);
  l4s::cli::add_hunt_command(app, exit_code);
  l4s::cli::add_fleet_command(app, exit_code);
  l4s::cli::add_report_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // --help and --version are successes; everything else is a usage error.
    return rc == 0 ? 0 : l4s::cli::kExitUsage;
  }
  return exit_code;
}
