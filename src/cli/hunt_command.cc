// `log4shield hunt [PATH...|-]`: find Log4Shell attempts in logs, resolved as
// Log4j would resolve them, and report them with their IOCs.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>

#include "cli/commands.h"
#include "cli/walk_flags.h"
#include "core/ordered_spool.h"
#include "fs/walker.h"
#include "hunt/hunt_input.h"
#include "hunt/hunt_report.h"
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

  // The inputs: stdin and every file the walk finds.
  struct Input {
    std::string path;  // "-" for stdin
    uint64_t size = 0;
  };
  std::vector<Input> inputs;
  std::vector<hunt::HuntError> errors;
  if (stdin_uses) inputs.push_back({"-", 0});
  fs::WalkOptions walk = flags.walk;
  for (const std::string& p : flags.paths)
    if (p != "-") walk.roots.push_back(p);
  walk.threads = resolved_threads(walk.threads);
  if (!walk.roots.empty()) {
    std::mutex mu;
    fs::WalkCallbacks cb;
    cb.on_file = [&](const fs::FileVisit& v) {
      std::lock_guard<std::mutex> l(mu);
      inputs.push_back({v.path, v.size});
    };
    cb.on_error = [&](const std::string& where, const std::string& why) {
      std::lock_guard<std::mutex> l(mu);
      errors.push_back({where, why});
    };
    fs::walk(walk, cb);
  }
  // Reported in path order; hunted largest first (logs are few and large,
  // so files are shared out one at a time rather than in the walker's batches).
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
  std::vector<size_t> work(inputs.size());
  for (size_t i = 0; i < work.size(); ++i) work[i] = i;
  std::stable_sort(work.begin(), work.end(), [&](size_t a, size_t b) { return inputs[a].size > inputs[b].size; });

  hunt::InputOptions input_options;
  input_options.capture.correlation_window = flags.pcap_window;
  input_options.force_capture = flags.pcap;
  const bool color = format == hunt::HuntFormat::kText && !flags.no_color && flags.output.empty() && isatty(1);
  const bool keep_iocs = !flags.iocs.first.empty();
  hunt::HuntTally tally(keep_iocs);
  bool hunted = false;             // hunt_all ran to the end
  bool output_incomplete = false;  // the report lost bytes on the way out

  // Detections are written as they are found (in input order, through the
  // spool) and only tallied, so memory stays flat however many there are.
  auto hunt_all = [&](std::ostream& out) {
    hunt::HuntWriter writer(format, out, color);
    writer.Begin(rep);
    core::OrderedSpool spool(inputs.size(), [&](std::string_view bytes) { writer.Write(bytes); });
    std::vector<hunt::InputHunt> results(inputs.size());
    std::mutex tally_mu;
    std::atomic<size_t> next{0};
    auto worker = [&] {
      hunt::HuntTally mine(keep_iocs);
      std::string chunk;
      for (size_t k; (k = next.fetch_add(1)) < work.size();) {
        const size_t i = work[k];
        const std::string& path = inputs[i].path;
        auto take = [&](hunt::Detection&& d) {
          mine.Add(d);
          chunk += writer.Format(d);
          if (chunk.size() >= (64u << 10)) {
            spool.Append(i, chunk);
            chunk.clear();
          }
        };
        results[i] = hunt::HuntInput(path, input_options, take);
        spool.Append(i, chunk);
        chunk.clear();
        spool.Close(i);
      }
      std::lock_guard<std::mutex> l(tally_mu);
      tally.Merge(mine);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<size_t>(walk.threads, inputs.size()); ++t) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
    if (spool.lost_bytes()) {
      std::cerr << "log4shield hunt: " << spool.error() << ": the report misses detections\n";
      output_incomplete = true;
    } else if (!spool.error().empty()) {
      std::cerr << "log4shield hunt: " << spool.error() << " (the waiting output was kept in memory)\n";
    }

    for (hunt::InputHunt& result : results) {
      for (hunt::CaptureHunt& c : result.captures) pcap::AddContextToHuntReport(std::move(c.result), c.bytes, &rep);
      for (const hunt::FileHunt& h : result.logs) {
        rep.stats.files++;
        rep.stats.bytes_read += h.bytes_in;
        rep.stats.bytes_text += h.bytes_text;
        rep.stats.lines += h.lines;
        if (!h.status.ok()) errors.push_back({h.file, h.status.error()});
      }
      for (hunt::HuntError& e : result.errors) errors.push_back(std::move(e));
    }
    for (hunt::HuntError& e : rep.errors) errors.push_back(std::move(e));
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
    rep.errors = std::move(errors);
    rep.stats.errors = rep.errors.size();
    rep.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rep.finished = report::now_iso8601();
    writer.End(rep, tally);
    hunted = true;
  };

  int rc = kExitClean;
  if (flags.output.empty() || flags.output == "-") {
    hunt_all(std::cout);
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "log4shield hunt: cannot write to standard output\n";
      output_incomplete = true;
    }
  } else {
    std::string err;
    if (!report::write_file_atomically(flags.output, hunt_all, &err)) {
      std::cerr << "log4shield hunt: cannot write report: " << err << "\n";
      rc = kExitIncomplete;
    }
  }
  // The report file could not even be created: nothing was hunted, and an
  // empty IOC export would only overwrite a good one.
  if (!hunted) return kExitIncomplete;
  if (output_incomplete) rc = kExitIncomplete;
  bool found = tally.attempts() > 0 || !rep.network_events.empty();
  rc = std::max(rc, found ? kExitFound : rep.errors.empty() ? kExitClean : kExitIncomplete);
  if (!flags.iocs.first.empty()) {
    std::string err;
    std::vector<hunt::Ioc> iocs = tally.Iocs();
    auto write_iocs = [&](std::ostream& o) { hunt::WriteIocs(ioc_format, iocs, rep.finished, o); };
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
      "hunt", "Find Log4Shell attempts in logs (plain, gzip, bzip2, xz, zstd; by content) and packet captures, "
              "also inside zip archives, resolved exactly as Log4j would, with callback hosts, sources and IOCs. "
              "'-' or no PATH: stdin.");
  cmd->add_option("paths", flags->paths, "Log files or directories (recursive); '-' for stdin");
  cmd->add_option("--format,-f", flags->format, "Output format: text, json, jsonl, csv")->capture_default_str();
  cmd->add_option("--output,-o", flags->output, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_option("--iocs", flags->iocs, "Also export indicators: FORMAT FILE, FORMAT one of stix, misp-csv, csv")
      ->type_name("FORMAT FILE");
  add_walk_flags(*cmd, flags->walk, "Files hunted in parallel (default: all cores)");
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "Accepted for symmetry with scan (hunt prints no progress)");
  cmd->add_flag("--pcap", flags->pcap,
                "Read every PATH that is not a zip as a network capture (pcap/pcapng are recognised by their magic "
                "bytes anyway): "
                "attempts in HTTP and raw payloads, JNDI callbacks (LDAP, RMI, DNS), served payloads, incidents");
  cmd->add_option("--pcap-window", flags->pcap_window,
                  "Seconds after an attempt in which a contact with its callback makes an incident (captures)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, &exit_code] { exit_code = run_hunt(*flags); });
}

}  // namespace l4s::cli
