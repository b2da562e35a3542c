// One output path for every command that writes a report: standard output,
// or --output FILE written atomically; one message and one exit code when
// that fails; one rule for when text gets colours.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace l4s::cli {

// Writes the whole report to the stream it is given.
using ReportWriter = std::function<void(std::ostream&)>;

// The exit code of a command whose report could not be written (every
// command: the run may have been fine, but its result is lost).
inline constexpr int kExitWriteFailed = kExitIncomplete;

// True when `output` means standard output: "" or "-".
bool is_stdout(const std::string& output);

// ANSI colours for text output: not switched off, going to stdout, and
// stdout is a terminal.
bool use_color(bool no_color, const std::string& output);

// Runs `write` into standard output (flushed and checked) or, for a file,
// into `output` atomically (temp file, fsync, rename, fsync of the folder).
// On failure prints "log4shield COMMAND: cannot write WHAT: REASON" on stderr
// and returns false; the caller exits with kExitWriteFailed.
// `command` is what follows "log4shield " ("scan", "fleet status").
bool write_output(std::string_view command, const std::string& output, const ReportWriter& write,
                  std::string_view what = "report");

}  // namespace l4s::cli
