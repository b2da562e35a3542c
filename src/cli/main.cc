#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

#ifndef L4S_VERSION
#define L4S_VERSION "0.0.0"
#endif

namespace {

// A repeatable option takes one value per occurrence, as --exclude GLOB
// promises: `scan --exclude '*.bak' /opt/app` (or --exclude=*.bak) must keep
// /opt/app a path, not take it as a second glob and scan all of /. CLI11
// lets container options take every following argument unless told.
void one_value_per_occurrence(CLI::App& app) {
  for (CLI::Option* option : app.get_options())
    if (!option->get_positional()) option->allow_extra_args(false);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) one_value_per_occurrence(*sub);
}

}  // namespace

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
  one_value_per_occurrence(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // --help and --version are successes; everything else is a usage error.
    return rc == 0 ? 0 : l4s::cli::kExitUsage;
  }
  return exit_code;
}
