#include "follow/syslog_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "follow/syslog.h"
#include "hunt/log_fields.h"

namespace l4s::follow {

namespace {

std::string address_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
    return buf;
  }
  if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
    return buf;
  }
  return "?";
}

uint16_t port_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}

std::string peer_url(const char* scheme, const sockaddr_storage& ss) {
  std::string a = address_text(ss);
  if (ss.ss_family == AF_INET6) a = "[" + a + "]";
  return std::string(scheme) + "://" + a + ":" + std::to_string(port_of(ss));
}

// "udp://[::1]:5000" -> "::1"
std::string peer_address(const std::string& peer) {
  size_t start = peer.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t colon = peer.rfind(':');
  std::string a = peer.substr(start, colon == std::string::npos || colon < start ? std::string::npos : colon - start);
  if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
  return a;
}

}  // namespace

std::string Endpoint::url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tcp ? "tcp" : "udp") + "://" + h + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(const std::string& url) {
  Endpoint e;
  std::string rest;
  if (url.rfind("udp://", 0) == 0) {
    rest = url.substr(6);
  } else if (url.rfind("tcp://", 0) == 0) {
    e.tcp = true;
    rest = url.substr(6);
  } else {
    return Result<Endpoint>::failure(url + ": not udp://ADDR:PORT or tcp://ADDR:PORT");
  }
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    return Result<Endpoint>::failure(url + ": needs ADDR:PORT");
  e.host = rest.substr(0, colon);
  if (e.host.front() == '[') {
    if (e.host.back() != ']') return Result<Endpoint>::failure(url + ": unclosed '['");
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  std::string port = rest.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    return Result<Endpoint>::failure(url + ": bad port");
  e.port = static_cast<uint16_t>(std::stoul(port));
  return e;
}

bool hunt_syslog_frame(std::string_view frame, const std::string& peer, const std::string& label, uint64_t seq,
                       uint64_t offset, const hunt::HuntOptions& options, Emitter& emitter) {
  std::optional<SyslogMessage> m = parse_syslog(frame);
  if (!m) return false;
  Provenance from{m->hostname.empty() ? peer_address(peer) : m->hostname, peer};
  hunt::scan_block(
      frame, offset, seq,
      [&](hunt::Detection&& d) {
        d.file = label;
        d.line = seq;
        // The message is the sender's log line: its own fields come first.
        hunt::LogFields fields = hunt::parse_log_fields(m->msg);
        if (fields.timestamp.empty()) fields = hunt::parse_log_fields(d.raw);
        d.timestamp = std::move(fields.timestamp);
        d.timestamp_raw = std::move(fields.timestamp_raw);
        if (d.timestamp.empty() && !m->timestamp.empty()) d.timestamp = d.timestamp_raw = m->timestamp;
        d.source_ip = std::move(fields.source_ip);
        d.forwarded_for = std::move(fields.forwarded_for);
        emitter.emit(d, from);
      },
      options.env, options.limits);
  return true;
}

SyslogListener::SyslogListener(Endpoint endpoint, hunt::HuntOptions options, Emitter& emitter)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), emitter_(emitter) {}

SyslogListener::~SyslogListener() {
  stop();
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status SyslogListener::open() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = endpoint_.tcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port = std::to_string(endpoint_.port);
  int rc = getaddrinfo(endpoint_.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return Status::failure(endpoint_.url() + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  fd_ = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return Status::failure(endpoint_.url() + ": socket: " + std::strerror(errno));
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!endpoint_.tcp) {
    // Bursts of datagrams wait here while a line is evaluated.
    int size = 8 << 20;
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  }
  if (::bind(fd_, res->ai_addr, res->ai_addrlen) != 0)
    return Status::failure(endpoint_.url() + ": bind: " + std::strerror(errno));
  if (endpoint_.tcp && ::listen(fd_, 128) != 0)
    return Status::failure(endpoint_.url() + ": listen: " + std::strerror(errno));
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = port_of(ss);
  Endpoint bound = endpoint_;
  bound.port = port_;
  label_ = bound.url();
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return {};
}

void SyslogListener::start() {
  thread_ = std::thread([this] { endpoint_.tcp ? serve_tcp() : serve_udp(); });
}

void SyslogListener::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

ListenerStats SyslogListener::stats() const {
  ListenerStats s;
  s.messages = messages_.load();
  s.malformed = malformed_.load();
  s.bytes = bytes_.load();
  s.connections = connections_.load();
  s.kernel_drops = kernel_drops_.load();
  return s;
}

void SyslogListener::on_frame(std::string_view frame, const std::string& peer) {
  uint64_t seq = ++messages_;
  uint64_t offset = bytes_.fetch_add(frame.size());
  if (!hunt_syslog_frame(frame, peer, label_, seq, offset, options_, emitter_)) ++malformed_;
}

void SyslogListener::serve_udp() {
  std::vector<char> buf(65536);
  while (!stopping_.load()) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (stopping_.load()) break;
    for (;;) {
      sockaddr_storage ss{};
      iovec iov{buf.data(), buf.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
      msghdr msg{};
      msg.msg_name = &ss;
      msg.msg_namelen = sizeof ss;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(fd_, &msg, 0);
      if (n < 0) break;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          kernel_drops_.store(drops);
        }
      }
      std::string_view frame(buf.data(), static_cast<size_t>(n));
      while (!frame.empty() && (frame.back() == '\n' || frame.back() == '\r' || frame.back() == '\0'))
        frame.remove_suffix(1);
      on_frame(frame, peer_url("udp", ss));
    }
  }
}

void SyslogListener::serve_tcp() {
  struct Conn {
    int fd;
    std::string peer;
    TcpFramer framer;
    uint64_t counted = 0;  // of framer.malformed(), already in malformed_
  };
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<char> buf(65536);
  auto close_conn = [&](size_t i) {
    conns[i]->framer.finish([&](std::string_view f) { on_frame(f, conns[i]->peer); });
    malformed_ += conns[i]->framer.malformed() - conns[i]->counted;
    ::close(conns[i]->fd);
    conns.erase(conns.begin() + static_cast<long>(i));
  };
  while (!stopping_.load()) {
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
    for (const auto& c : conns) fds.push_back({c->fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (stopping_.load()) break;
    // Back to front, so closing one keeps the others' indexes.
    for (size_t i = conns.size(); i-- > 0;) {
      if (!(fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Conn& c = *conns[i];
      ssize_t n = ::read(c.fd, buf.data(), buf.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        close_conn(i);
        continue;
      }
      c.framer.feed(std::string_view(buf.data(), static_cast<size_t>(n)),
                    [&](std::string_view f) { on_frame(f, c.peer); });
      malformed_ += c.framer.malformed() - c.counted;
      c.counted = c.framer.malformed();
    }
    if (fds[1].revents & POLLIN) {
      for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int cfd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0) break;
        if (conns.size() >= 1024) {
          ::close(cfd);
          continue;
        }
        ++connections_;
        conns.push_back(std::make_unique<Conn>(Conn{cfd, peer_url("tcp", ss), TcpFramer(), 0}));
      }
    }
  }
  while (!conns.empty()) close_conn(conns.size() - 1);
}

}  // namespace l4s::follow
