// `log4shield restore [PATH...]`: put back, byte for byte, the originals `fix`
// replaced (remediate/restore does the work).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "remediate/backup_store.h"
#include "remediate/restore.h"

namespace l4s::cli {
namespace {

int run_restore(const remediate::RestoreOptions& options, bool quiet) {
  std::vector<std::string> warnings;
  auto items = remediate::restore(options, &warnings);
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  if (!items.ok()) {
    std::cerr << "log4shield restore: " << items.error() << "\n";
    return kExitUsage;
  }
  int bad = 0;
  for (const auto& it : *items) {
    const bool ok = remediate::restored_or_original(it.outcome);
    bad += ok ? 0 : 1;
    std::cout << fmt::format("{:<16} {}", remediate::to_string(it.outcome), it.path);
    if (!it.sha256.empty() && ok) std::cout << " (sha256 " << it.sha256 << ")";
    if (!it.reason.empty()) std::cout << ": " << it.reason;
    std::cout << "\n";
  }
  if (!quiet) std::cerr << items->size() - bad << " of " << items->size() << " files restored or already original\n";
  return bad ? kExitFound : kExitClean;
}

}  // namespace

void add_restore_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<remediate::RestoreOptions>();
  options->backup_dir = remediate::kDefaultBackupDir;
  options->tool_version = L4S_VERSION;
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "restore", "Put back, byte for byte, the originals `fix` replaced (refuses files changed since, unless "
                 "--force).");
  cmd->add_option("paths", options->paths, "Files or directories to restore (default: every journaled file)");
  cmd->add_option("--journal", options->journal, "Journal to restore from (its directory holds the backups)");
  cmd->add_option("--backup-dir", options->backup_dir, "Backup store and journal")->capture_default_str();
  cmd->add_flag("--force", options->force, "Restore even files changed since they were fixed");
  cmd->add_flag("--dry-run,-n", options->dry_run, "Say what would be restored; change nothing");
  cmd->add_flag("--quiet,-q", *quiet, "No summary on stderr");
  cmd->callback([options, quiet, &exit_code] { exit_code = run_restore(*options, *quiet); });
}

}  // namespace l4s::cli
