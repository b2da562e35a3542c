// `log4shield fleet import FILE...|-` and `log4shield fleet status`: gather the
// reports of every host into one store (SQLite file or PostgreSQL server) and
// answer the operational questions from it.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/fleet_common.h"
#include "fleet/parse.h"
#include "fleet/status.h"
#include "fleet/store.h"
#include "report/scan_report.h"

namespace l4s::cli {

bool read_input(const std::string& file, std::string* text, std::string* error) {
  if (file == "-") {
    text->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *error = file + ": cannot read";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return true;
}

bool valid_since(const std::string& since) {
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?$)");
  return since.empty() || std::regex_match(since, kDate);
}

ImportCounts import_files(fleet::Store& store, const std::vector<std::string>& files, const std::string& host,
                          bool quiet) {
  ImportCounts c;
  const std::string now = report::now_iso8601();
  constexpr size_t kBatch = 500;  // reports per transaction
  size_t in_batch = 0;
  auto flush = [&]() -> bool {
    if (in_batch == 0) return true;
    in_batch = 0;
    if (Status st = store.commit(); !st.ok()) {
      std::cerr << "log4shield fleet import: " << st.error() << "\n";
      c.db_error = true;
      return false;
    }
    return true;
  };
  for (const auto& file : files) {
    std::string text, err;
    if (!read_input(file, &text, &err)) {
      std::cerr << "log4shield fleet import: " << err << "\n";
      ++c.failed;
      continue;
    }
    auto parsed = fleet::parse_report(text, {file, host, now});
    if (!parsed.ok()) {
      std::cerr << "log4shield fleet import: " << parsed.error() << "\n";
      ++c.failed;
      continue;
    }
    if (in_batch == 0) {
      if (Status st = store.begin(); !st.ok()) {
        std::cerr << "log4shield fleet import: " << st.error() << "\n";
        c.db_error = true;
        return c;
      }
    }
    ++in_batch;
    auto added = store.add(*parsed);
    if (!added.ok()) {
      store.rollback();
      std::cerr << "log4shield fleet import: " << file << ": " << added.error() << "\n";
      c.db_error = true;
      return c;
    }
    if (*added) {
      ++c.added;
      c.rows += parsed->findings.size() + parsed->errors.size() + parsed->detections.size() +
                parsed->callbacks.size() + parsed->probes.size() + 1;
    } else {
      ++c.unchanged;
    }
    if (!quiet && files.size() <= 50)
      std::cerr << fmt::format("{:<9} {} {} ({}, {})\n", *added ? "imported" : "unchanged", parsed->report.kind, file,
                               parsed->report.host, parsed->report.time);
    if (in_batch >= kBatch && !flush()) return c;
  }
  flush();
  return c;
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
  ImportCounts c = import_files(**store, f.files, f.host, f.quiet);
  if (!f.quiet)
    std::cerr << fmt::format("{} report{} imported, {} already in the store, {} failed ({}: {})\n", c.added,
                             c.added == 1 ? "" : "s", c.unchanged, c.failed, (*store)->engine(), redact(f.db));
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
  if (!valid_since(f.since)) {
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
    std::cerr << "log4shield fleet status: " << data.error() << "\n";
    return kExitIncomplete;
  }
  fleet::Analysis a = fleet::analyze(*data, f.since, report::now_iso8601());
  auto write = [&](std::ostream& o) {
    if (f.format == "json") fleet::write_status_json(a, o);
    else if (f.format == "csv") fleet::write_status_csv(a, o);
    else fleet::write_status_text(a, o);
  };
  if (f.output.empty()) {
    write(std::cout);
    std::cout.flush();
  } else {
    std::string err;
    if (!report::write_file_atomically(f.output, write, &err)) {
      std::cerr << "log4shield fleet status: " << err << "\n";
      return kExitIncomplete;
    }
  }
  return a.hosts_exposed > 0 ? kExitFound : kExitClean;
}

}  // namespace

std::string redact(const std::string& spec) {
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db
  static const std::regex kPassword(R"(^(postgres(ql)?://[^:/@]*:)[^@]*@)");
  return std::regex_replace(spec, kPassword, "$1***@");
}

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
}

}  // namespace l4s::cli
