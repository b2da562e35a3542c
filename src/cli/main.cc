#include <CLI/CLI.hpp>

#include "cli/app.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app;
  int exit_code = l4s::cli::kExitClean;
  l4s::cli::build_app(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // --help and --version are successes; everything else is a usage error.
    return rc == 0 ? 0 : l4s::cli::kExitUsage;
  }
  return exit_code;
}
