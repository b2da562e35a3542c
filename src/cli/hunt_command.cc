// `log4shield hunt [PATH...|-]`: find Log4Shell attempts in logs, resolved as
// Log4j would resolve them, and report them with their IOCs.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <utility>

#include "cli/commands.h"
#include "cli/hunt_follow.h"
#include "cli/output.h"
#include "cli/production_flags.h"
#include "cli/upload_flags.h"
#include "cli/walk_flags.h"
#include "hunt/hunt_writer.h"
#include "hunt/ioc_export.h"
#include "ingest/hunt_run.h"
#include "core/clock.h"
#include "core/host.h"

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
  FollowFlags follow;
  bool format_given = false;
  std::string host_name;  // overrides the report's host (several hosts' logs on one machine)
  UploadFlags upload;
  ProductionFlags production;
};

int run_hunt(HuntFlags flags) {
  if (!apply_production_flags("hunt", flags.production)) return kExitUsage;
  if (flags.follow.follow) {
    if (flags.format_given && flags.format != "jsonl") {
      std::cerr << "log4shield hunt: --follow writes jsonl (one detection per line as found)\n";
      return kExitUsage;
    }
    if (!flags.iocs.first.empty() || flags.pcap) {
      std::cerr << "log4shield hunt: --iocs and --pcap are for batch hunts, not --follow\n";
      return kExitUsage;
    }
    if (!prepare_upload("hunt", flags.upload)) return kExitUsage;
    return run_follow(flags.paths, flags.output, flags.follow, flags.upload, flags.host_name);
  }
  if (!flags.follow.listen_syslog.empty() || !flags.follow.syslog_out.empty()) {
    std::cerr << "log4shield hunt: --listen-syslog and --syslog-out need --follow\n";
    return kExitUsage;
  }
  hunt::HuntFormat format;
  if (!hunt::parse_hunt_format(flags.format, &format)) {
    std::cerr << "log4shield hunt: unknown --format " << flags.format << " (text, json, jsonl, csv)\n";
    return kExitUsage;
  }
  hunt::IocFormat ioc_format = hunt::IocFormat::kStix;
  if (!flags.iocs.first.empty() && !hunt::parse_ioc_format(flags.iocs.first, &ioc_format)) {
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
  if (!flags.iocs.first.empty() && is_stdout(flags.iocs.second) && is_stdout(flags.output)) {
    std::cerr << "log4shield hunt: --iocs and the report cannot both go to standard output\n";
    return kExitUsage;
  }
  if (!prepare_upload("hunt", flags.upload)) return kExitUsage;

  hunt::HuntReport rep;
  rep.tool_version = L4S_VERSION;
  rep.host = flags.host_name.empty() ? host_name() : flags.host_name;
  rep.started = now_iso8601();
  rep.roots = flags.paths;

  ingest::HuntRunOptions options;
  options.paths = flags.paths;
  options.walk = flags.walk;
  options.input.capture.correlation_window = flags.pcap_window;
  options.input.force_capture = flags.pcap;
  options.keep_iocs = !flags.iocs.first.empty();
  ingest::HuntRun run(std::move(options));

  const bool color = format == hunt::HuntFormat::kText && use_color(flags.no_color, flags.output);
  bool hunted = false;             // the run went to the end
  bool output_incomplete = false;  // the report lost bytes on the way out
  // The upload sends the --format json report, written beside the user's.
  std::unique_ptr<ReportSpool> upload_copy;
  std::unique_ptr<hunt::HuntWriter> copy_writer;
  if (flags.upload.enabled()) {
    upload_copy = std::make_unique<ReportSpool>();
    copy_writer = std::make_unique<hunt::HuntWriter>(hunt::HuntFormat::kJson, upload_copy->stream());
  }
  auto hunt_all = [&](std::ostream& out) {
    hunt::HuntWriter writer(format, out, color);
    run.run(writer, &rep, copy_writer.get());
    if (run.output_lost()) {
      std::cerr << "log4shield hunt: " << run.output_error() << ": the report misses detections\n";
      output_incomplete = true;
    } else if (!run.output_error().empty()) {
      std::cerr << "log4shield hunt: " << run.output_error() << " (the waiting output was kept in memory)\n";
    }
    hunted = true;
  };

  int rc = write_output("hunt", flags.output, hunt_all) ? kExitClean : kExitWriteFailed;
  // The report file could not even be created: nothing was hunted, and an
  // empty IOC export would only overwrite a good one.
  if (!hunted) return kExitWriteFailed;
  if (output_incomplete) rc = kExitWriteFailed;
  // Attempts Log4j leaves inert are reported but do not raise the alarm.
  bool found = run.tally().effective_attempts() > 0 || !rep.network_events.empty();
  rc = std::max(rc, found ? kExitFound : rep.errors.empty() ? kExitClean : kExitIncomplete);
  if (!flags.iocs.first.empty()) {
    std::vector<hunt::Ioc> iocs = run.tally().iocs();
    auto write_iocs = [&](std::ostream& o) { hunt::write_iocs(ioc_format, iocs, rep.finished, o); };
    if (!write_output("hunt", flags.iocs.second, write_iocs, "IOCs")) rc = std::max(rc, kExitWriteFailed);
  }
  if (!flags.upload.enabled()) return rc;
  auto body = upload_copy->contents();
  if (!body.ok() || run.copy_lost()) {
    std::cerr << "log4shield hunt: upload: not sent: "
              << (body.ok() ? "the report for it misses detections (its spill file failed)" : body.error()) << "\n";
    return rc == kExitClean ? kExitIncomplete : rc;
  }
  return upload_after_run("hunt", flags.upload, {std::move(*body), rep.host, "hunt"}, rc);
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
  add_production_flags(*cmd, flags->production);
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
  cmd->add_flag("--follow", flags->follow.follow,
                "Watch the PATHs live (new files in folders too, through rotation) and write each attempt as a "
                "jsonl line the moment it is found; runs until SIGINT/SIGTERM. -o FILE is appended to");
  cmd->add_option("--state", flags->follow.state,
                  "--follow: where to remember what was read, for exactly-once across restarts")
      ->capture_default_str();
  cmd->add_flag("--no-state", flags->follow.no_state, "--follow: keep no state (a restart starts at the ends)");
  cmd->add_flag("--from-start", flags->follow.from_start,
                "--follow: read files present at the first start from their beginning (default: their end)");
  cmd->add_flag("--no-inotify", flags->follow.no_inotify, "--follow: poll only");
  cmd->add_option("--poll-interval", flags->follow.poll_interval,
                  "--follow: seconds between polls (also with inotify, for filesystems it misses)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--listen-syslog", flags->follow.listen_syslog,
                  "--follow: receive syslog (RFC 3164/5424) on udp://ADDR:PORT or tcp://ADDR:PORT (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--syslog-out", flags->follow.syslog_out,
                  "--follow: also send each detection as RFC 5424 syslog to udp|tcp://HOST:PORT (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--upload-interval", flags->follow.upload_interval,
                  "--follow --upload: seconds between batches sent (each a hunt report cut from -o FILE)")
      ->capture_default_str();
  cmd->add_option("--host-name", flags->host_name, "Host name to put in the report (default: this machine's)");
  add_upload_flags(*cmd, flags->upload);
  cmd->callback([flags, &exit_code, cmd] {
    flags->format_given = cmd->get_option("--format")->count() > 0;
    exit_code = run_hunt(*flags);
  });
}

}  // namespace l4s::cli
