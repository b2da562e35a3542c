// `log4shield fix [PATH...]`: remove the JNDI lookup (and, opt-in, log4j
// 1.x's dangerous classes) from every vulnerable copy `scan` finds, nested
// archives included, with backups. The work is remediate's (fixer,
// fix_report); this file parses flags and wires them.
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/production_flags.h"
#include "cli/upload_flags.h"
#include "cli/walk_flags.h"
#include "core/host.h"
#include "hotpatch/agent_jar.h"
#include "hotpatch/hot_patch.h"
#include "inventory/scan_pipeline.h"
#include "process/processes.h"
#include "remediate/backup_store.h"
#include "remediate/fix_report.h"
#include "report/scan_report.h"
#include "report/scan_report_reader.h"

namespace l4s::cli {
namespace {

remediate::FixOptions default_fix_options() {
  remediate::FixOptions fix;
  fix.backup_dir = remediate::kDefaultBackupDir;
  fix.tool_version = L4S_VERSION;
  return fix;
}

struct FixFlags {
  std::vector<std::string> paths;
  std::string from;
  remediate::FixOptions fix = default_fix_options();
  std::string format = "text";
  std::string output;
  fs::WalkOptions walk;  // roots are set from paths
  bool no_color = false;
  bool quiet = false;
  ArchiveFlags archive;
  bool running = false;       // hot-patch running JVMs
  std::vector<int> pids;      // only these (default: every JVM)
  int attach_timeout = 20;    // seconds per JVM
  std::string host_name;  // overrides the report's host (fleet imports, tests)
  UploadFlags upload;
  ProductionFlags production;
};

// The running JVMs to hot-patch: those named, or every Java process.
std::vector<int> jvms_to_patch(const FixFlags& flags, std::vector<std::string>* their_jars) {
  std::vector<int> pids = flags.pids;
  for (const process::JavaProcess& p : process::list_java_processes()) {
    if (p.pid == ::getpid()) continue;
    bool wanted = flags.pids.empty() || std::find(flags.pids.begin(), flags.pids.end(), p.pid) != flags.pids.end();
    if (!wanted) continue;
    if (flags.pids.empty()) pids.push_back(p.pid);
    for (const process::LoadedJar& jar : p.jars)
      if (!jar.deleted) their_jars->push_back(jar.path);
  }
  return pids;
}

// The journal keeps what changed where, hot patches included (restore
// ignores them: a restart undoes a hot patch).
void record_hot_patch(const report::JvmPatch& p, const std::string& backup_dir) {
  auto store = remediate::BackupStore::open(backup_dir, true);
  remediate::JournalRecord rec;
  rec.action = "hotpatch";
  rec.time = report::now_iso8601();
  rec.path = "/proc/" + std::to_string(p.pid);
  rec.removed = p.patched;
  rec.tool_version = L4S_VERSION;
  Status s = store ? store->append(rec) : Status::failure(store.error());
  if (!s) std::cerr << "log4shield fix: journal: " << s.error() << "\n";
}

report::JvmPatch hot_patch_one(int pid, const FixFlags& flags) {
  hotpatch::HotPatchOptions options;
  options.agent_jar = hotpatch::agent_jar();
  options.tool_version = L4S_VERSION;
  options.timeout = std::chrono::seconds(flags.attach_timeout);
  options.dry_run = flags.fix.dry_run;
  hotpatch::JvmHotPatch r = hotpatch::hot_patch_jvm(pid, options);
  report::JvmPatch p;
  p.pid = r.pid;
  p.user = r.user;
  p.container = r.container;
  p.command = r.command;
  p.state = std::string(hotpatch::hot_patch_state_name(r.state));
  p.reason = r.reason;
  p.patched = r.patched;
  p.transformer_installed = r.transformer_installed;
  p.marker = r.marker;
  p.jvm = r.jvm;
  return p;
}

// The backup store holds the vulnerable originals: the walk never enters it.
std::function<bool(const std::string&)> skip_backup_dir(const std::string& backup_dir) {
  struct stat backup_st;
  if (stat(backup_dir.c_str(), &backup_st) != 0) return nullptr;
  return [backup_st](const std::string& dir) {
    struct stat st;
    return stat(dir.c_str(), &st) == 0 && st.st_dev == backup_st.st_dev && st.st_ino == backup_st.st_ino;
  };
}

int run_fix(FixFlags& flags) {
  report::Format format;
  if (!report::parse_format(flags.format, &format)) {
    std::cerr << "log4shield fix: unknown --format " << flags.format << " (text, json, jsonl, csv)\n";
    return kExitUsage;
  }
  if ((flags.paths.empty() == flags.from.empty() && !(flags.running && flags.paths.empty() && flags.from.empty())) ||
      (!flags.pids.empty() && !flags.running)) {
    std::cerr << "log4shield fix: give the PATHs to fix (for everything: /) or --from REPORT, not both; "
                 "--running (with --pid) for running JVMs\n";
    return kExitUsage;
  }
  if (!prepare_upload("fix", flags.upload)) return kExitUsage;
  if (!apply_production_flags("fix", flags.production)) return kExitUsage;
  report::ScanReport rep;
  rep.tool_version = L4S_VERSION;
  rep.host = flags.host_name.empty() ? host_name() : flags.host_name;
  rep.started = report::now_iso8601();
  inventory::FileScanner scanner(flags.archive.limits());

  // 0. Running JVMs first: the hot patch protects them now, until they restart.
  std::vector<std::string> paths = flags.paths;
  if (flags.running) {
    std::vector<std::string> their_jars;
    for (int pid : jvms_to_patch(flags, &their_jars)) {
      rep.jvms.push_back(hot_patch_one(pid, flags));
      const report::JvmPatch& p = rep.jvms.back();
      if (p.state == "patched") record_hot_patch(p, flags.fix.backup_dir);
      if (!flags.quiet)
        std::cerr << "jvm " << p.pid << ": " << p.state << (p.reason.empty() ? "" : " (" + p.reason + ")") << "\n";
    }
    // With paths, the jars those JVMs run from are fixed on disk too, so the
    // patch survives a restart.
    if (!paths.empty()) paths.insert(paths.end(), their_jars.begin(), their_jars.end());
  }

  // 1. What to fix: the scan pipeline, or the files a report names.
  inventory::ScanOutput found;
  remediate::FixTargets wanted;
  if (!paths.empty()) {
    rep.roots = paths;
    inventory::ScanPipelineOptions scan;
    scan.walk = flags.walk;
    scan.walk.roots = paths;
    scan.skip_dir = skip_backup_dir(flags.fix.backup_dir);
    found = inventory::run_scan_pipeline(scanner, scan);
    wanted = remediate::fix_targets_of_scan(found.findings, flags.fix.log4j1);
  } else if (!flags.from.empty()) {
    auto reported = report::read_scan_report_file(flags.from);
    if (!reported.ok()) {
      std::cerr << "log4shield fix: --from " << reported.error() << "\n";
      return kExitUsage;
    }
    wanted = remediate::fix_targets_of_report(reported->findings);
    rep.roots = {"report:" + flags.from};
  }

  // 2. Fix file by file.
  remediate::Fixer fixer(flags.fix, scanner);
  std::vector<remediate::FileFix> results;
  if (!wanted.empty()) {
    if (Status s = fixer.prepare(); !s.ok()) {
      std::cerr << "log4shield fix: " << s.error() << " (use --backup-dir)\n";
      return kExitFound;
    }
  }
  for (const auto& [path, locations] : wanted) {
    results.push_back(fixer.fix_file(path, locations));
    if (!flags.quiet) std::cerr << remediate::fix_progress_line(results.back()) << "\n";
  }

  // 3. Running JVMs that still hold a replaced file need a restart.
  remediate::RestartHolders holders;
  if (!flags.fix.dry_run && std::any_of(results.begin(), results.end(), remediate::replaced))
    holders = remediate::restart_holders(results, process::list_java_processes());

  // 4. The report: scan's findings, with the fixed files re-scanned.
  remediate::FixReportBody body = remediate::merge_fix_report(found, results, holders, flags.fix.backup_dir);
  rep.findings = std::move(body.findings);
  rep.errors = std::move(body.errors);
  rep.stats = found.stats;
  rep.stats.errors = rep.errors.size();
  rep.finished = report::now_iso8601();
  const bool color = use_color(flags.no_color, flags.output);
  const bool written =
      write_output("fix", flags.output, [&](std::ostream& o) { report::write_report(rep, format, o, color); });

  // 5. Exit: 0 every target fixed, 1 some remain.
  const remediate::FixTally tally = remediate::tally_fixes(results);
  if (!flags.quiet) {
    std::cerr << remediate::fix_summary_line(tally, flags.fix.dry_run, flags.fix.backup_dir) << "\n";
    for (const auto& [path, who] : holders)
      for (const auto& w : who) std::cerr << "restart needed: " << w << " still holds the old " << path << "\n";
  }
  // A JVM left exposed (a failed attach, -Xrs) counts as a copy not fixed.
  const bool jvms_exposed = std::any_of(rep.jvms.begin(), rep.jvms.end(), [](const report::JvmPatch& p) {
    return p.state == "failed" || (p.state == "skipped" && p.jvm);
  });
  const int rc = !written ? kExitWriteFailed : tally.all_fixed() && !jvms_exposed ? kExitClean : kExitFound;
  if (!flags.upload.enabled()) return rc;
  std::ostringstream json;  // the server takes the --format json report, whatever the user reads
  report::write_report(rep, report::Format::kJson, json, false);
  return upload_after_run("fix", flags.upload, {json.str(), rep.host, "fix"}, rc);
}

}  // namespace

void add_fix_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<FixFlags>();
  CLI::App* cmd = app.add_subcommand(
      "fix", "Remove JndiLookup from every log4j-core copy vulnerable to CVE-2021-44228/45046 (nested archives "
             "and tars, exploded class folders too), keeping every other byte; originals are backed up first. "
             "Finds targets like scan, or takes them from a scan report.");
  cmd->add_option("paths", flags->paths, "Files or directories to fix (/ for everything)");
  cmd->add_option("--from", flags->from, "Fix what a `scan --format json|jsonl` report found (judged again first)");
  cmd->add_flag("--dry-run,-n", flags->fix.dry_run, "Print the plan (proven on a scratch copy); change nothing");
  cmd->add_flag("--log4j1", flags->fix.log4j1,
                "Also remove log4j 1.x's SocketServer/SocketNode, JMSAppender, JMSSink, JDBCAppender, chainsaw");
  cmd->add_flag("--unsign", flags->fix.unsign, "Fix signed jars too, removing their signature (META-INF/*.SF, ...)");
  cmd->add_option("--backup-dir", flags->fix.backup_dir, "Backup store and journal")->capture_default_str();
  cmd->add_option("--format,-f", flags->format, "Output format: text, json, jsonl, csv")->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write the report to FILE (atomically) instead of stdout");
  add_walk_flags(*cmd, flags->walk, "Worker threads for the walk (default: all cores)");
  add_archive_flags(*cmd, flags->archive);
  add_production_flags(*cmd, flags->production);
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "No per-file lines and summary on stderr");
  cmd->add_flag("--running", flags->running,
                "Hot-patch running HotSpot JVMs (every one, or --pid): disable JndiLookup in memory, no restart; "
                "lost at restart, so fix the jars on disk too (give PATHs)");
  cmd->add_option("--pid", flags->pids, "With --running: only this JVM (repeatable)");
  cmd->add_option("--attach-timeout", flags->attach_timeout, "With --running: seconds allowed per JVM")
      ->capture_default_str();
  cmd->add_option("--host-name", flags->host_name, "Host name to put in the report (default: this machine's)");
  add_upload_flags(*cmd, flags->upload);
  cmd->callback([flags, &exit_code] { exit_code = run_fix(*flags); });
}

}  // namespace l4s::cli
