// What `fix` reports and decides after fixing file by file: the evidence each
// finding gets, the running JVMs that still hold a replaced file, the merged
// findings and errors, and the tally behind the exit code.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/finding.h"
#include "inventory/file_scanner.h"
#include "process/processes.h"
#include "remediate/fixer.h"

namespace l4s::remediate {

// path -> finding locations to fix in it (empty: every target).
using FixTargets = std::map<std::string, std::set<std::string>>;

// The files of a fresh scan that hold a target (every location in each).
FixTargets fix_targets_of_scan(const std::vector<Finding>& found, bool log4j1);

// The vulnerable findings a scan report names (each is judged again before
// fixing); findings without a path or a location are passed over.
FixTargets fix_targets_of_report(const std::vector<Finding>& reported);

// The evidence and errors describing what fix did to one file's findings.
void annotate_fix(const FileFix& r, const std::string& backup_dir, std::vector<Finding>* findings,
                  std::vector<ScanError>* errors);

// True when some file was replaced on disk (fixed, or partly).
bool replaced(const FileFix& r);

// real path -> "pid N (user): command" of each running JVM that opened a
// replaced file (a class-path entry not opened yet will load the fixed file).
using RestartHolders = std::map<std::string, std::vector<std::string>>;
RestartHolders restart_holders(const std::vector<FileFix>& results, const std::vector<process::JavaProcess>& jvms);

struct FixReportBody {
  std::vector<Finding> findings;  // sorted by location (stable)
  std::vector<ScanError> errors;  // sorted by location then error, duplicates removed
};

// The scan's findings and errors with those of every re-done file replaced
// by its re-scan (after, else before), annotated, and restart notes added.
FixReportBody merge_fix_report(const inventory::ScanOutput& found, const std::vector<FileFix>& results,
                               const RestartHolders& holders, const std::string& backup_dir);

struct FixTally {
  size_t fixed = 0;        // targets fixed (dry run: would be)
  size_t remain = 0;       // targets, or files without any, left vulnerable
  size_t files_fixed = 0;  // files replaced on disk
  bool all_fixed() const { return remain == 0; }  // the exit decision: 0, else 1
};
FixTally tally_fixes(const std::vector<FileFix>& results);

// "fixed        /opt/a.jar (1 entry removed)": the per-file progress line.
std::string fix_progress_line(const FileFix& r);

// "3 vulnerable copies fixed, 1 not fixed; backups and journal in DIR".
std::string fix_summary_line(const FixTally& t, bool dry_run, const std::string& backup_dir);

}  // namespace l4s::remediate
