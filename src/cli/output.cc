#include "cli/output.h"

#include <unistd.h>

#include <iostream>

#include "core/atomic_file.h"

namespace l4s::cli {

bool is_stdout(const std::string& output) { return output.empty() || output == "-"; }

bool use_color(bool no_color, const std::string& output) { return !no_color && is_stdout(output) && isatty(1); }

bool write_output(std::string_view command, const std::string& output, const ReportWriter& write,
                  std::string_view what) {
  std::string error;
  if (is_stdout(output)) {
    write(std::cout);
    std::cout.flush();
    if (std::cout) return true;
    std::cout.clear();
    error = "standard output";
  } else if (write_file_atomically(output, write, &error)) {
    return true;
  }
  std::cerr << "log4shield " << command << ": cannot write " << what << ": " << error << "\n";
  return false;
}

}  // namespace l4s::cli
