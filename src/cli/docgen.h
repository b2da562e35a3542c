// Man pages (man(7) macros) and bash/zsh completion scripts, written from the
// CLI::App tree the binary parses with: every command and flag --help shows
// (hidden ones excluded) and nothing else.
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace l4s::cli {

struct DocgenInfo {
  std::string version;  // "0.9.0"
  std::string date;     // "2026-12-08", the build date (reproducible)
};

// File name ("log4shield.1", "log4shield-fleet-serve.1") -> roff source, one
// page for the program and one per command at every depth.
std::map<std::string, std::string> man_pages(const CLI::App& app, const DocgenInfo& info);

// The bash completion script (defines _log4shield, `complete`s log4shield).
std::string bash_completion(const CLI::App& app);

// The zsh completion script (#compdef log4shield).
std::string zsh_completion(const CLI::App& app);

}  // namespace l4s::cli
