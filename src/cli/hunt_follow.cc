#include "cli/hunt_follow.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/host.h"
#include "follow/emitter.h"
#include "follow/follower.h"
#include "follow/syslog_listener.h"
#include "follow/syslog_out.h"
#include "follow/upload_batcher.h"

namespace l4s::cli {

namespace {

follow::Follower* g_follower = nullptr;

void on_stop_signal(int) {
  if (g_follower) g_follower->stop();  // an atomic store and a write(): signal-safe
}

}  // namespace

int run_follow(const std::vector<std::string>& paths, const std::string& output, const FollowFlags& flags,
               const UploadFlags& upload, const std::string& host_override) {
  for (const std::string& p : paths) {
    if (p == "-") {
      std::cerr << "log4shield hunt: --follow reads files and folders, not stdin\n";
      return kExitUsage;
    }
  }
  if (paths.empty() && flags.listen_syslog.empty()) {
    std::cerr << "log4shield hunt: --follow needs PATH... or --listen-syslog\n";
    return kExitUsage;
  }
  std::vector<follow::Endpoint> listens, outs;
  for (const auto* list : {&flags.listen_syslog, &flags.syslog_out}) {
    for (const std::string& url : *list) {
      Result<follow::Endpoint> e = follow::parse_endpoint(url);
      if (!e.ok()) {
        std::cerr << "log4shield hunt: " << e.error() << "\n";
        return kExitUsage;
      }
      (list == &flags.listen_syslog ? listens : outs).push_back(e.value());
    }
  }

  // Detections are appended (never rewritten) and flushed line by line.
  int out_fd = STDOUT_FILENO;
  bool out_is_file = false;
  if (!output.empty() && output != "-") {
    out_fd = follow::open_follow_output(output);
    if (out_fd < 0) {
      std::cerr << "log4shield hunt: cannot open " << output << ": " << std::strerror(errno) << "\n";
      return kExitIncomplete;
    }
    struct stat st;
    out_is_file = ::fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode);
    if (out_is_file) {
      Status repaired = follow::repair_output_tail(out_fd);
      if (!repaired.ok()) std::cerr << "log4shield hunt: " << output << ": " << repaired.error() << "\n";
    }
  }
  follow::Emitter emitter(out_fd, out_is_file);
  const std::string host = host_override.empty() ? host_name() : host_override;

  // Batches for fleet serve are cut from the output file: it must be one.
  std::unique_ptr<follow::UploadBatcher> batcher;
  if (upload.enabled()) {
    if (!out_is_file) {
      std::cerr << "log4shield hunt: --follow --upload needs -o FILE (the batches sent are cut from it)\n";
      return kExitUsage;
    }
    follow::UploadBatcherOptions bo;
    bo.output = output;
    bo.state = (flags.no_state ? output : flags.state) + ".upload";
    bo.outbox = upload.outbox;
    bo.host = host;
    bo.upload = upload.options;
    bo.interval = std::chrono::milliseconds(static_cast<int64_t>(flags.upload_interval * 1000));
    bo.synced_size = [&emitter] { return emitter.sync(); };
    bo.on_message = [](const std::string& m) { std::cerr << "log4shield hunt: upload: " << m << "\n"; };
    batcher = std::make_unique<follow::UploadBatcher>(std::move(bo));
    if (Status st = batcher->start(); !st.ok()) {
      std::cerr << "log4shield hunt: upload: " << st.error() << "\n";
      return kExitIncomplete;
    }
  }

  std::vector<std::unique_ptr<follow::SyslogSender>> senders;
  for (const follow::Endpoint& e : outs) {
    auto sender = std::make_unique<follow::SyslogSender>(e, host);
    Status st = sender->open();
    if (!st.ok()) std::cerr << "log4shield hunt: --syslog-out " << st.error() << " (retried per detection)\n";
    follow::SyslogSender* s = sender.get();
    emitter.add_forwarder([s](const hunt::Detection& d, const follow::Provenance& from) { s->send(d, from); });
    senders.push_back(std::move(sender));
  }

  follow::FollowOptions options;
  options.paths = paths;
  options.use_inotify = !flags.no_inotify;
  options.poll_interval = std::chrono::milliseconds(static_cast<int64_t>(flags.poll_interval * 1000));
  options.from_start = flags.from_start;
  options.state_path = flags.no_state ? "" : flags.state;
  options.output_path = out_is_file ? output : "";
  struct stat out_st;
  if (::fstat(out_fd, &out_st) == 0 && S_ISREG(out_st.st_mode)) {
    options.output_dev = static_cast<uint64_t>(out_st.st_dev);
    options.output_ino = static_cast<uint64_t>(out_st.st_ino);
  }
  options.host = host;
  follow::Follower follower(options, emitter);

  std::vector<std::unique_ptr<follow::SyslogListener>> listeners;
  for (const follow::Endpoint& e : listens) {
    auto l = std::make_unique<follow::SyslogListener>(e, options.hunt, emitter);
    Status st = l->open();
    if (!st.ok()) {
      std::cerr << "log4shield hunt: --listen-syslog " << st.error() << "\n";
      return kExitUsage;
    }
    std::cerr << "log4shield hunt: listening for syslog on " << (e.tcp ? "tcp" : "udp") << " port " << l->port()
              << "\n";
    listeners.push_back(std::move(l));
  }

  Status started = follower.start();
  if (!started.ok()) {
    std::cerr << "log4shield hunt: --state " << started.error() << "\n";
    return kExitIncomplete;
  }
  g_follower = &follower;
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  for (auto& l : listeners) l->start();

  const bool summaries = isatty(STDERR_FILENO);
  auto last_summary = std::chrono::steady_clock::now();
  follow::FollowStats last_files = follower.stats();
  uint64_t last_detections = 0, last_messages = 0, last_malformed = 0;
  auto tick = [&] {
    for (const std::string& w : follower.take_warnings()) std::cerr << "log4shield hunt: " << w << "\n";
    if (!summaries || std::chrono::steady_clock::now() - last_summary < std::chrono::minutes(1)) return;
    last_summary = std::chrono::steady_clock::now();
    follow::FollowStats s = follower.stats();
    uint64_t messages = 0, malformed = 0;
    for (const auto& l : listeners) {
      messages += l->stats().messages;
      malformed += l->stats().malformed;
    }
    uint64_t detections = emitter.detections();
    std::cerr << "log4shield hunt: last minute: " << (s.lines - last_files.lines) << " lines from " << s.files
              << " files, " << (messages - last_messages) << " syslog messages (" << (malformed - last_malformed)
              << " malformed), " << (detections - last_detections) << " attempts\n";
    last_files = s;
    last_detections = detections;
    last_messages = messages;
    last_malformed = malformed;
  };
  follower.run(tick);
  for (auto& l : listeners) l->stop();
  Status saved = follower.save_state();
  g_follower = nullptr;
  for (const std::string& w : follower.take_warnings()) std::cerr << "log4shield hunt: " << w << "\n";
  if (!saved.ok()) std::cerr << "log4shield hunt: cannot save the state: " << saved.error() << "\n";
  if (batcher) batcher->stop();  // the last batch into the outbox, one more delivery
  if (out_fd != STDOUT_FILENO) ::close(out_fd);
  if (!emitter.error().empty()) {
    std::cerr << "log4shield hunt: output: " << emitter.error() << "\n";
    return kExitIncomplete;
  }
  return kExitClean;
}

}  // namespace l4s::cli
