#include "cli/app.h"

#include <memory>
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
  // Registered before --version: CLI11 runs the callbacks in that order, and
  // the version callback must see the format.
  auto version_format = std::make_shared<std::string>("text");
  app.add_option("--format", *version_format, "With --version: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.set_version_flag(
      "--version",
      [version_format] {
        const buildinfo::BuildInfo& info = buildinfo::build_info();
        if (*version_format == "json") return buildinfo::version_json(info);
        std::string text = buildinfo::version_text(info);
        text.pop_back();  // CLI11 ends the line itself
        return text;
      },
      "Print the version, commit, build date, compiler and bundled library versions (--format json: as JSON), "
      "and exit");
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
