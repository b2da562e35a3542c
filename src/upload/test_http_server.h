// A tiny HTTP/1.1 responder on a loopback port for the upload tests: it
// records every request (method, target, headers, body) and answers each
// with the next scripted response (then with the default one), one
// connection at a time, closing each after its answer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/testing/loopback_socket.h"

namespace l4s::test {

struct HttpRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpAnswer {
  int status = 201;  // 0: close the connection without answering
  std::string body = R"({"status":"stored","report":"abc"})";
  std::vector<std::string> headers;  // extra "Name: value" lines
};

class TestHttpServer {
 public:
  TestHttpServer() {
    uint16_t port = 0;
    fd_ = listen_loopback(64, &port);
    port_ = port;
    thread_ = std::thread([this] { serve(); });
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Answers for the next requests, in order; then `fallback`.
  void script(std::vector<HttpAnswer> answers) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& a : answers) script_.push_back(std::move(a));
  }
  void set_fallback(HttpAnswer a) {
    std::lock_guard<std::mutex> l(mu_);
    fallback_ = std::move(a);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      close(c);
    }
  }

  // Reads until `want` bytes are buffered or the peer stops; false on EOF/timeout.
  static bool fill(int c, std::string* buf, size_t want) {
    char tmp[65536];
    while (buf->size() < want) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) return false;
      ssize_t n = recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf->append(tmp, static_cast<size_t>(n));
    }
    return true;
  }

  void handle(int c) {
    std::string buf;
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!fill(c, &buf, buf.size() + 1)) return;
    HttpRequest r;
    std::string head = buf.substr(0, end);
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    r.target = first.substr(r.method.size() + 1, first.rfind(' ') - r.method.size() - 1);
    for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next;
    }
    const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    if (!fill(c, &buf, end + 4 + length)) return;
    r.body = buf.substr(end + 4, length);
    HttpAnswer answer;
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(r);
      if (script_.empty()) {
        answer = fallback_;
      } else {
        answer = script_.front();
        script_.pop_front();
      }
    }
    if (answer.status == 0) return;
    std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " X\r\nContent-Type: application/json\r\n";
    for (const auto& h : answer.headers) out += h + "\r\n";
    out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n" + answer.body;
    for (size_t sent = 0; sent < out.size();) {
      ssize_t n = send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::deque<HttpAnswer> script_;
  HttpAnswer fallback_;
  std::vector<HttpRequest> requests_;
};

// A loopback port nothing listens on (bound, then closed): connection refused.
inline int refused_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace l4s::test
