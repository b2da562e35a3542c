// The outbox: reports that could not be delivered for a reason that may
// pass (server down, 429, 5xx) wait in a directory until a later run sends
// them. One file per report, named by the sha256 of its body, so a report
// kept twice is kept once; each holds a one-line JSON header (host, kind,
// kept) then the report's bytes. A report the server refuses for good is
// moved to rejected/ with a .reason file beside it, never deleted.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "upload/upload.h"

namespace l4s::upload {

inline constexpr const char* kDefaultOutbox = "/var/lib/log4shield/outbox";

class Outbox {
 public:
  explicit Outbox(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Writes `report` atomically into the outbox (created 0700 when missing);
  // returns its path. Keeping a report already kept changes nothing.
  Result<std::string> keep(const Report& report) const;

  // Files a report the server refused for good (a run's own, never kept
  // before) straight into rejected/, with its reason; returns its path.
  Result<std::string> keep_rejected(const Report& report, const UploadResult& why) const;

  // The reports waiting, oldest first ("" entries never; none when the
  // directory does not exist).
  std::vector<std::string> waiting() const;

  // Reads a kept file back.
  static Result<Report> read(const std::string& path);

 private:
  std::string dir_;
};

struct DeliveryEvent {
  std::string path;     // the outbox file
  Report report;        // kind and host (body empty when the file was unreadable)
  UploadResult result;  // rejected with a reason for an unreadable file
  std::string moved_to; // rejected/...: where a refused report went
};

struct DeliveryCounts {
  size_t delivered = 0;  // 201
  size_t duplicate = 0;  // 200
  size_t failed = 0;     // refused for good (moved to rejected/), or could not be moved
  size_t waiting = 0;    // still in the outbox (a transient failure stopped the round)
  bool busy = false;     // another run was delivering this outbox: nothing was tried
  std::string error;     // the outbox could not be locked or read
  bool server_unreachable() const { return waiting > 0 && !busy; }
};

// Sends every waiting report, oldest first, removing each after a 200/201
// and moving a refused one to rejected/. The first transient failure ends
// the round (the server is down or busy: the rest would fail the same way).
// Holds an exclusive lock on DIR/.lock meanwhile; a second run finding it
// held returns at once with `busy`, so no file is sent by two runs at a time.
DeliveryCounts deliver_outbox(const Outbox& outbox, const UploadOptions& options,
                              const std::function<void(const DeliveryEvent&)>& on_each = nullptr);

}  // namespace l4s::upload
