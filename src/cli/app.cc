#include "cli/app.h"

#include <string>

#include "buildinfo/build_info.h"
#include "cli/commands.h"

namespace l4s::cli {
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

void build_app(CLI::App& app, int& exit_code) {
  app.description("log4shield: find, fix and hunt Log4Shell (CVE-2021-44228 and follow-ups)");
  app.set_version_flag(
      "--version",
      [] {
        std::string text = buildinfo::version_text(buildinfo::build_info());
        text.pop_back();  // CLI11 ends the line itself
        return text;
      },
      "Print the version, commit, build date, compiler and bundled library versions, and exit");
  app.require_subcommand(1);
  add_scan_command(app, exit_code);
  add_fix_command(app, exit_code);
  add_restore_command(app, exit_code);
  add_canary_command(app, exit_code);
  add_probe_command(app, exit_code);
  add_hunt_command(app, exit_code);
  add_fleet_command(app, exit_code);
  add_report_command(app, exit_code);
  one_value_per_occurrence(app);
}

}  // namespace l4s::cli
