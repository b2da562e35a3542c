// Where `hunt --follow` sends each detection the moment it is found: one
// JSONL line (the batch `hunt -f jsonl` detection object plus "host" and,
// for syslog input, "origin") written whole and at once to stdout or an
// appended file, then to any forwarders (syslog out). Thread-safe: the file
// follower and the syslog listeners share one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "hunt/detection.h"

namespace l4s::follow {

// Who a detection is about: the host that logged it and, for network input,
// the peer it came from ("udp://192.0.2.1:514"; "" for local files).
struct Provenance {
  std::string host;
  std::string origin;
};

using Forwarder = std::function<void(const hunt::Detection&, const Provenance&)>;

class Emitter {
 public:
  // `fd` stays owned by the caller. `is_file`: a regular file opened with
  // O_APPEND, which sync() makes durable and whose size the state records.
  Emitter(int fd, bool is_file);

  void emit(const hunt::Detection& d, const Provenance& from);
  void add_forwarder(Forwarder forwarder);

  // Makes what was written durable (files only) and returns the output's
  // size then; 0 for a stream.
  Result<uint64_t> sync();

  // After a restart: detections written past the state's output_size were
  // found again from the saved offsets; these (offset, raw) keys, read from
  // that tail of the output, are not written a second time.
  void skip_once(std::multimap<uint64_t, std::string> keys);
  // Reads those keys from `path` past `from` (file detections only).
  static std::multimap<uint64_t, std::string> written_keys(const std::string& path, uint64_t from);

  uint64_t detections() const;
  uint64_t skipped() const;
  // The first write error, "" while none (the output is then incomplete).
  std::string error() const;

 private:
  int fd_;
  bool is_file_;
  mutable std::mutex mu_;
  std::vector<Forwarder> forwarders_;
  std::multimap<uint64_t, std::string> skip_;
  uint64_t detections_ = 0;
  uint64_t skipped_ = 0;
  std::string error_;
};

// The JSONL line (with '\n') for `d` as `hunt -f jsonl` writes it, with
// "host" and "origin" (when not empty) after "type".
std::string format_follow_jsonl(const hunt::Detection& d, const Provenance& from);

}  // namespace l4s::follow
