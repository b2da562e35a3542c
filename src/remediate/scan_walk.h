// The walk-and-scan stage of `scan` (parallel walk, one FileScanner call per
// regular file, per-worker outputs merged), for commands that act on what
// scan finds. `fix` uses it; `scan` can share it (see the wiring notes).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "fs/walker.h"
#include "inventory/file_scanner.h"

namespace l4s::remediate {

struct WalkScanHooks {
  // Directories not to enter (e.g. the backup store, which holds originals).
  std::function<bool(const std::string& dir)> skip_dir;
  // Optional live counters for a progress line.
  std::atomic<uint64_t>* files = nullptr;
  std::atomic<uint64_t>* findings = nullptr;
};

// Findings and errors of every regular file under walk.roots, sorted by location.
inventory::ScanOutput walk_and_scan(inventory::FileScanner& scanner, const fs::WalkOptions& walk,
                                    const WalkScanHooks& hooks = {});

}  // namespace l4s::remediate
