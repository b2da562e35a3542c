// What this binary is: its version (from the repository's VERSION file), the
// commit it was built from, when and with what, and every bundled library's
// version as linked. `--version` prints it; an SBOM generator reads it.
#pragma once

#include <string>
#include <vector>

namespace l4s::buildinfo {

struct Library {
  std::string name;     // "zlib", "OpenSSL", ...
  std::string version;  // "1.2.13"
  // true: the library reported it at run time (what is linked); false: its
  // header said so at build time (header-only libraries, and those that have
  // no version function).
  bool runtime = false;
};

struct BuildInfo {
  std::string version;     // "0.9.0"
  std::string commit;      // `git describe --always --dirty` at configure time, or "unknown"
  std::string build_date;  // UTC, ISO-8601; SOURCE_DATE_EPOCH when set
  std::string compiler;    // "GCC 12.2.0"
  std::vector<Library> libraries;
};

// Gathered once, on first use.
const BuildInfo& build_info();

// The text `log4shield --version` prints.
std::string version_text(const BuildInfo& info);

// The same as one JSON object (`--version --format json`): name, version,
// commit, build_date, compiler, libraries[{name, version, source: "runtime" or
// "headers"}].
std::string version_json(const BuildInfo& info);

}  // namespace l4s::buildinfo
