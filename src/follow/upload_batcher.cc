#include "follow/upload_batcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace l4s::follow {
namespace {

using nlohmann::ordered_json;

Result<std::string> read_range(const std::string& path, uint64_t from, uint64_t to) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  std::string out(to - from, '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(from + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error{path + ": the output is shorter than its recorded size"};
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string batch_report(const std::string& lines, const std::string& host, const std::string& output,
                         uint64_t from, uint64_t to) {
  // Nothing here may depend on when it is built: the same range must give
  // the same report (and content hash) after a restart.
  ordered_json summary{{"type", "summary"},
                       {"tool", {{"name", "log4shield"}}},
                       {"host", host},
                       {"roots", {output}},
                       {"follow", {{"output", output}, {"from", from}, {"to", to}}}};
  return lines + summary.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

UploadBatcher::UploadBatcher(UploadBatcherOptions options)
    : options_(std::move(options)), outbox_(options_.outbox) {}

UploadBatcher::~UploadBatcher() { stop(); }

Result<UploadBatcher::State> UploadBatcher::load_state() const {
  State s;
  std::ifstream in(options_.state);
  if (!in) return s;  // a first run
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return Error{options_.state + ": not an upload state (remove it to start over)"};
  auto num = [&](const char* key) -> uint64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  s.device = num("output_device");
  s.inode = num("output_inode");
  s.from = num("from");
  s.to = num("to");
  if (s.to < s.from) s.to = s.from;
  return s;
}

Status UploadBatcher::save_state(const State& s) const {
  std::string error;
  const ordered_json j{{"output", options_.output}, {"output_device", s.device}, {"output_inode", s.inode},
                       {"from", s.from}, {"to", s.to}};
  if (!write_file_atomically(options_.state, [&](std::ostream& o) { o << j.dump() << "\n"; }, &error))
    return Status::failure(error);
  return {};
}

Status UploadBatcher::keep_range(uint64_t from, uint64_t to) {
  auto lines = read_range(options_.output, from, to);
  if (!lines.ok()) return Status::failure(lines.error());
  return keep_lines(from, to, *lines);
}

Status UploadBatcher::keep_lines(uint64_t from, uint64_t to, const std::string& lines) {
  upload::Report report{batch_report(lines, options_.host, options_.output, from, to), options_.host, "hunt"};
  auto kept = outbox_.keep(report);
  if (!kept.ok()) return Status::failure(kept.error());
  ++batches_;
  return {};
}

Status UploadBatcher::start() {
  {
    std::lock_guard lock(mu_);
    auto loaded = load_state();
    if (!loaded.ok()) return Status::failure(loaded.error());
    state_ = *loaded;
    struct stat st {};
    if (::stat(options_.output.c_str(), &st) == 0 &&
        (state_.device != static_cast<uint64_t>(st.st_dev) || state_.inode != static_cast<uint64_t>(st.st_ino))) {
      if (state_.to > state_.from && options_.on_message)
        options_.on_message("the output was replaced since the last run: its pending batch is gone with it");
      state_ = State{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), 0, 0};
    }
    if (state_.to > state_.from) {  // a crash between recording a batch and keeping it
      if (Status st2 = keep_range(state_.from, state_.to); !st2.ok()) return st2;
      state_.from = state_.to;
      if (Status saved = save_state(state_); !saved.ok()) return saved;
    }
  }
  thread_ = std::thread([this] { loop(); });
  return {};
}

Status UploadBatcher::cut() {
  auto size = options_.synced_size();
  if (!size.ok()) return Status::failure(size.error());
  std::lock_guard lock(mu_);
  struct stat st {};
  if (::stat(options_.output.c_str(), &st) != 0)
    return Status::failure(options_.output + ": " + std::strerror(errno));
  const auto device = static_cast<uint64_t>(st.st_dev), inode = static_cast<uint64_t>(st.st_ino);
  if (device != state_.device || inode != state_.inode || *size < state_.from)
    state_ = State{device, inode, 0, 0};  // rotated or truncated: its new content starts at 0
  while (state_.from < *size) {
    // Read the range once; end it on a whole line: back to the last newline
    // in it, or on to the next one for a line longer than a batch.
    const uint64_t limit = std::min<uint64_t>(*size, state_.from + options_.max_batch_bytes);
    auto lines = read_range(options_.output, state_.from, limit);
    if (!lines.ok()) return Status::failure(lines.error());
    if (limit < *size) {
      const size_t nl = lines->rfind('\n');
      if (nl != std::string::npos) {
        lines->resize(nl + 1);
      } else {
        auto rest = read_range(options_.output, limit, *size);
        if (!rest.ok()) return Status::failure(rest.error());
        const size_t next = rest->find('\n');
        lines->append(*rest, 0, next == std::string::npos ? rest->size() : next + 1);
      }
    }
    const uint64_t to = state_.from + lines->size();
    State pending = state_;
    pending.to = to;
    if (Status saved = save_state(pending); !saved.ok()) return saved;
    if (Status kept = keep_lines(pending.from, to, *lines); !kept.ok()) return kept;
    state_.from = to;
    state_.to = to;
    if (Status saved = save_state(state_); !saved.ok()) return saved;
  }
  return {};
}

upload::DeliveryCounts UploadBatcher::deliver() {
  return upload::deliver_outbox(outbox_, options_.upload, [&](const upload::DeliveryEvent& e) {
    if (e.result.state == upload::UploadState::kRejected && options_.on_message)
      options_.on_message("upload refused for good (" + e.result.reason + "): kept in " + e.moved_to);
  });
}

void UploadBatcher::loop() {
  bool reported_down = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, options_.interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    if (Status st = cut(); !st.ok() && options_.on_message) options_.on_message("upload batch: " + st.error());
    const upload::DeliveryCounts c = deliver();
    if (c.server_unreachable() != reported_down && options_.on_message) {
      options_.on_message(c.server_unreachable()
                              ? std::to_string(c.waiting) + " report(s) wait in " + options_.outbox +
                                    ": the server cannot take them now"
                              : "the server takes reports again; the outbox is delivered");
      reported_down = c.server_unreachable();
    }
  }
}

void UploadBatcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) {
      stopping_ = true;
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (Status st = cut(); !st.ok() && options_.on_message) options_.on_message("upload batch: " + st.error());
  deliver();
}

uint64_t UploadBatcher::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

}  // namespace l4s::follow
