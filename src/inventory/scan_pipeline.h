// The scan pipeline every command that looks for copies runs (`scan`, `fix`):
// a parallel walk of the roots with one FileScanner call per regular file,
// then the jars of running JVMs and container images when asked, merged into
// one output sorted by location.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fs/walker.h"
#include "inventory/file_scanner.h"
#include "inventory/image_scanner.h"

namespace l4s::inventory {

struct ScanPipelineOptions {
  fs::WalkOptions walk;                 // threads 0: all cores; no roots: no walk
  bool processes = false;               // also the jars every running JVM holds
  std::vector<std::string> images;      // docker save / OCI layouts to scan
  ImageOptions image;
  // Directories not to enter (e.g. fix's backup store, which holds originals).
  std::function<bool(const std::string& dir)> skip_dir;
  // Optional live counters for a progress line (walked files only).
  std::atomic<uint64_t>* files = nullptr;
  std::atomic<uint64_t>* findings = nullptr;
};

// Findings and errors of every source, sorted by location (stable: equal
// locations keep walk errors, processes, images, then files in worker
// order); stats.errors counts every error; stats.seconds the whole run.
ScanOutput run_scan_pipeline(FileScanner& scanner, const ScanPipelineOptions& options);

// Scans the jars every running JVM has open, mapped or on its class path. A
// finding per (process, jar): the same jar in two JVMs needs two restarts.
void scan_processes(FileScanner& scanner, ScanOutput& out);

}  // namespace l4s::inventory
