// `log4shield fix [PATH...]` and `log4shield restore [PATH...]`: remove the
// JNDI lookup (and, opt-in, log4j 1.x's dangerous classes) from every
// vulnerable copy `scan` finds, nested archives included, with backups; and
// put the originals back.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/walk_flags.h"
#include "fs/walker.h"
#include "inventory/file_scanner.h"
#include "process/processes.h"
#include "remediate/backup_store.h"
#include "remediate/fixer.h"
#include "remediate/restore.h"
#include "remediate/scan_walk.h"
#include "report/scan_report.h"

namespace l4s::cli {
namespace {

struct FixFlags {
  std::vector<std::string> paths;
  std::string from;
  bool dry_run = false;
  bool log4j1 = false;
  bool unsign = false;
  std::string backup_dir = remediate::kDefaultBackupDir;
  std::string format = "text";
  std::string output;
  fs::WalkOptions walk;  // roots are set from paths
  bool no_color = false;
  bool quiet = false;
  ArchiveFlags archive;
};

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// path -> finding locations named by a previous `scan --format json|jsonl`
// report (vulnerable findings only; each is judged again before fixing).
bool read_report(const std::string& file, std::map<std::string, std::set<std::string>>* out, std::string* error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *error = file + ": cannot read";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto take = [&](const nlohmann::json& f) {
    if (!f.is_object() || !f.contains("path") || !f.contains("location") || !f["path"].is_string() ||
        !f["location"].is_string())
      return;
    if (f.contains("status") && f["status"].is_string() && f["status"] != "vulnerable") return;
    (*out)[f["path"].get<std::string>()].insert(f["location"].get<std::string>());
  };
  auto whole = nlohmann::json::parse(text, nullptr, false);
  if (!whole.is_discarded() && whole.is_object() && whole.contains("findings") && whole["findings"].is_array()) {
    for (const auto& f : whole["findings"]) take(f);
    return true;
  }
  std::istringstream lines(text);
  std::string line;
  bool any = false;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      *error = file + ": not a scan report (json or jsonl)";
      return false;
    }
    any = true;
    if (j.value("type", "") == "finding") take(j);
  }
  if (!any) *error = file + ": empty report";
  return any;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Evidence and errors describing what `fix` did to one file's findings.
void annotate(const remediate::FileFix& r, const FixFlags& flags, std::vector<Finding>* findings,
              std::vector<ScanError>* errors) {
  for (Finding& f : *findings) {
    for (const remediate::TargetResult& t : r.targets) {
      if (t.location != f.location || t.component != f.component) continue;
      if (t.fixed && (r.outcome == remediate::FixOutcome::kFixed || r.outcome == remediate::FixOutcome::kPartial)) {
        f.evidence.push_back("fixed by log4shield: removed " + join(t.removed, ", "));
        f.evidence.push_back("original backed up as sha256 " + r.original_sha256 + " in " + flags.backup_dir);
      } else if (t.fixed && r.outcome == remediate::FixOutcome::kWouldFix) {
        f.evidence.push_back("dry run: would remove " + join(t.removed, ", "));
      } else {
        f.evidence.push_back("not fixed: " + (t.fixed ? r.reason : t.reason));
      }
    }
  }
  const bool file_failed = r.outcome == remediate::FixOutcome::kFailed ||
                           (r.outcome == remediate::FixOutcome::kRefused && !r.reason.empty());
  for (const remediate::TargetResult& t : r.targets) {
    if (!t.fixed) errors->push_back({t.location, "not fixed: " + t.reason});
  }
  if (file_failed && std::all_of(r.targets.begin(), r.targets.end(), [](const auto& t) { return t.fixed; })) {
    errors->push_back({r.path, "not fixed: " + r.reason});
  }
  for (const std::string& w : r.warnings) errors->push_back({r.path, "warning: " + w});
}

int run_fix(const FixFlags& flags) {
  report::Format format;
  if (!report::parse_format(flags.format, &format)) {
    std::cerr << "log4shield fix: unknown --format " << flags.format << " (text, json, jsonl, csv)\n";
    return kExitUsage;
  }
  if (flags.paths.empty() == flags.from.empty()) {
    std::cerr << "log4shield fix: give the PATHs to fix (for everything: /) or --from REPORT, not both\n";
    return kExitUsage;
  }
  std::map<std::string, std::set<std::string>> wanted;  // path -> locations (empty: all)
  if (!flags.from.empty()) {
    std::string err;
    if (!read_report(flags.from, &wanted, &err)) {
      std::cerr << "log4shield fix: --from " << err << "\n";
      return kExitUsage;
    }
  }

  report::ScanReport rep;
  rep.tool_version = L4S_VERSION;
  rep.host = host_name();
  rep.started = report::now_iso8601();

  inventory::ScanLimits limits = flags.archive.limits();
  inventory::FileScanner scanner(limits);

  // 1. What to fix: the scan pipeline, or the files a report names.
  inventory::ScanOutput found;
  if (flags.from.empty()) {
    rep.roots = flags.paths;
    fs::WalkOptions walk = flags.walk;
    walk.roots = flags.paths;
    remediate::WalkScanHooks hooks;
    struct stat backup_st;
    if (stat(flags.backup_dir.c_str(), &backup_st) == 0) {
      // The store holds the vulnerable originals; never "fix" those.
      hooks.skip_dir = [backup_st](const std::string& dir) {
        struct stat st;
        return stat(dir.c_str(), &st) == 0 && st.st_dev == backup_st.st_dev && st.st_ino == backup_st.st_ino;
      };
    }
    found = remediate::walk_and_scan(scanner, walk, hooks);
    for (const Finding& f : found.findings)
      if (remediate::is_fix_target(f, flags.log4j1)) wanted[f.path];
  } else {
    rep.roots = {"report:" + flags.from};
  }

  // 2. Fix file by file.
  remediate::FixOptions options;
  options.dry_run = flags.dry_run;
  options.log4j1 = flags.log4j1;
  options.unsign = flags.unsign;
  options.backup_dir = flags.backup_dir;
  options.tool_version = L4S_VERSION;
  remediate::Fixer fixer(options, scanner);
  std::vector<remediate::FileFix> results;
  if (!wanted.empty()) {
    if (Status s = fixer.prepare(); !s.ok()) {
      std::cerr << "log4shield fix: " << s.error() << " (use --backup-dir)\n";
      return kExitFound;
    }
  }
  for (const auto& [path, locations] : wanted) {
    results.push_back(fixer.fix_file(path, locations));
    const remediate::FileFix& r = results.back();
    if (!flags.quiet) {
      std::cerr << fmt::format("{:<13} {}", remediate::to_string(r.outcome), r.path);
      if (!r.removed.empty()) std::cerr << fmt::format(" ({} entr{} removed)", r.removed.size(), r.removed.size() == 1 ? "y" : "ies");
      std::string reason = r.reason;
      if (reason.rfind(r.path + ": ", 0) == 0) reason.erase(0, r.path.size() + 2);
      if (!reason.empty()) std::cerr << ": " << reason;
      std::cerr << "\n";
    }
  }

  // 3. Running JVMs that still hold a replaced file need a restart.
  std::map<std::string, std::vector<std::string>> holders;  // real path -> "pid N (user): cmd"
  if (!flags.dry_run &&
      std::any_of(results.begin(), results.end(), [](const auto& r) { return r.outcome == remediate::FixOutcome::kFixed || r.outcome == remediate::FixOutcome::kPartial; })) {
    for (const process::JavaProcess& p : process::list_java_processes()) {
      for (const process::LoadedJar& jar : p.jars) {
        if (jar.source == "classpath") continue;  // not opened yet: it will load the fixed file
        for (const auto& r : results) {
          if (r.real_path == jar.path && (r.outcome == remediate::FixOutcome::kFixed || r.outcome == remediate::FixOutcome::kPartial)) {
            holders[r.real_path].push_back(fmt::format("pid {} ({}): {}", p.pid, p.user, process::short_command(p.cmdline, 80)));
          }
        }
      }
    }
  }

  // 4. The report: scan's findings, with the fixed files re-scanned.
  std::set<std::string> redone;
  std::vector<Finding> findings;
  std::vector<ScanError> errors = found.errors;
  for (const auto& r : results) {
    redone.insert(r.path);
    std::vector<Finding> fs = r.after.empty() ? r.before : r.after;
    std::vector<ScanError> es;
    annotate(r, flags, &fs, &es);
    auto h = holders.find(r.real_path);
    if (h != holders.end()) {
      for (Finding& f : fs)
        for (const auto& who : h->second) f.evidence.push_back("old copy still loaded by " + who + ": restart it");
      for (const auto& who : h->second) es.push_back({r.path, "restart needed: " + who + " still holds the old file"});
    }
    for (const auto& e : r.scan_errors) es.push_back(e);
    findings.insert(findings.end(), fs.begin(), fs.end());
    errors.insert(errors.end(), es.begin(), es.end());
  }
  for (const Finding& f : found.findings)
    if (!redone.count(f.path)) findings.push_back(f);
  // scan_errors of re-done files duplicate the walk's: keep one of each.
  auto same = [](const ScanError& a, const ScanError& b) { return a.location == b.location && a.error == b.error; };
  auto by_location = [](const auto& a, const auto& b) { return a.location < b.location; };
  std::stable_sort(findings.begin(), findings.end(), by_location);
  std::stable_sort(errors.begin(), errors.end(), [](const ScanError& a, const ScanError& b) {
    return a.location != b.location ? a.location < b.location : a.error < b.error;
  });
  errors.erase(std::unique(errors.begin(), errors.end(), same), errors.end());
  rep.findings = std::move(findings);
  rep.errors = std::move(errors);
  rep.stats = found.stats;
  rep.stats.errors = rep.errors.size();
  rep.finished = report::now_iso8601();

  auto write = [&](std::ostream& o) {
    switch (format) {
      case report::Format::kJson: report::write_json(rep, o); break;
      case report::Format::kJsonl: report::write_jsonl(rep, o); break;
      case report::Format::kCsv: report::write_csv(rep, o); break;
      case report::Format::kText:
        report::write_text(rep, o, !flags.no_color && flags.output.empty() && isatty(1));
        break;
    }
  };
  if (flags.output.empty()) {
    write(std::cout);
    std::cout.flush();
  } else {
    std::string err;
    if (!report::write_file_atomically(flags.output, write, &err)) {
      std::cerr << "log4shield fix: cannot write report: " << err << "\n";
      return kExitFound;
    }
  }

  // 5. Exit: 0 every target fixed, 1 some remain.
  size_t fixed = 0, remain = 0, files_fixed = 0;
  for (const auto& r : results) {
    for (const auto& t : r.targets) {
      const bool ok = t.fixed && (r.outcome == remediate::FixOutcome::kFixed ||
                                  r.outcome == remediate::FixOutcome::kWouldFix ||
                                  r.outcome == remediate::FixOutcome::kPartial);
      ok ? ++fixed : ++remain;
    }
    if (r.targets.empty() && r.outcome != remediate::FixOutcome::kNothingToDo) ++remain;
    if (r.outcome == remediate::FixOutcome::kFixed || r.outcome == remediate::FixOutcome::kPartial) ++files_fixed;
  }
  if (!flags.quiet) {
    std::cerr << fmt::format("{}{} vulnerable cop{} {}, {} not fixed", flags.dry_run ? "dry run: " : "", fixed,
                             fixed == 1 ? "y" : "ies", flags.dry_run ? "would be fixed" : "fixed", remain);
    if (files_fixed) std::cerr << fmt::format("; backups and journal in {}", flags.backup_dir);
    std::cerr << "\n";
    for (const auto& [path, who] : holders)
      for (const auto& w : who) std::cerr << "restart needed: " << w << " still holds the old " << path << "\n";
  }
  if (remain > 0) return kExitFound;
  return kExitClean;
}

struct RestoreFlags {
  std::vector<std::string> paths;
  std::string journal;
  std::string backup_dir = remediate::kDefaultBackupDir;
  bool force = false;
  bool dry_run = false;
  bool quiet = false;
};

int run_restore(const RestoreFlags& flags) {
  remediate::RestoreOptions options;
  options.backup_dir = flags.backup_dir;
  options.journal = flags.journal;
  options.force = flags.force;
  options.dry_run = flags.dry_run;
  options.paths = flags.paths;
  options.tool_version = L4S_VERSION;
  std::vector<std::string> warnings;
  auto items = remediate::restore(options, &warnings);
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  if (!items.ok()) {
    std::cerr << "log4shield restore: " << items.error() << "\n";
    return kExitUsage;
  }
  int bad = 0;
  for (const auto& it : *items) {
    const bool ok = it.outcome == remediate::RestoreOutcome::kRestored ||
                    it.outcome == remediate::RestoreOutcome::kWouldRestore ||
                    it.outcome == remediate::RestoreOutcome::kAlreadyOriginal;
    bad += ok ? 0 : 1;
    std::cout << fmt::format("{:<16} {}", remediate::to_string(it.outcome), it.path);
    if (!it.sha256.empty() && ok) std::cout << " (sha256 " << it.sha256 << ")";
    if (!it.reason.empty()) std::cout << ": " << it.reason;
    std::cout << "\n";
  }
  if (!flags.quiet) std::cerr << items->size() - bad << " of " << items->size() << " files restored or already original\n";
  return bad ? kExitFound : kExitClean;
}

}  // namespace

