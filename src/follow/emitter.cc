#include "follow/emitter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_writer.h"
#include "hunt/hunt_writer.h"

namespace l4s::follow {

namespace {

// The raw line as the JSONL output carries it (escaped, cut, U+FFFD for bad
// UTF-8), read back: the key that survives the trip through the output.
std::string raw_key(const std::string& jsonl_line) {
  try {
    nlohmann::json j = nlohmann::json::parse(jsonl_line);
    return j.value("raw", std::string());
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace

std::string format_follow_jsonl(const hunt::Detection& d, const Provenance& from) {
  static std::ostringstream unused;  // format() never touches the stream
  static const hunt::HuntWriter writer(hunt::HuntFormat::kJsonl, unused);
  std::string line = writer.format(d);
  static constexpr std::string_view kHead = "{\"type\":\"detection\"";
  if (line.compare(0, kHead.size(), kHead) != 0) return line;
  std::string extra;
  JsonWriter w(&extra);
  w.begin_object().key("host").string(from.host);
  if (!from.origin.empty()) w.key("origin").string(from.origin);
  w.end_object();
  // "{...}" -> ",..." spliced after "type".
  extra.front() = ',';
  extra.pop_back();
  line.insert(kHead.size(), extra);
  return line;
}

Emitter::Emitter(int fd, bool is_file) : fd_(fd), is_file_(is_file) {}

void Emitter::add_forwarder(Forwarder forwarder) {
  std::lock_guard lock(mu_);
  forwarders_.push_back(std::move(forwarder));
}

void Emitter::skip_once(std::multimap<uint64_t, std::string> keys) {
  std::lock_guard lock(mu_);
  skip_ = std::move(keys);
}

void Emitter::emit(const hunt::Detection& d, const Provenance& from) {
  std::string line = format_follow_jsonl(d, from);
  std::lock_guard lock(mu_);
  if (!skip_.empty() && from.origin.empty()) {
    auto [lo, hi] = skip_.equal_range(d.offset);
    if (lo != hi) {
      std::string key = raw_key(line);
      for (auto it = lo; it != hi; ++it) {
        if (it->second == key) {
          skip_.erase(it);
          ++skipped_;
          return;
        }
      }
    }
  }
  // One write per line (O_APPEND makes it one append); retried when partial.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (error_.empty()) error_ = std::string("write: ") + std::strerror(errno);
      break;
    }
    done += static_cast<size_t>(n);
  }
  ++detections_;
  for (const Forwarder& f : forwarders_) f(d, from);
}

Result<uint64_t> Emitter::sync() {
  if (!is_file_) return uint64_t{0};
  std::lock_guard lock(mu_);
  if (::fdatasync(fd_) != 0) return Result<uint64_t>::failure(std::string("fdatasync: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Result<uint64_t>::failure(std::string("fstat: ") + std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

std::multimap<uint64_t, std::string> Emitter::written_keys(const std::string& path, uint64_t from) {
  std::multimap<uint64_t, std::string> keys;
  std::ifstream in(path, std::ios::binary);
  if (!in) return keys;
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  while (std::getline(in, line)) {
    try {
      nlohmann::json j = nlohmann::json::parse(line);
      if (j.value("type", "") != "detection" || j.contains("origin")) continue;
      keys.emplace(j.value("offset", uint64_t{0}), j.value("raw", std::string()));
    } catch (const std::exception&) {
      // A line cut by the kill: it was never whole, so it is written again.
    }
  }
  return keys;
}

uint64_t Emitter::detections() const {
  std::lock_guard lock(mu_);
  return detections_;
}
uint64_t Emitter::skipped() const {
  std::lock_guard lock(mu_);
  return skipped_;
}
std::string Emitter::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace l4s::follow
