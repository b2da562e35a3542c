// `--syslog-out udp|tcp://HOST:PORT`: each detection as an RFC 5424 message
// with structured data, to a SIEM or a central syslog. UDP sends one
// datagram per detection; TCP uses octet counting (RFC 6587) and reconnects
// after a failure (the message that failed is counted as dropped).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/result.h"
#include "follow/emitter.h"
#include "follow/syslog_listener.h"

namespace l4s::follow {

// The SD-ID of our structured data (32473 is the private enterprise number
// RFC 5612 sets aside for examples; there is no registered one).
inline constexpr const char* kSdId = "log4shield@32473";

// "<PRI>1 TIMESTAMP HOST log4shield PROCID detection [log4shield@32473 ...] MSG"
// (no framing). PRI: facility security/auth (4), severity by the detection's
// (critical 2, high 3, medium 4, low 5). `now` is the TIMESTAMP.
std::string format_syslog_detection(const hunt::Detection& d, const Provenance& from, const std::string& now,
                                    const std::string& local_host, int pid);

class SyslogSender {
 public:
  explicit SyslogSender(Endpoint endpoint, std::string local_host);
  ~SyslogSender();
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;
  Status open();  // resolves, connects (TCP)
  void send(const hunt::Detection& d, const Provenance& from);
  uint64_t sent() const;
  uint64_t dropped() const;

 private:
  bool connect_locked();
  Endpoint endpoint_;
  std::string local_host_;
  mutable std::mutex mu_;
  int fd_ = -1;
  uint64_t sent_ = 0, dropped_ = 0;
};

}  // namespace l4s::follow