void add_fix_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<FixFlags>();
  CLI::App* cmd = app.add_subcommand(
      "fix", "Remove JndiLookup from every log4j-core copy vulnerable to CVE-2021-44228/45046 (nested archives "
             "too), keeping every other byte; originals are backed up first. Finds targets like scan, or "
             "takes them from a scan report.");
  cmd->add_option("paths", flags->paths, "Files or directories to fix (/ for everything)");
  cmd->add_option("--from", flags->from, "Fix what a `scan --format json|jsonl` report found (judged again first)");
  cmd->add_flag("--dry-run,-n", flags->dry_run, "Print the plan (proven on a scratch copy); change nothing");
  cmd->add_flag("--log4j1", flags->log4j1,
                "Also remove log4j 1.x's SocketServer/SocketNode, JMSAppender, JMSSink, JDBCAppender, chainsaw");
  cmd->add_flag("--unsign", flags->unsign, "Fix signed jars too, removing their signature (META-INF/*.SF, ...)");
  cmd->add_option("--backup-dir", flags->backup_dir, "Backup store and journal")->capture_default_str();
  cmd->add_option("--format,-f", flags->format, "Output format: text, json, jsonl, csv")->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write the report to FILE (atomically) instead of stdout");
  add_walk_flags(*cmd, flags->walk, "Worker threads for the walk (default: all cores)");
  add_archive_flags(*cmd, flags->archive);
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "No per-file lines and summary on stderr");
  cmd->callback([flags, &exit_code] { exit_code = run_fix(*flags); });
}

void add_restore_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RestoreFlags>();
  CLI::App* cmd = app.add_subcommand(
      "restore", "Put back, byte for byte, the originals `fix` replaced (refuses files changed since, unless "
                 "--force).");
  cmd->add_option("paths", flags->paths, "Files or directories to restore (default: every journaled file)");
  cmd->add_option("--journal", flags->journal, "Journal to restore from (its directory holds the backups)");
  cmd->add_option("--backup-dir", flags->backup_dir, "Backup store and journal")->capture_default_str();
  cmd->add_flag("--force", flags->force, "Restore even files changed since they were fixed");
  cmd->add_flag("--dry-run,-n", flags->dry_run, "Say what would be restored; change nothing");
  cmd->add_flag("--quiet,-q", flags->quiet, "No summary on stderr");
  cmd->callback([flags, &exit_code] { exit_code = run_restore(*flags); });
}

}  // namespace l4s::cli
