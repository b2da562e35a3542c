#include "remediate/fix_report.h"

#include <algorithm>

#include <fmt/format.h>

namespace l4s::remediate {
namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

FixTargets fix_targets_of_scan(const std::vector<Finding>& found, bool log4j1) {
  FixTargets wanted;
  for (const Finding& f : found)
    if (is_fix_target(f, log4j1)) wanted[f.path];
  return wanted;
}

FixTargets fix_targets_of_report(const std::vector<Finding>& reported) {
  FixTargets wanted;
  for (const Finding& f : reported)
    if (f.status == FindingStatus::kVulnerable && !f.path.empty() && !f.location.empty())
      wanted[f.path].insert(f.location);
  return wanted;
}

bool replaced(const FileFix& r) { return r.outcome == FixOutcome::kFixed || r.outcome == FixOutcome::kPartial; }

void annotate_fix(const FileFix& r, const std::string& backup_dir, std::vector<Finding>* findings,
                  std::vector<ScanError>* errors) {
  for (Finding& f : *findings) {
    for (const TargetResult& t : r.targets) {
      if (t.location != f.location || t.component != f.component) continue;
      if (t.fixed && replaced(r)) {
        f.evidence.push_back("fixed by log4shield: removed " + join(t.removed, ", "));
        if (r.class_folder) {
          // original_sha256 is the first file's: named only when it is the one.
          f.evidence.push_back("moved into the backup store " + backup_dir +
                               (r.removed.size() == 1 ? " (sha256 " + r.original_sha256 + ")" : std::string()) +
                               "; restore puts it back");
          // Loaded classes are not open files: no JVM can be named as holding it.
          f.evidence.push_back("a running JVM that already loaded it keeps it until restarted");
        } else {
          f.evidence.push_back("original backed up as sha256 " + r.original_sha256 + " in " + backup_dir);
        }
      } else if (t.fixed && r.outcome == FixOutcome::kWouldFix) {
        f.evidence.push_back("dry run: would remove " + join(t.removed, ", "));
      } else {
        f.evidence.push_back("not fixed: " + (t.fixed ? r.reason : t.reason));
      }
    }
  }
  const bool file_failed =
      r.outcome == FixOutcome::kFailed || (r.outcome == FixOutcome::kRefused && !r.reason.empty());
  for (const TargetResult& t : r.targets) {
    if (!t.fixed) errors->push_back({t.location, "not fixed: " + t.reason});
  }
  if (file_failed && std::all_of(r.targets.begin(), r.targets.end(), [](const auto& t) { return t.fixed; })) {
    errors->push_back({r.path, "not fixed: " + r.reason});
  }
  for (const std::string& w : r.warnings) errors->push_back({r.path, "warning: " + w});
}

RestartHolders restart_holders(const std::vector<FileFix>& results, const std::vector<process::JavaProcess>& jvms) {
  RestartHolders holders;
  for (const process::JavaProcess& p : jvms) {
    for (const process::LoadedJar& jar : p.jars) {
      if (jar.source == "classpath") continue;  // not opened yet: it will load the fixed file
      for (const auto& r : results) {
        if (r.real_path == jar.path && replaced(r)) {
          holders[r.real_path].push_back(
              fmt::format("pid {} ({}): {}", p.pid, p.user, process::short_command(p.cmdline, 80)));
        }
      }
    }
  }
  return holders;
}

FixReportBody merge_fix_report(const inventory::ScanOutput& found, const std::vector<FileFix>& results,
                               const RestartHolders& holders, const std::string& backup_dir) {
  FixReportBody out;
  std::set<std::string> redone;
  out.errors = found.errors;
  for (const auto& r : results) {
    redone.insert(r.path);
    std::vector<Finding> fs = r.after.empty() ? r.before : r.after;
    std::vector<ScanError> es;
    annotate_fix(r, backup_dir, &fs, &es);
    auto h = holders.find(r.real_path);
    if (h != holders.end()) {
      for (Finding& f : fs)
        for (const auto& who : h->second) f.evidence.push_back("old copy still loaded by " + who + ": restart it");
      for (const auto& who : h->second) es.push_back({r.path, "restart needed: " + who + " still holds the old file"});
    }
    for (const auto& e : r.scan_errors) es.push_back(e);
    out.findings.insert(out.findings.end(), fs.begin(), fs.end());
    out.errors.insert(out.errors.end(), es.begin(), es.end());
  }
  for (const Finding& f : found.findings)
    if (!redone.count(f.path)) out.findings.push_back(f);
  // scan_errors of re-done files duplicate the walk's: keep one of each.
  auto same = [](const ScanError& a, const ScanError& b) { return a.location == b.location && a.error == b.error; };
  auto by_location = [](const auto& a, const auto& b) { return a.location < b.location; };
  std::stable_sort(out.findings.begin(), out.findings.end(), by_location);
  std::stable_sort(out.errors.begin(), out.errors.end(), [](const ScanError& a, const ScanError& b) {
    return a.location != b.location ? a.location < b.location : a.error < b.error;
  });
  out.errors.erase(std::unique(out.errors.begin(), out.errors.end(), same), out.errors.end());
  return out;
}

FixTally tally_fixes(const std::vector<FileFix>& results) {
  FixTally t;
  for (const auto& r : results) {
    for (const auto& target : r.targets) {
      const bool ok = target.fixed && (replaced(r) || r.outcome == FixOutcome::kWouldFix);
      ok ? ++t.fixed : ++t.remain;
    }
    if (r.targets.empty() && r.outcome != FixOutcome::kNothingToDo) ++t.remain;
    if (replaced(r)) ++t.files_fixed;
  }
  return t;
}

std::string fix_progress_line(const FileFix& r) {
  std::string line = fmt::format("{:<13} {}", to_string(r.outcome), r.path);
  if (!r.removed.empty())
    line += fmt::format(" ({} entr{} removed)", r.removed.size(), r.removed.size() == 1 ? "y" : "ies");
  std::string reason = r.reason;
  if (reason.starts_with(r.path + ": ")) reason.erase(0, r.path.size() + 2);
  if (!reason.empty()) line += ": " + reason;
  return line;
}

std::string fix_summary_line(const FixTally& t, bool dry_run, const std::string& backup_dir) {
  std::string line = fmt::format("{}{} vulnerable cop{} {}, {} not fixed", dry_run ? "dry run: " : "", t.fixed,
                                 t.fixed == 1 ? "y" : "ies", dry_run ? "would be fixed" : "fixed", t.remain);
  if (t.files_fixed) line += fmt::format("; backups and journal in {}", backup_dir);
  return line;
}

}  // namespace l4s::remediate
