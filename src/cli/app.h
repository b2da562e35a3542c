// The whole command line: every command and flag registered on one CLI::App.
// main parses with it; the doc generator walks it for the man pages and the
// shell completions, so they cannot drift from --help.
#pragma once

#include <CLI/CLI.hpp>

namespace l4s::cli {

// Registers every command on `app`; their callbacks store the exit code in
// `exit_code`, which must outlive the parse.
void build_app(CLI::App& app, int& exit_code);

}  // namespace l4s::cli
