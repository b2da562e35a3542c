// `log4shield fleet import FILE...|-` and `log4shield fleet status`: gather the
// reports of every host into one store (SQLite file or PostgreSQL server) and
// answer the operational questions from it. The work is fleet's (Store,
// parse, status); this file parses flags.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/fleet_common.h"
#include "cli/output.h"
#include "cli/upload_flags.h"
#include "core/clock.h"
#include "fleet/status.h"
#include "fleet/store.h"

namespace l4s::cli {

fleet::ImportCounts import_files(fleet::Store& store, const std::vector<std::string>& files, const std::string& host,
                                 bool quiet) {
  fleet::ImportOptions options;
  options.host = host;
  options.now = now_iso8601();
  options.on_error = [](const std::string& message) { std::cerr << "log4shield fleet import: " << message << "\n"; };
  if (!quiet && files.size() <= 50) {
    options.on_report = [](const std::string& file, const fleet::Parsed& p, bool added) {
      std::cerr << fmt::format("{:<9} {} {} ({}, {})\n", added ? "imported" : "unchanged", p.report.kind, file,
                               p.report.host, p.report.time);
    };
  }
  return store.import_files(files, options);
}

namespace {

struct ImportFlags {
  std::vector<std::string> files;
  std::string db = "fleet.db";
  std::string host;
  bool quiet = false;
};

int run_import(const ImportFlags& f) {
  auto store = fleet::Store::open(f.db);
  if (!store.ok()) {
    std::cerr << "log4shield fleet import: " << store.error() << "\n";
    return kExitIncomplete;
  }
  fleet::ImportCounts c = import_files(**store, f.files, f.host, f.quiet);
  if (!f.quiet)
    std::cerr << fmt::format("{} report{} imported, {} already in the store, {} failed ({}: {})\n", c.added,
                             c.added == 1 ? "" : "s", c.unchanged, c.failed, (*store)->engine(),
                             fleet::redact_spec(f.db));
  return c.db_error || c.failed ? kExitIncomplete : kExitClean;
}

struct StatusFlags {
  std::string db = "fleet.db";
  std::string since;
  std::string format = "text";
  std::string output;
};

int run_status(const StatusFlags& f) {
  if (f.format != "text" && f.format != "json" && f.format != "csv") {
    std::cerr << "log4shield fleet status: unknown --format " << f.format << " (text, json, csv)\n";
    return kExitUsage;
  }
  if (!fleet::valid_since(f.since)) {
    std::cerr << "log4shield fleet status: --since wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not " << f.since << "\n";
    return kExitUsage;
  }
  auto store = fleet::Store::open(f.db);
  if (!store.ok()) {
    std::cerr << "log4shield fleet status: " << store.error() << "\n";
    return kExitIncomplete;
  }
  auto data = (*store)->load(/*with_evidence=*/false);
  if (!data.ok()) {
    std::cerr << "log4shield fleet status: " << fleet::redact_spec(f.db) << ": " << data.error() << "\n";
    return kExitIncomplete;
  }
  fleet::Analysis a = fleet::analyze(*data, f.since, now_iso8601());
  auto write = [&](std::ostream& o) {
    if (f.format == "json") fleet::write_status_json(a, o);
    else if (f.format == "csv") fleet::write_status_csv(a, o);
    else fleet::write_status_text(a, o);
  };
  if (!write_output("fleet status", f.output, write)) return kExitWriteFailed;
  return a.hosts_exposed > 0 ? kExitFound : kExitClean;
}

}  // namespace

void add_fleet_command(CLI::App& app, int& exit_code) {
  CLI::App* fleet = app.add_subcommand(
      "fleet", "Gather the reports of every host into one store (SQLite file or PostgreSQL) and query it");
  fleet->require_subcommand(1);

  auto im = std::make_shared<ImportFlags>();
  CLI::App* imp = fleet->add_subcommand(
      "import", "Load scan/fix/hunt/canary/probe JSON or JSONL outputs; re-importing a report changes nothing");
  imp->add_option("files", im->files, "Report files, or - for stdin")->required();
  imp->add_option("--db", im->db, "SQLite file or postgresql://user@host/db URI")->capture_default_str();
  imp->add_option("--host", im->host,
                  "Host the reports are about (overrides their own; canary and probe outputs carry none)");
  imp->add_flag("--quiet,-q", im->quiet, "No per-file lines and summary on stderr");
  imp->callback([im, &exit_code] { exit_code = run_import(*im); });

  auto st = std::make_shared<StatusFlags>();
  CLI::App* sta = fleet->add_subcommand(
      "status", "Hosts scanned and when, still exposed per CVE and severity, fixes, stale hosts, attempts, callbacks");
  sta->add_option("--db", st->db, "SQLite file or postgresql://user@host/db URI")->capture_default_str();
  sta->add_option("--since", st->since,
                  "DATE (YYYY-MM-DD or ISO-8601 UTC): list hosts not scanned since, count fixes, attempts and "
                  "callbacks since");
  sta->add_option("--format,-f", st->format, "Output: text, json, csv (one row per host)")->capture_default_str();
  sta->add_option("--output,-o", st->output, "Write to FILE (atomically) instead of stdout");
  sta->callback([st, &exit_code] { exit_code = run_status(*st); });

  add_fleet_serve_commands(*fleet, exit_code);
  add_fleet_upload_command(*fleet, exit_code);
}

}  // namespace l4s::cli
