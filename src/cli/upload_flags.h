// What `scan`, `fix`, `hunt`, `canary` and `probe` share to send their
// report to `fleet serve` after the run (--upload URL --token-file FILE
// [--ca-cert FILE] [--outbox DIR]), and `fleet upload`, which sends saved
// reports and the outbox. The work is upload's; this wires flags, messages
// and exit codes.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "core/result.h"
#include "upload/outbox.h"
#include "upload/upload.h"

namespace l4s::cli {

struct UploadFlags {
  std::string url;  // --upload URL ("" = no upload)
  std::string token_file;
  std::string ca_cert;
  std::string outbox = upload::kDefaultOutbox;
  int attempts = 4;
  double backoff = 1;  // seconds before the second attempt
  upload::UploadOptions options;  // set by prepare_upload
  bool enabled() const { return !url.empty(); }
};

// Adds --upload, --token-file, --ca-cert, --outbox, --upload-attempts and
// --upload-backoff to a command.
void add_upload_flags(CLI::App& cmd, UploadFlags& flags);

// Before the run: checks the URL and reads the token, so that a long scan
// does not end in a usage error. False (message printed) means exit 64.
bool prepare_upload(std::string_view command, UploadFlags& flags);

// After the run: delivers the reports waiting in the outbox, then `report`
// (kept in the outbox when the server cannot take it now; an empty body
// means the run has nothing to send, as a canary that saw no callback). Returns the exit
// code: `exit_code` unchanged when every report was stored or kept for later;
// a clean 0 becomes 2 (incomplete) when a report was refused for good (it is
// in OUTBOX/rejected/ with its reason) or could be neither sent nor kept.
int upload_after_run(std::string_view command, const UploadFlags& flags, const upload::Report& report,
                     int exit_code);

// A report rendered for the upload beside the user's output, into a
// temporary file (removed with the spool) rather than memory: hunt reports
// may be large while the run writes them.
class ReportSpool {
 public:
  ReportSpool();
  ~ReportSpool();
  ReportSpool(const ReportSpool&) = delete;
  ReportSpool& operator=(const ReportSpool&) = delete;
  std::ostream& stream() { return out_; }
  Result<std::string> contents();

 private:
  std::string path_;
  std::ofstream out_;
};

// `fleet upload`, registered under `fleet`.
void add_fleet_upload_command(CLI::App& fleet, int& exit_code);

}  // namespace l4s::cli
