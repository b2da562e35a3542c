// Shell command lines for the end-to-end tests: run one, read its output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace l4s::test {

struct ShellResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;     // standard output; stderr goes where the command line sends it
};

inline ShellResult run_shell(const std::string& command) {
  ShellResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Single-quoted for /bin/sh (a quote inside is closed, escaped and reopened).
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace l4s::test
