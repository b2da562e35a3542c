// `hunt --follow --listen-syslog udp://ADDR:PORT | tcp://ADDR:PORT`: syslog
// from other hosts, each message hunted like a log line. The sender's
// HOSTNAME becomes the detection's host (its address when it sends none),
// the peer its origin; malformed frames are counted and skipped.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "follow/emitter.h"
#include "hunt/hunt_file.h"

namespace l4s::follow {

struct Endpoint {
  bool tcp = false;
  std::string host;  // numeric address or name
  uint16_t port = 0;
  std::string url() const;  // "udp://127.0.0.1:514"
};

// "udp://ADDR:PORT", "tcp://ADDR:PORT", "[v6]" addresses; port 0 picks one
// when listening.
Result<Endpoint> parse_endpoint(const std::string& url);

struct ListenerStats {
  uint64_t messages = 0;
  uint64_t malformed = 0;
  uint64_t bytes = 0;
  uint64_t connections = 0;
  uint64_t kernel_drops = 0;  // UDP: datagrams the kernel dropped (SO_RXQ_OVFL)
};

// Hunts one frame from `peer` ("udp://192.0.2.1:5140"); false when malformed.
// The detection's file is `label`, its line `seq`, its offset `offset`.
bool hunt_syslog_frame(std::string_view frame, const std::string& peer, const std::string& label, uint64_t seq,
                       uint64_t offset, const hunt::HuntOptions& options, Emitter& emitter);

class SyslogListener {
 public:
  SyslogListener(Endpoint endpoint, hunt::HuntOptions options, Emitter& emitter);
  ~SyslogListener();
  SyslogListener(const SyslogListener&) = delete;
  SyslogListener& operator=(const SyslogListener&) = delete;

  Status open();               // binds (and listens on TCP)
  uint16_t port() const { return port_; }  // the bound port
  void start();                // serves on its own thread
  void stop();                 // and joins
  ListenerStats stats() const;

 private:
  void serve_udp();
  void serve_tcp();
  void on_frame(std::string_view frame, const std::string& peer);

  Endpoint endpoint_;
  hunt::HuntOptions options_;
  Emitter& emitter_;
  std::string label_;
  int fd_ = -1;
  int wake_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> messages_{0}, malformed_{0}, bytes_{0}, connections_{0}, kernel_drops_{0};
};

}  // namespace l4s::follow
