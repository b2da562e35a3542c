// `log4shield report [--db fleet.db | FILE...] -o report.html`: the estate as
// one self-contained HTML page, or as SARIF / CycloneDX (current state of each
// host) or STIX / MISP (hunt detections) for other tools.
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/fleet_common.h"
#include "cli/output.h"
#include "fleet/html_report.h"
#include "fleet/status.h"
#include "fleet/store.h"
#include "report/sarif.h"
#include "report/scan_report.h"
#include "fleet/hunt_export.h"

namespace l4s::cli {
namespace {

struct ReportFlags {
  std::vector<std::string> files;
  std::string db;
  std::string host;
  std::string format = "html";
  std::string output;
  std::string since;
  size_t max_rows = fleet::kDefaultMaxRows;
};

int run_report(const ReportFlags& f) {
  static const std::vector<std::string> kFormats = {"html", "sarif", "cyclonedx", "stix", "misp-csv"};
  if (std::find(kFormats.begin(), kFormats.end(), f.format) == kFormats.end()) {
    std::cerr << "log4shield report: unknown --format " << f.format << " (html, sarif, cyclonedx, stix, misp-csv)\n";
    return kExitUsage;
  }
  if (!f.db.empty() && !f.files.empty()) {
    std::cerr << "log4shield report: give --db or report FILEs, not both (import FILEs with `fleet import`)\n";
    return kExitUsage;
  }
  if (!fleet::valid_since(f.since)) {
    std::cerr << "log4shield report: --since wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n";
    return kExitUsage;
  }
  const std::string spec = !f.files.empty() ? ":memory:" : f.db.empty() ? "fleet.db" : f.db;
  auto store = fleet::Store::open(spec);
  if (!store.ok()) {
    std::cerr << "log4shield report: " << store.error() << "\n";
    return kExitIncomplete;
  }
  if (!f.files.empty()) {
    fleet::ImportCounts c = import_files(**store, f.files, f.host, true);
    if (c.db_error || c.failed) return kExitIncomplete;
  }
  auto data = (*store)->load(/*with_evidence=*/false);
  if (!data.ok()) {
    std::cerr << "log4shield report: " << fleet::redact_spec(spec) << ": " << data.error() << "\n";
    return kExitIncomplete;
  }
  const std::string now = report::now_iso8601();
  fleet::Analysis a = fleet::analyze(*data, f.since, now);
  auto write = [&](std::ostream& o) {
    if (f.format == "html") fleet::write_html_report(*data, a, o, f.max_rows);
    else if (f.format == "sarif") report::write_sarif(fleet::current_reports(*data, a), o);
    else if (f.format == "cyclonedx") report::write_cyclonedx(fleet::current_reports(*data, a), now, o);
    else if (f.format == "stix") fleet::write_fleet_stix(*data, now, o);
    else if (f.format == "misp-csv") fleet::write_fleet_misp_csv(*data, now, o);
  };
  std::string output = f.output;
  if (output.empty() && f.format == "html") output = "report.html";
  if (!write_output("report", output, write)) return kExitWriteFailed;
  if (is_stdout(output)) return kExitClean;
  std::cerr << "wrote " << output << " (" << a.hosts.size() << " hosts, " << a.hosts_exposed << " exposed)\n";
  return kExitClean;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report", "The estate as one self-contained HTML page (default report.html), or SARIF / CycloneDX of each "
                "host's current state, or STIX / MISP of the hunt detections");
  cmd->add_option("files", f->files, "Report files to read instead of a store (- for stdin)");
  cmd->add_option("--db", f->db, "SQLite file or postgresql:// URI (default fleet.db)");
  cmd->add_option("--host", f->host, "With FILEs: host they are about (for hunt/canary/probe outputs)");
  cmd->add_option("--format,-f", f->format, "html, sarif, cyclonedx, stix, misp-csv")->capture_default_str();
  cmd->add_option("--output,-o", f->output, "Output file (html default: report.html; others default: stdout)");
  cmd->add_option("--since", f->since, "DATE: count fixes, attempts and callbacks since; list hosts not scanned since");
  cmd->add_option("--max-rows", f->max_rows, "HTML: most findings in the table, worst first (0: all)")
      ->capture_default_str();
  cmd->callback([f, &exit_code] { exit_code = run_report(*f); });
}

}  // namespace l4s::cli
