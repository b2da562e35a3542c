// `log4shield scan [PATH...]`: walk, open archives, detect, report.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/walk_flags.h"
#include "fs/walker.h"
#include "inventory/file_scanner.h"
#include "inventory/image_scanner.h"
#include "process/processes.h"
#include "report/sarif.h"
#include "report/scan_report.h"

namespace l4s::cli {
namespace {

struct ScanFlags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  fs::WalkOptions walk;  // roots are set from paths
  bool no_color = false;
  bool quiet = false;
  bool processes = false;
  std::vector<std::string> images;
  bool all_layers = false;
  ArchiveFlags archive;
  std::string host_name;  // overrides the report's host (fleet imports, tests)
};

// Scans the jars every running JVM has open, mapped or on its class path. A
// finding per (process, jar): the same jar in two JVMs needs two restarts.
void scan_processes(inventory::FileScanner& scanner, inventory::ScanOutput& out) {
  for (const process::JavaProcess& p : process::list_java_processes()) {
    ProcessRef ref{p.pid, p.user, process::short_command(p.cmdline), false, p.no_lookups_property || p.no_lookups_env};
    for (const process::LoadedJar& jar : p.jars) {
      struct stat st;
      if (stat(jar.read_path.c_str(), &st) != 0) {
        out.errors.push_back({"pid " + std::to_string(p.pid) + ": " + jar.path, std::strerror(errno)});
        out.stats.errors++;
        continue;
      }
      inventory::ScanOutput one;
      scanner.scan_file(jar.read_path, static_cast<uint64_t>(st.st_size), true, one);
      auto rename = [&](std::string& loc) {
        if (loc.rfind(jar.read_path, 0) == 0) loc = jar.path + loc.substr(jar.read_path.size());
      };
      for (Finding& f : one.findings) {
        rename(f.path);
        rename(f.location);
        f.process = ref;
        f.process->deleted_on_disk = jar.deleted;
        f.evidence.push_back("loaded by pid " + std::to_string(p.pid) + " (" + p.user + ") via " + jar.source);
        if (jar.deleted) f.evidence.push_back("jar deleted or replaced on disk: the JVM still runs this code");
        if (ref.no_lookups_flag)
          f.evidence.push_back("formatMsgNoLookups set: disables message lookups on 2.10+ only; does not "
                               "protect against CVE-2021-45046");
      }
      for (ScanError& e : one.errors) rename(e.location);
      out.merge(std::move(one));
    }
  }
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Prints "files, archives, findings" on stderr once a second while the scan runs.
class ProgressLine {
 public:
  ProgressLine(bool enabled, const std::atomic<uint64_t>& files, const std::atomic<uint64_t>& findings)
      : enabled_(enabled), files_(files), findings_(findings) {
    if (enabled_) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressLine() {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> l(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::cerr << "\r\033[K" << std::flush;
  }

 private:
  void loop() {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> l(mu_);
    while (!cv_.wait_for(l, std::chrono::seconds(1), [&] { return done_; })) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << fmt::format("\r\033[Kscanning: {} files, {} findings, {:.0f} s", files_.load(), findings_.load(), s)
                << std::flush;
    }
  }
  bool enabled_;
  const std::atomic<uint64_t>& files_;
  const std::atomic<uint64_t>& findings_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

int run_scan(const ScanFlags& flags) {
  report::Format format = report::Format::kJson;
  const bool sarif = flags.format == "sarif", cyclonedx = flags.format == "cyclonedx";
  if (!sarif && !cyclonedx && !report::parse_format(flags.format, &format)) {
    std::cerr << "log4shield scan: unknown --format " << flags.format << " (text, json, jsonl, csv, sarif, cyclonedx)\n";
    return kExitUsage;
  }
  report::ScanReport rep;
  rep.tool_version = L4S_VERSION;
  rep.host = flags.host_name.empty() ? host_name() : flags.host_name;
  rep.started = report::now_iso8601();
  const bool walk_everything = flags.paths.empty() && !flags.processes && flags.images.empty();
  rep.roots = walk_everything ? fs::local_roots() : flags.paths;
  for (const auto& image : flags.images) rep.roots.push_back("image:" + image);

  inventory::ScanLimits limits = flags.archive.limits();
  limits.image_all_layers = flags.all_layers;
  inventory::FileScanner scanner(limits);

  fs::WalkOptions walk = flags.walk;
  walk.roots = walk_everything ? fs::local_roots() : flags.paths;
  walk.threads = resolved_threads(walk.threads);

  std::vector<inventory::ScanOutput> outputs(walk.threads);
  std::mutex walk_errors_mu;
  inventory::ScanOutput walk_errors;
  std::atomic<uint64_t> files{0}, findings{0};
  auto t0 = std::chrono::steady_clock::now();
  {
    ProgressLine progress(!flags.quiet && isatty(2), files, findings);
    fs::WalkCallbacks cb;
    cb.on_file = [&](const fs::FileVisit& v) {
      auto& out = outputs[v.worker];
      size_t before = out.findings.size();
      scanner.scan_file(v.path, v.size, v.is_root, out);
      files.fetch_add(1, std::memory_order_relaxed);
      findings.fetch_add(out.findings.size() - before, std::memory_order_relaxed);
    };
    cb.on_error = [&](const std::string& where, const std::string& why) {
      std::lock_guard<std::mutex> l(walk_errors_mu);
      walk_errors.errors.push_back({where, why});
      walk_errors.stats.errors++;
    };
    fs::walk(walk, cb);
  }
  inventory::ScanOutput all = std::move(walk_errors);
  if (flags.processes) scan_processes(scanner, all);
  for (const auto& image : flags.images) {
    inventory::ImageOptions options;
    options.all_layers = flags.all_layers;
    inventory::scan_image(scanner, image, options, all);
  }
  for (auto& o : outputs) all.merge(std::move(o));
  all.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.finished = report::now_iso8601();

  auto by_location = [](const auto& a, const auto& b) { return a.location < b.location; };
  std::stable_sort(all.findings.begin(), all.findings.end(), by_location);
  std::stable_sort(all.errors.begin(), all.errors.end(), by_location);
  all.stats.errors = all.errors.size();  // detectors add errors without counting them
  rep.findings = std::move(all.findings);
  rep.errors = std::move(all.errors);
  rep.stats = all.stats;

  auto write = [&](std::ostream& o) {
    if (sarif) return report::write_sarif({rep}, o);
    if (cyclonedx) return report::write_cyclonedx({rep}, rep.finished, o);
    switch (format) {
      case report::Format::kJson: report::write_json(rep, o); break;
      case report::Format::kJsonl: report::write_jsonl(rep, o); break;
      case report::Format::kCsv: report::write_csv(rep, o); break;
      case report::Format::kText: report::write_text(rep, o, !flags.no_color && flags.output.empty() && isatty(1)); break;
    }
  };
  if (flags.output.empty()) {
    write(std::cout);
    std::cout.flush();
  } else {
    std::string err;
    if (!report::write_file_atomically(flags.output, write, &err)) {
      std::cerr << "log4shield scan: cannot write report: " << err << "\n";
      return kExitIncomplete;
    }
  }

  bool vulnerable = std::any_of(rep.findings.begin(), rep.findings.end(),
                                [](const Finding& f) { return f.status == FindingStatus::kVulnerable; });
  if (vulnerable) return kExitFound;
  return rep.errors.empty() ? kExitClean : kExitIncomplete;
}

}  // namespace

void add_scan_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* cmd = app.add_subcommand(
      "scan", "Find every log4j-core, log4j 1.x and logback-classic copy, nested archives included, with its exact "
              "version and CVEs. Without PATH: all local filesystems.");
  cmd->add_option("paths", flags->paths, "Files or directories to scan (default: /)");
  cmd->add_option("--format,-f", flags->format, "Output format: text, json, jsonl, csv, sarif, cyclonedx")->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_option("--host-name", flags->host_name, "Host name to put in the report (default: this machine's)");
  add_walk_flags(*cmd, flags->walk, "Worker threads (default: all cores)");
  add_archive_flags(*cmd, flags->archive);
  cmd->add_flag("--processes", flags->processes,
                "Scan the jars of running Java processes (open, mapped, class path); alone, only those");
  cmd->add_option("--image", flags->images,
                  "Scan a container image: docker save tarball or OCI layout (directory or tar); repeatable");
  cmd->add_flag("--all-layers", flags->all_layers,
                "In images, also report copies deleted or replaced by a later layer");
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress line on stderr");
  cmd->callback([flags, &exit_code] { exit_code = run_scan(*flags); });
}

}  // namespace l4s::cli
