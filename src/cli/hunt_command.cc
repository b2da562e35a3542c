// `log4shield hunt [PATH...|-]`: find Log4Shell attempts in logs, resolved as
// Log4j would resolve them, and report them with their IOCs.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "cli/commands.h"
#include "cli/walk_flags.h"
#include "fs/walker.h"
#include "hunt/hunt_file.h"
#include "hunt/hunt_report.h"
#include "pcap/capture.h"
#include "pcap/report.h"
#include "report/scan_report.h"

namespace l4s::cli {
namespace {

struct HuntFlags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::pair<std::string, std::string> iocs;
  fs::WalkOptions walk;  // roots are set from paths
  bool no_color = false;
  bool quiet = false;
  bool pcap = false;
  double pcap_window = 600;
};

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

int run_hunt(HuntFlags flags) {
  hunt::HuntFormat format;
  if (!hunt::ParseHuntFormat(flags.format, &format)) {
    std::cerr << "log4shield hunt: unknown --format " << flags.format << " (text, json, jsonl, csv)\n";
    return kExitUsage;
  }
  hunt::IocFormat ioc_format = hunt::IocFormat::kStix;
  if (!flags.iocs.first.empty() && !hunt::ParseIocFormat(flags.iocs.first, &ioc_format)) {
    std::cerr << "log4shield hunt: unknown --iocs format " << flags.iocs.first << " (stix, misp-csv, csv)\n";
    return kExitUsage;
  }
  if (flags.paths.empty()) {
    if (isatty(0)) {
      std::cerr << "log4shield hunt: give PATH... or '-' (or pipe logs into stdin)\n";
      return kExitUsage;
    }
    flags.paths.push_back("-");
  }
  size_t stdin_uses = std::count(flags.paths.begin(), flags.paths.end(), "-");
  if (stdin_uses > 1) {
    std::cerr << "log4shield hunt: '-' (stdin) given more than once\n";
    return kExitUsage;
  }

  hunt::HuntReport rep;
  rep.tool_version = L4S_VERSION;
  rep.host = host_name();
  rep.started = report::now_iso8601();
  rep.roots = flags.paths;
  auto t0 = std::chrono::steady_clock::now();

  std::vector<hunt::FileHunt> hunts;
  std::vector<hunt::HuntError> errors;
  std::vector<std::pair<pcap::CaptureResult, uint64_t>> captures;
  pcap::AnalyzerOptions capture_options;
  capture_options.correlation_window = flags.pcap_window;
  if (stdin_uses && flags.pcap) captures.emplace_back(pcap::HuntCapture("-", capture_options), 0);  // libpcap reads '-' as stdin
  else if (stdin_uses) hunts.push_back(hunt::HuntStream(0, "-"));

  fs::WalkOptions walk = flags.walk;
  for (const std::string& p : flags.paths)
    if (p != "-") walk.roots.push_back(p);
  walk.threads = resolved_threads(walk.threads);
  if (!walk.roots.empty()) {
    // Walk first, then hunt: logs are few and large, so files are shared out
    // one at a time, largest first, instead of in the walker's batches.
    std::vector<fs::FileVisit> files;
    std::mutex mu;
    fs::WalkCallbacks cb;
    cb.on_file = [&](const fs::FileVisit& v) {
      std::lock_guard<std::mutex> l(mu);
      files.push_back(v);
    };
    cb.on_error = [&](const std::string& where, const std::string& why) {
      std::lock_guard<std::mutex> l(mu);
      errors.push_back({where, why});
    };
    fs::walk(walk, cb);
    std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.size > b.size; });
    std::vector<hunt::FileHunt> results(files.size());
    // Captures (pcap, pcapng, by their magic; every file with --pcap) go
    // through the packet analyser instead.
    std::vector<std::optional<pcap::CaptureResult>> capture_results(files.size());
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i; (i = next.fetch_add(1)) < files.size();) {
        if (flags.pcap || pcap::SniffCaptureFile(files[i].path) != pcap::CaptureFormat::kNone)
          capture_results[i] = pcap::HuntCapture(files[i].path, capture_options);
        else
          results[i] = hunt::HuntPath(files[i].path);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<size_t>(walk.threads, files.size()); ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
    for (size_t i = 0; i < files.size(); ++i) {
      if (capture_results[i]) captures.emplace_back(std::move(*capture_results[i]), files[i].size);
      else hunts.push_back(std::move(results[i]));
    }
  }

  std::stable_sort(hunts.begin(), hunts.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  for (hunt::FileHunt& h : hunts) {
    rep.stats.files++;
    rep.stats.bytes_read += h.bytes_in;
    rep.stats.bytes_text += h.bytes_text;
    rep.stats.lines += h.lines;
    if (!h.status.ok()) errors.push_back({h.file, h.status.error()});
    for (hunt::Detection& d : h.detections) rep.detections.push_back(std::move(d));
  }
  std::stable_sort(captures.begin(), captures.end(), [](const auto& a, const auto& b) { return a.first.path < b.first.path; });
  for (auto& [capture, size] : captures) pcap::AddToHuntReport(std::move(capture), size, &rep);
  for (hunt::HuntError& e : rep.errors) errors.push_back(std::move(e));
  std::stable_sort(rep.detections.begin(), rep.detections.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  rep.errors = std::move(errors);
  rep.stats.errors = rep.errors.size();
  rep.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.finished = report::now_iso8601();

  bool found = !rep.detections.empty() || !rep.network_events.empty();
  int rc = found ? kExitFound : rep.errors.empty() ? kExitClean : kExitIncomplete;
  auto write = [&](std::ostream& o) {
    switch (format) {
      case hunt::HuntFormat::kJson: hunt::WriteHuntJson(rep, o); break;
      case hunt::HuntFormat::kJsonl: hunt::WriteHuntJsonl(rep, o); break;
      case hunt::HuntFormat::kCsv: hunt::WriteHuntCsv(rep, o); break;
      case hunt::HuntFormat::kText:
        hunt::WriteHuntText(rep, o, !flags.no_color && flags.output.empty() && isatty(1));
        break;
    }
  };
  if (flags.output.empty() || flags.output == "-") {
    write(std::cout);
    std::cout.flush();
  } else {
    std::string err;
    if (!report::write_file_atomically(flags.output, write, &err)) {
      std::cerr << "log4shield hunt: cannot write report: " << err << "\n";
      rc = std::max(rc, kExitIncomplete);
    }
  }
  if (!flags.iocs.first.empty()) {
    std::string err;
    auto write_iocs = [&](std::ostream& o) {
      switch (ioc_format) {
        case hunt::IocFormat::kStix: hunt::WriteStix(rep, o); break;
        case hunt::IocFormat::kMispCsv: hunt::WriteMispCsv(rep, o); break;
        case hunt::IocFormat::kCsv: hunt::WriteIocCsv(rep, o); break;
      }
    };
    if (!report::write_file_atomically(flags.iocs.second, write_iocs, &err)) {
      std::cerr << "log4shield hunt: cannot write IOCs: " << err << "\n";
      rc = std::max(rc, kExitIncomplete);
    }
  }
  return rc;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<HuntFlags>();
  CLI::App* cmd = app.add_subcommand(
      "hunt", "Find Log4Shell attempts in logs (plain, gzip, bzip2, xz, zstd; by content), resolved exactly as "
              "Log4j would, with callback hosts, sources and IOCs. '-' or no PATH: stdin.");
  cmd->add_option("paths", flags->paths, "Log files or directories (recursive); '-' for stdin");
  cmd->add_option("--format,-f", flags->format, "Output format: text, json, jsonl, csv")->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_option("--iocs", flags->iocs, "Also export indicators: FORMAT FILE, FORMAT one of stix, misp-csv, csv")
      ->type_name("FORMAT FILE");
  add_walk_flags(*cmd, flags->walk, "Files hunted in parallel (default: all cores)");
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "Accepted for symmetry with scan (hunt prints no progress)");
  cmd->add_flag("--pcap", flags->pcap,
                "Read every PATH as a network capture (pcap/pcapng are recognised by their magic bytes anyway): "
                "attempts in HTTP and raw payloads, JNDI callbacks (LDAP, RMI, DNS), served payloads, incidents");
  cmd->add_option("--pcap-window", flags->pcap_window,
                  "Seconds after an attempt in which a contact with its callback makes an incident (captures)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, &exit_code] { exit_code = run_hunt(*flags); });
}

}  // namespace l4s::cli
