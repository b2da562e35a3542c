#include "cli/upload_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/clock.h"
#include "core/host.h"
#include "fleet/parse.h"

namespace l4s::cli {
namespace {

// A clean run whose report did not reach the server, nor the outbox, or was
// refused for good, is incomplete; a "found" (1) says more and stays.
int incomplete(int exit_code) { return exit_code == kExitClean ? kExitIncomplete : exit_code; }

std::string what_was_stored(const upload::UploadResult& r) {
  std::string s = r.state == upload::UploadState::kDuplicate ? "already stored" : "stored";
  return r.report_hash.empty() ? s : s + " (report " + r.report_hash + ")";
}

std::string outbox_command(const UploadFlags& flags) {
  return "log4shield fleet upload --server " + flags.url + " --token-file " + flags.token_file +
         (flags.ca_cert.empty() ? "" : " --ca-cert " + flags.ca_cert) + " --outbox " + flags.outbox;
}

// Delivers what waits in the outbox; prints a line per report that did not
// go well (and per delivered one); false when a report was refused for good.
// `reachable` says whether the round ended on a transient failure.
bool deliver_waiting(std::string_view command, const UploadFlags& flags, bool* reachable) {
  const upload::Outbox outbox(flags.outbox);
  const std::string prefix = fmt::format("log4shield {}: upload: ", command);
  upload::DeliveryCounts c = upload::deliver_outbox(outbox, flags.options, [&](const upload::DeliveryEvent& e) {
    const std::string what = fmt::format("waiting {} report of {} ({})", e.report.kind.empty() ? "?" : e.report.kind,
                                         e.report.host.empty() ? "?" : e.report.host, e.path);
    if (e.result.stored()) std::cerr << prefix << what << ": " << what_was_stored(e.result) << "\n";
    else if (e.result.state == upload::UploadState::kRejected)
      std::cerr << prefix << what << ": refused: " << e.result.reason
                << (e.moved_to.empty() ? "" : "; moved to " + e.moved_to) << "\n";
  });
  if (!c.error.empty()) std::cerr << prefix << "outbox " << flags.outbox << ": " << c.error << "\n";
  if (c.busy)
    std::cerr << prefix << "another log4shield is delivering the outbox " << flags.outbox
              << "; its waiting reports are left to it\n";
  *reachable = !c.server_unreachable();
  if (!*reachable) std::cerr << prefix << c.waiting << " report(s) still waiting in " << flags.outbox << "\n";
  return c.failed == 0;
}

}  // namespace

void add_upload_flags(CLI::App& cmd, UploadFlags& flags) {
  CLI::Option* url = cmd.add_option(
      "--upload", flags.url,
      "After the run, send the report (as JSON) to this fleet server: https://HOST:PORT; reports waiting in the "
      "outbox go first");
  cmd.add_option("--token-file", flags.token_file, "--upload: file whose first line is the upload token")->needs(url);
  url->needs(cmd.get_option("--token-file"));
  cmd.add_option("--ca-cert", flags.ca_cert, "--upload: CA certificate(s) to verify the server with (PEM)")
      ->needs(url);
  cmd.add_option("--outbox", flags.outbox,
                 "--upload: where a report waits when the server cannot take it now")
      ->capture_default_str()
      ->needs(url);
  cmd.add_option("--upload-attempts", flags.attempts, "--upload: attempts per report (429, 5xx, network failures)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100))
      ->needs(url);
  cmd.add_option("--upload-backoff", flags.backoff,
                 "--upload: seconds before the second attempt, doubling after (with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0))
      ->needs(url);
}

namespace {

// The connection options from the flags; an error message for bad values.
Result<upload::UploadOptions> connection_options(const std::string& url, const std::string& token_file,
                                                 const std::string& ca_cert, int attempts, double backoff,
                                                 std::string* warning) {
  upload::UploadOptions o;
  auto endpoint = upload::reports_url(url);
  if (!endpoint.ok()) return Error{endpoint.error()};
  auto token = upload::read_token_file(token_file, warning);
  if (!token.ok()) return Error{token.error()};
  if (!ca_cert.empty() && access(ca_cert.c_str(), R_OK) != 0) return Error{"cannot read --ca-cert " + ca_cert};
  o.server = *endpoint;
  o.token = *token;
  o.ca_cert = ca_cert;
  o.attempts = attempts;
  o.backoff = std::chrono::milliseconds(static_cast<int64_t>(backoff * 1000));
  return o;
}

}  // namespace

bool prepare_upload(std::string_view command, UploadFlags& flags) {
  if (!flags.enabled()) return true;
  std::string warning;
  auto o = connection_options(flags.url, flags.token_file, flags.ca_cert, flags.attempts, flags.backoff, &warning);
  if (!o.ok()) {
    std::cerr << "log4shield " << command << ": --upload: " << o.error() << "\n";
    return false;
  }
  if (!warning.empty()) std::cerr << "log4shield " << command << ": warning: " << warning << "\n";
  flags.options = *o;
  return true;
}

int upload_after_run(std::string_view command, const UploadFlags& flags, const upload::Report& report,
                     int exit_code) {
  if (!flags.enabled()) return exit_code;
  const std::string prefix = fmt::format("log4shield {}: upload: ", command);
  bool reachable = true;
  if (!deliver_waiting(command, flags, &reachable)) exit_code = incomplete(exit_code);

  if (report.body.empty()) {
    std::cerr << prefix << "no " << report.kind << " report to send (nothing was recorded)\n";
    return exit_code;
  }
  upload::UploadResult result;
  if (reachable) {
    result = upload::upload_report(report, flags.options);
  } else {
    result.reason = "the server did not take the reports waiting before it";  // no point trying now
  }
  switch (result.state) {
    case upload::UploadState::kDelivered:
    case upload::UploadState::kDuplicate:
      std::cerr << prefix << report.kind << " report of " << report.host << " " << what_was_stored(result) << " on "
                << flags.url << "\n";
      return exit_code;
    case upload::UploadState::kRejected: {
      auto kept = upload::Outbox(flags.outbox).keep_rejected(report, result);
      std::cerr << prefix << "the server refused the report: " << result.reason
                << (kept.ok() ? "; it is kept in " + *kept : "; it could not be kept: " + kept.error()) << "\n";
      return incomplete(exit_code);
    }
    case upload::UploadState::kTransient: {
      auto kept = upload::Outbox(flags.outbox).keep(report);
      if (!kept.ok()) {
        std::cerr << prefix << "not sent (" << result.reason << ") and cannot be kept for later: " << kept.error()
                  << "\n";
        return incomplete(exit_code);
      }
      std::cerr << prefix << "not sent (" << result.reason << "); kept in " << *kept
                << ", sent by the next run with --upload or by `" << outbox_command(flags) << "`\n";
      return exit_code;
    }
  }
  return exit_code;
}

ReportSpool::ReportSpool() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/log4shield-upload.XXXXXX";
  int fd = mkstemp(templ.data());
  if (fd >= 0) {
    close(fd);
    path_ = templ;
    out_.open(path_, std::ios::binary | std::ios::trunc);
  }
}

ReportSpool::~ReportSpool() {
  if (!path_.empty()) unlink(path_.c_str());
}

Result<std::string> ReportSpool::contents() {
  out_.flush();
  if (path_.empty() || !out_) return Error{"cannot write the report for the upload to a temporary file"};
  std::ifstream in(path_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return Error{"cannot read back " + path_};
  return ss.str();
}

// `fleet upload`: saved report files and/or an outbox, to the server.
namespace {

struct FleetUploadFlags {
  std::vector<std::string> files;
  std::string server, token_file, ca_cert, outbox, host;
  int attempts = 4;
  double backoff = 1;
  bool quiet = false;
};

int run_fleet_upload(FleetUploadFlags f) {
  const std::string prefix = "log4shield fleet upload: ";
  std::string warning;
  auto o = connection_options(f.server, f.token_file, f.ca_cert, f.attempts, f.backoff, &warning);
  if (!o.ok()) {
    std::cerr << prefix << o.error() << "\n";
    return kExitUsage;
  }
  if (!warning.empty()) std::cerr << prefix << "warning: " << warning << "\n";
  if (f.files.empty() && f.outbox.empty()) f.outbox = upload::kDefaultOutbox;
  size_t stored = 0, failed = 0, waiting = 0;

  bool reachable = true;
  for (size_t i = 0; i < f.files.size(); ++i) {
    const std::string& file = f.files[i];
    if (!reachable) {
      ++waiting;
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) {
      std::cerr << prefix << file << ": cannot read it\n";
      ++failed;
      continue;
    }
    upload::Report report;
    report.body = ss.str();
    // Read as `fleet import` reads it: what is not a report is not sent.
    fleet::ParseOptions po;
    po.source = file;
    po.host_override = f.host;
    po.now = now_iso8601();
    Result<fleet::Parsed> parsed = Error{"unreadable"};
    try {
      parsed = fleet::parse_report(report.body, po);
    } catch (const std::exception& e) {  // type-confused JSON the parser does not catch yet (issue 15)
      parsed = Error{e.what()};
    }
    if (!parsed.ok()) {
      std::cerr << prefix << file << ": not a report: " << parsed.error() << "\n";
      ++failed;
      continue;
    }
    report.kind = parsed->report.kind;
    report.host = parsed->report.host == "unknown" && f.host.empty() ? host_name() : parsed->report.host;
    upload::UploadResult r = upload::upload_report(report, *o);
    const std::string what = fmt::format("{} ({} report of {})", file, report.kind, report.host);
    if (r.stored()) {
      ++stored;
      if (!f.quiet) std::cerr << prefix << what << ": " << what_was_stored(r) << "\n";
    } else if (r.state == upload::UploadState::kRejected) {
      ++failed;
      std::cerr << prefix << what << ": refused: " << r.reason << "\n";
    } else {
      ++waiting;
      reachable = false;
      std::cerr << prefix << what << ": not sent: " << r.reason << "\n";
    }
  }
  if (!reachable && waiting > 1) std::cerr << prefix << waiting - 1 << " more file(s) not tried\n";

  if (!f.outbox.empty() && reachable) {
    upload::DeliveryCounts c = upload::deliver_outbox(upload::Outbox(f.outbox), *o, [&](const upload::DeliveryEvent& e) {
      const std::string what = fmt::format("{} ({} report of {})", e.path, e.report.kind, e.report.host);
      if (e.result.stored()) {
        if (!f.quiet) std::cerr << prefix << what << ": " << what_was_stored(e.result) << "\n";
      } else if (e.result.state == upload::UploadState::kRejected) {
        std::cerr << prefix << what << ": refused: " << e.result.reason
                  << (e.moved_to.empty() ? "" : "; moved to " + e.moved_to) << "\n";
      } else {
        std::cerr << prefix << what << ": not sent: " << e.result.reason << "\n";
      }
    });
    stored += c.delivered + c.duplicate;
    failed += c.failed;
    waiting += c.waiting;
    if (!c.error.empty()) {
      std::cerr << prefix << "outbox " << f.outbox << ": " << c.error << "\n";
      ++failed;
    }
    if (c.busy)
      std::cerr << prefix << "another log4shield is delivering the outbox " << f.outbox
                << "; its reports are left to it\n";
  }
  if (!f.quiet || failed || waiting)
    std::cerr << fmt::format("{}{} report(s) stored, {} refused or unreadable, {} not sent (try again later)\n",
                             prefix, stored, failed, waiting);
  return failed || waiting ? kExitIncomplete : kExitClean;
}

}  // namespace

void add_fleet_upload_command(CLI::App& fleet, int& exit_code) {
  auto f = std::make_shared<FleetUploadFlags>();
  CLI::App* cmd = fleet.add_subcommand(
      "upload", "Send saved scan/fix/hunt/canary/probe reports (JSON or JSONL) and/or the reports waiting in an "
                "outbox to a fleet server; without FILE: the default outbox");
  cmd->add_option("files", f->files, "Report files");
  cmd->add_option("--server", f->server, "The fleet server: https://HOST:PORT")->required();
  cmd->add_option("--token-file", f->token_file, "File whose first line is the upload token")->required();
  cmd->add_option("--ca-cert", f->ca_cert, "CA certificate(s) to verify the server with (PEM)");
  cmd->add_option("--outbox", f->outbox,
                  std::string("Also deliver the reports waiting in DIR (default without FILE: ") +
                      upload::kDefaultOutbox + ")");
  cmd->add_option("--host", f->host, "Host the FILEs are about (default: their own, else this machine's)");
  cmd->add_option("--attempts", f->attempts, "Attempts per report (429, 5xx, network failures)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--backoff", f->backoff, "Seconds before the second attempt, doubling after (with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_flag("--quiet,-q", f->quiet, "Lines only for reports that were not stored");
  cmd->callback([f, &exit_code] { exit_code = run_fleet_upload(*f); });
}

}  // namespace l4s::cli
