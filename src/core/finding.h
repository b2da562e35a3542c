// The models every stage of `scan` produces and every sink formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace l4s {

enum class FindingStatus { kVulnerable, kMitigated, kSafe };  // finding status
enum class Severity { kNone, kLow, kMedium, kHigh, kCritical };

const char* to_string(FindingStatus s);
const char* to_string(Severity s);

// The running process a finding was loaded by (scan --processes).
struct ProcessRef {
  int pid = 0;
  std::string user;
  std::string command;
  bool deleted_on_disk = false;   // the JVM runs a jar since deleted or replaced
  bool no_lookups_flag = false;   // -Dlog4j2.formatMsgNoLookups=true or LOG4J_FORMAT_MSG_NO_LOOKUPS
};

// One copy of a logging library found somewhere (a file, a nested entry, a folder).
struct Finding {
  std::string path;        // file on disk holding it (outermost)
  std::string location;    // path!/entry!/entry for nested copies
  std::string component;   // "log4j-core" | "log4j" | "logback-classic"
  std::optional<std::string> version;  // exact release when known
  std::string version_range;           // e.g. "2.13.0..2.14.1" when the exact release is unknown
  std::string version_source;          // "pom" | "manifest" | "classes" | "filename" | "hash"
  FindingStatus status = FindingStatus::kSafe;
  std::vector<std::string> cves;       // sorted, open CVEs (mitigated ones excluded)
  std::vector<std::string> mitigated_cves;  // neutralised by removing classes
  Severity severity = Severity::kNone;
  std::string shaded_prefix;           // package prefix before core/ when relocated, else ""
  bool metadata_mismatch = false;      // metadata claims a release the classes contradict
  std::optional<std::string> claimed_version;  // what pom/manifest/filename said
  std::vector<std::string> evidence;   // human-readable reasons
  std::optional<ProcessRef> process;   // set when found in a running JVM
};

// A location that could not be read completely; the scan goes on.
struct ScanError {
  std::string location;
  std::string error;
};

struct ScanStats {
  uint64_t files = 0;      // regular files examined
  uint64_t archives = 0;   // archives opened (nested ones included)
  uint64_t bytes_read = 0; // bytes of file content read from disk
  uint64_t errors = 0;
  double seconds = 0;
  uint64_t apple_double = 0;  // AppleDouble resource forks (._NAME) skipped, not opened
};

}  // namespace l4s
