// `fix` for one file: re-scans it, plans which entries to remove from which
// (nested) archive, backs the original up, writes the rewritten file beside
// it, proves the result (every kept entry byte-identical, every CRC good, the
// scan now says mitigated) and only then renames it over the original. A tar
// inside a zip is rewritten as a tar, then put back in the zip.
// An exploded class folder is fixed by moving the files into the backup
// store, once the folder without them is proven to scan mitigated.
//
// What is removed, and only from copies the scan judges vulnerable:
// - log4j-core with CVE-2021-44228 or CVE-2021-45046 open: every genuine
//   JndiLookup class of that copy (any shading prefix, any class extension);
// - with log4j1, log4j 1.x with a removable CVE open: the classes behind it
//   (SocketServer/SimpleSocketServer/SocketNode, JMSAppender, JMSSink,
//   JDBCAppender, the chainsaw package);
// - with unsign, the signature files of every signed archive that changes.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/finding.h"
#include "core/result.h"
#include "inventory/file_scanner.h"

namespace l4s::remediate {

struct FixOptions {
  bool dry_run = false;
  bool log4j1 = false;
  bool unsign = false;
  std::string backup_dir;  // required unless dry_run
  std::string tool_version;
};

// True for a copy `fix` removes classes from (see above).
bool is_fix_target(const Finding& f, bool log4j1);

enum class FixOutcome {
  kFixed,        // rewritten and renamed over the original
  kWouldFix,     // dry run: every step up to writing succeeded
  kNothingToDo,  // no target in the file (any more)
  kPartial,      // fixed, but some targets in it could not be
  kRefused,      // left alone on purpose (signed, corrupt, obfuscated, ...)
  kFailed,       // an error stopped it; the original is untouched
};
const char* to_string(FixOutcome o);

struct TargetResult {
  std::string location;              // the vulnerable copy's container (finding location)
  std::string component;
  bool fixed = false;                // (dry run: would be)
  std::string reason;                // when not fixed
  std::vector<std::string> removed;  // location!/entry of every entry removed for it (folder: location/file)
  std::vector<std::string> cves;     // the CVEs removing them closes
};

struct FileFix {
  std::string path;       // as given (what findings are named by)
  std::string real_path;  // the file written (symlinks resolved)
  bool class_folder = false;  // an exploded class folder: files were moved out of it
  FixOutcome outcome = FixOutcome::kNothingToDo;
  std::string reason;     // file-level refusal or failure
  std::vector<TargetResult> targets;
  std::vector<std::string> removed;   // every entry removed (location!/entry)
  std::vector<std::string> warnings;
  std::string original_sha256;  // folder: of the first file moved into the store
  std::string fixed_sha256;
  std::vector<Finding> before;        // fresh scan of the file
  std::vector<ScanError> scan_errors;
  std::vector<Finding> after;         // scan of the rewritten bytes (fixed / would fix)
  double seconds = 0;
};

class Fixer {
 public:
  Fixer(const FixOptions& options, inventory::FileScanner& scanner);
  ~Fixer();
  Fixer(const Fixer&) = delete;
  Fixer& operator=(const Fixer&) = delete;

  // Opens (creates) the backup store; a no-op in a dry run.
  Status prepare();
  // Fixes the targets in one regular file. locations limits which finding
  // locations are addressed (empty: every target the fresh scan finds).
  // Not thread-safe; files are fixed one at a time.
  FileFix fix_file(const std::string& path, const std::set<std::string>& locations = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l4s::remediate
