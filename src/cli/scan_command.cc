// `log4shield scan [PATH...]`: walk, open archives, detect, report. The work is
// inventory's scan pipeline and report's sinks; this file parses flags.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/production_flags.h"
#include "cli/progress_line.h"
#include "cli/upload_flags.h"
#include "cli/walk_flags.h"
#include "core/host.h"
#include "inventory/scan_pipeline.h"
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
  UploadFlags upload;
  ProductionFlags production;
};

int run_scan(ScanFlags& flags) {
  report::Format format = report::Format::kJson;
  const bool sarif = flags.format == "sarif", cyclonedx = flags.format == "cyclonedx";
  if (!sarif && !cyclonedx && !report::parse_format(flags.format, &format)) {
    std::cerr << "log4shield scan: unknown --format " << flags.format << " (text, json, jsonl, csv, sarif, cyclonedx)\n";
    return kExitUsage;
  }
  if (!prepare_upload("scan", flags.upload)) return kExitUsage;
  if (!apply_production_flags("scan", flags.production)) return kExitUsage;
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
  inventory::ScanPipelineOptions scan;
  scan.walk = flags.walk;
  scan.walk.roots = walk_everything ? fs::local_roots() : flags.paths;
  scan.processes = flags.processes;
  scan.images = flags.images;
  scan.image.all_layers = flags.all_layers;
  std::atomic<uint64_t> files{0}, findings{0};
  scan.files = &files;
  scan.findings = &findings;
  inventory::ScanOutput all;
  {
    ProgressLine progress(!flags.quiet && isatty(2), files, findings);
    all = inventory::run_scan_pipeline(scanner, scan);
  }
  rep.finished = report::now_iso8601();
  rep.findings = std::move(all.findings);
  rep.errors = std::move(all.errors);
  rep.stats = all.stats;

  const bool color = use_color(flags.no_color, flags.output);
  auto write = [&](std::ostream& o) {
    if (sarif) return report::write_sarif({rep}, o);
    if (cyclonedx) return report::write_cyclonedx({rep}, rep.finished, o);
    report::write_report(rep, format, o, color);
  };
  int rc = kExitWriteFailed;
  if (write_output("scan", flags.output, write)) {
    bool vulnerable = std::any_of(rep.findings.begin(), rep.findings.end(),
                                  [](const Finding& f) { return f.status == FindingStatus::kVulnerable; });
    rc = vulnerable ? kExitFound : rep.errors.empty() ? kExitClean : kExitIncomplete;
  }
  if (!flags.upload.enabled()) return rc;
  std::ostringstream json;  // the server takes the --format json report, whatever the user reads
  report::write_report(rep, report::Format::kJson, json, false);
  return upload_after_run("scan", flags.upload, {json.str(), rep.host, "scan"}, rc);
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
  add_production_flags(*cmd, flags->production);
  cmd->add_flag("--processes", flags->processes,
                "Scan the jars of running Java processes (open, mapped, class path); alone, only those");
  cmd->add_option("--image", flags->images,
                  "Scan a container image: docker save tarball or OCI layout (directory or tar); repeatable");
  cmd->add_flag("--all-layers", flags->all_layers,
                "In images, also report copies deleted or replaced by a later layer");
  cmd->add_flag("--no-color", flags->no_color, "No ANSI colours in text output");
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress line on stderr");
  add_upload_flags(*cmd, flags->upload);
  cmd->callback([flags, &exit_code] { exit_code = run_scan(*flags); });
}

}  // namespace l4s::cli
