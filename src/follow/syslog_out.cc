#include "follow/syslog_out.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/clock.h"
#include "hunt/resolve.h"

namespace l4s::follow {

namespace {

// PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' get a backslash.
std::string sd_value(std::string_view v, size_t max = 1024) {
  std::string out;
  for (char c : v.substr(0, max)) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

// HOSTNAME and APP-NAME are PRINTUSASCII without spaces, or "-".
std::string header_token(std::string_view v, size_t max) {
  std::string out;
  for (char c : v.substr(0, max))
    if (c > 32 && c < 127) out += c;
  return out.empty() ? "-" : out;
}

int syslog_severity(hunt::Severity s) {
  switch (s) {
    case hunt::Severity::kCritical: return 2;
    case hunt::Severity::kHigh: return 3;
    case hunt::Severity::kMedium: return 4;
    case hunt::Severity::kLow: return 5;
  }
  return 5;
}

}  // namespace

std::string format_syslog_detection(const hunt::Detection& d, const Provenance& from, const std::string& now,
                                    const std::string& local_host, int pid) {
  std::string out = "<" + std::to_string(4 * 8 + syslog_severity(d.severity)) + ">1 " + header_token(now, 64) + " " +
                    header_token(local_host, 255) + " log4shield " + std::to_string(pid) + " detection [" + kSdId;
  auto param = [&](const char* name, std::string_view value) {
    if (!value.empty()) out += std::string(" ") + name + "=\"" + sd_value(value) + "\"";
  };
  param("verdict", hunt::verdict_name(d.verdict));
  param("severity", hunt::severity_name(d.severity));
  param("host", from.host);
  param("origin", from.origin);
  param("file", d.file);
  param("line", std::to_string(d.line));
  param("timestamp", d.timestamp);
  param("source_ip", d.source_ip);
  if (!d.jndi.empty()) {
    param("jndi", d.jndi.front().name);
    param("callback_host", d.jndi.front().host);
  }
  param("decoded_command", d.decoded_command);
  out += "] Log4Shell attempt (";
  out += hunt::verdict_name(d.verdict);
  out += "): ";
  // The line itself, one line (a receiver frames by newline).
  for (char c : std::string_view(d.raw).substr(0, 8192)) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

SyslogSender::SyslogSender(Endpoint endpoint, std::string local_host)
    : endpoint_(std::move(endpoint)), local_host_(std::move(local_host)) {}

SyslogSender::~SyslogSender() {
  if (fd_ >= 0) ::close(fd_);
}

bool SyslogSender::connect_locked() {
  if (fd_ >= 0) return true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = endpoint_.tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(endpoint_.host.c_str(), std::to_string(endpoint_.port).c_str(), &hints, &res) != 0) return false;
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      return true;
    }
    ::close(fd);
  }
  return false;
}

Status SyslogSender::open() {
  std::lock_guard lock(mu_);
  if (!connect_locked()) return Status::failure(endpoint_.url() + ": cannot connect: " + std::strerror(errno));
  return {};
}

void SyslogSender::send(const hunt::Detection& d, const Provenance& from) {
  std::string msg = format_syslog_detection(d, from, now_iso8601(), local_host_, static_cast<int>(::getpid()));
  if (endpoint_.tcp) msg = std::to_string(msg.size()) + " " + msg;
  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connect_locked()) break;
    size_t done = 0;
    bool failed = false;
    while (done < msg.size()) {
      ssize_t n = ::send(fd_, msg.data() + done, msg.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed = true;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (!failed) {
      ++sent_;
      return;
    }
    ::close(fd_);
    fd_ = -1;
    // A half-sent TCP frame cannot be resumed on a new connection: only a
    // message that sent nothing is retried.
    if (done > 0) break;
  }
  ++dropped_;
}

uint64_t SyslogSender::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}
uint64_t SyslogSender::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

}  // namespace l4s::follow
