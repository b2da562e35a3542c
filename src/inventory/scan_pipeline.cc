#include "inventory/scan_pipeline.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

#include "hotpatch/hot_patch.h"
#include "process/processes.h"

namespace l4s::inventory {

void scan_processes(FileScanner& scanner, ScanOutput& out) {
  for (const process::JavaProcess& p : process::list_java_processes()) {
    ProcessRef ref{p.pid, p.user, process::short_command(p.cmdline), false, p.no_lookups_property || p.no_lookups_env};
    const std::string hot_patch = hotpatch::hot_patch_marker(p.pid);
    for (const process::LoadedJar& jar : p.jars) {
      struct stat st;
      if (stat(jar.read_path.c_str(), &st) != 0) {
        out.errors.push_back({"pid " + std::to_string(p.pid) + ": " + jar.path, std::strerror(errno)});
        out.stats.errors++;
        continue;
      }
      ScanOutput one;
      scanner.scan_file(jar.read_path, static_cast<uint64_t>(st.st_size), true, one);
      auto rename = [&](std::string& loc) {
        if (loc.starts_with(jar.read_path)) loc = jar.path + loc.substr(jar.read_path.size());
      };
      for (Finding& f : one.findings) {
        rename(f.path);
        rename(f.location);
        f.process = ref;
        f.process->deleted_on_disk = jar.deleted;
        f.evidence.push_back("loaded by pid " + std::to_string(p.pid) + " (" + p.user + ") via " + jar.source);
        if (jar.deleted) f.evidence.push_back("jar deleted or replaced on disk: the JVM still runs this code");
        if (!hot_patch.empty())
          f.evidence.push_back("hot-patched, until restart (log4shield " + hot_patch +
                               "): JndiLookup disabled in this JVM's memory; the jar on disk still needs fix");
        if (ref.no_lookups_flag)
          f.evidence.push_back("formatMsgNoLookups set: disables message lookups on 2.10+ only; does not "
                               "protect against CVE-2021-45046");
      }
      for (ScanError& e : one.errors) rename(e.location);
      out.merge(std::move(one));
    }
  }
}

ScanOutput run_scan_pipeline(FileScanner& scanner, const ScanPipelineOptions& options) {
  fs::WalkOptions walk = options.walk;
  walk.threads = fs::worker_threads(walk.threads);
  std::vector<ScanOutput> outputs(walk.threads);
  std::mutex errors_mu;
  ScanOutput all;
  const auto t0 = std::chrono::steady_clock::now();
  fs::WalkCallbacks cb;
  cb.on_file = [&](const fs::FileVisit& v) {
    auto& out = outputs[v.worker];
    const size_t before = out.findings.size();
    scanner.scan_file(v.path, v.size, v.is_root, out);
    if (options.files) options.files->fetch_add(1, std::memory_order_relaxed);
    if (options.findings) options.findings->fetch_add(out.findings.size() - before, std::memory_order_relaxed);
  };
  cb.on_error = [&](const std::string& where, const std::string& why) {
    std::lock_guard<std::mutex> l(errors_mu);
    all.errors.push_back({where, why});
    all.stats.errors++;
  };
  if (options.skip_dir) cb.on_directory = [&](const std::string& dir) { return !options.skip_dir(dir); };
  fs::walk(walk, cb);
  if (options.processes) scan_processes(scanner, all);
  for (const auto& image : options.images) scan_image(scanner, image, options.image, all);
  for (auto& o : outputs) all.merge(std::move(o));
  all.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto by_location = [](const auto& a, const auto& b) { return a.location < b.location; };
  std::stable_sort(all.findings.begin(), all.findings.end(), by_location);
  std::stable_sort(all.errors.begin(), all.errors.end(), by_location);
  all.stats.errors = all.errors.size();  // detectors add errors without counting them
  return all;
}

}  // namespace l4s::inventory
