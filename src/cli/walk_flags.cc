#include "cli/walk_flags.h"


namespace l4s::cli {

void add_walk_flags(CLI::App& cmd, fs::WalkOptions& walk, const std::string& threads_help) {
  cmd.add_option("--threads,-j", walk.threads, threads_help);
  cmd.add_option("--exclude", walk.excludes, "Skip paths matching GLOB (full path or base name); repeatable");
  cmd.add_flag("--follow-symlinks", walk.follow_symlinks, "Follow symbolic links (loop-safe)");
  cmd.add_flag("--one-file-system,-x", walk.one_file_system, "Stay on the filesystem of each PATH");
  cmd.add_flag("--all-filesystems", walk.all_filesystems, "Also walk network and pseudo filesystems");
}

inventory::ScanLimits ArchiveFlags::limits() const {
  inventory::ScanLimits limits;
  limits.max_depth = max_depth;
  limits.max_nested_bytes = max_nested_mib << 20;
  limits.memory_budget = memory_mib << 20;
  limits.spill_dir = spill_dir;
  return limits;
}

void add_archive_flags(CLI::App& cmd, ArchiveFlags& archive) {
  cmd.add_option("--max-depth", archive.max_depth, "Deepest archive nesting to open")->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--max-nested-size", archive.max_nested_mib, "Largest nested archive to inflate, MiB")
      ->capture_default_str();
  cmd.add_option("--memory", archive.memory_mib, "RAM for inflated nested archives, MiB (more spills to disk)")
      ->capture_default_str();
  cmd.add_option("--spill-dir", archive.spill_dir, "Folder for temporary spill files")->capture_default_str();
}

}  // namespace l4s::cli
