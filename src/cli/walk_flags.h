// Flags that scan, fix and hunt share: how the walk goes (bound straight to
// fs::WalkOptions) and how deep and how big archives are opened.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "fs/walker.h"
#include "inventory/file_scanner.h"

namespace l4s::cli {

// --threads, --exclude, --follow-symlinks, --one-file-system, --all-filesystems.
void add_walk_flags(CLI::App& cmd, fs::WalkOptions& walk, const std::string& threads_help);

struct ArchiveFlags {
  int max_depth = 32;
  uint64_t max_nested_mib = 4096;
  uint64_t memory_mib = 256;
  std::string spill_dir = "/tmp";

  inventory::ScanLimits limits() const;
};

// --max-depth, --max-nested-size, --memory, --spill-dir.
void add_archive_flags(CLI::App& cmd, ArchiveFlags& archive);

}  // namespace l4s::cli
