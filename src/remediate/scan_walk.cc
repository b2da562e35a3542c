#include "remediate/scan_walk.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace l4s::remediate {

inventory::ScanOutput walk_and_scan(inventory::FileScanner& scanner, const fs::WalkOptions& options,
                                    const WalkScanHooks& hooks) {
  fs::WalkOptions walk = options;
  if (walk.threads == 0) walk.threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<inventory::ScanOutput> outputs(walk.threads);
  std::mutex errors_mu;
  inventory::ScanOutput all;
  auto t0 = std::chrono::steady_clock::now();
  fs::WalkCallbacks cb;
  cb.on_file = [&](const fs::FileVisit& v) {
    auto& out = outputs[v.worker];
    const size_t before = out.findings.size();
    scanner.scan_file(v.path, v.size, v.is_root, out);
    if (hooks.files) hooks.files->fetch_add(1, std::memory_order_relaxed);
    if (hooks.findings) hooks.findings->fetch_add(out.findings.size() - before, std::memory_order_relaxed);
  };
  cb.on_error = [&](const std::string& where, const std::string& why) {
    std::lock_guard<std::mutex> l(errors_mu);
    all.errors.push_back({where, why});
    all.stats.errors++;
  };
  if (hooks.skip_dir) cb.on_directory = [&](const std::string& dir) { return !hooks.skip_dir(dir); };
  fs::walk(walk, cb);
  for (auto& o : outputs) all.merge(std::move(o));
  all.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto by_location = [](const auto& a, const auto& b) { return a.location < b.location; };
  std::stable_sort(all.findings.begin(), all.findings.end(), by_location);
  std::stable_sort(all.errors.begin(), all.errors.end(), by_location);
  return all;
}

}  // namespace l4s::remediate
