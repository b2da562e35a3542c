// `hunt --follow --upload`: the detections written to the JSONL output file
// go to `fleet serve` in batches, each batch one hunt report. The output file
// is the source of truth: a batch is a byte range [from, to) of it, and its
// report is built from those bytes alone, so building it again gives the
// same report, which the server stores once (same content hash).
//
// Exactly once across SIGKILL: the range is recorded in the batcher's state
// file before its report is written to the outbox, and the state moves past
// it only after; a restart that finds a range pending builds the same report
// again (the outbox keeps one copy, the server answers "duplicate" if it was
// already delivered). Delivery from the outbox happens in the background and
// survives a server outage (the outbox waits).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "upload/outbox.h"
#include "upload/upload.h"

namespace l4s::follow {

struct UploadBatcherOptions {
  std::string output;                   // the JSONL output file the emitter appends to
  std::string state;                    // the batcher's own state file
  std::string outbox;                   // upload::Outbox directory
  std::string host;                     // the host that sends (X-Log4shield-Host)
  upload::UploadOptions upload;         // server, token, CA, retries
  std::chrono::milliseconds interval{10000};  // how often a batch is cut and delivery tried
  size_t max_batch_bytes = 8u << 20;    // a larger backlog is cut into several reports
  // Where the output stands durably now (the emitter's sync()); the batcher
  // never reads past it.
  std::function<Result<uint64_t>()> synced_size;
  std::function<void(const std::string&)> on_message;  // one line per notable event (stderr)
};

// One batch's report: the JSONL detection lines of `lines` (whole lines,
// each ending in '\n') and a summary naming the host and the range. Pure.
std::string batch_report(const std::string& lines, const std::string& host, const std::string& output,
                         uint64_t from, uint64_t to);

class UploadBatcher {
 public:
  explicit UploadBatcher(UploadBatcherOptions options);
  ~UploadBatcher();  // stop()
  UploadBatcher(const UploadBatcher&) = delete;
  UploadBatcher& operator=(const UploadBatcher&) = delete;

  // Loads the state, finishes a batch left pending by a crash, then starts
  // the background cut-and-deliver loop.
  Status start();
  // Cuts what is synced now into outbox reports (also called by the loop).
  Status cut();
  // One delivery round from the outbox (also called by the loop).
  upload::DeliveryCounts deliver();
  // Cuts once more, tries one delivery, and stops the loop.
  void stop();

  uint64_t batches() const;  // reports put in the outbox by this process

 private:
  struct State {
    uint64_t device = 0, inode = 0;  // identity of the output file the offsets are in
    uint64_t from = 0, to = 0;       // to > from: a batch [from, to) is being kept
  };
  Result<State> load_state() const;
  Status save_state(const State& s) const;
  Status keep_range(uint64_t from, uint64_t to);  // reads the range, then keep_lines
  Status keep_lines(uint64_t from, uint64_t to, const std::string& lines);
  void loop();

  UploadBatcherOptions options_;
  upload::Outbox outbox_;
  mutable std::mutex mu_;
  State state_;
  uint64_t batches_ = 0;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace l4s::follow
