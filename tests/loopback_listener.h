// A TCP listener on a loopback port that counts connections (each closed at
// once): what a JVM's JNDI lookup of ldap://127.0.0.1:PORT/... makes, for
// the end-to-end tests that run real Log4j.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/testing/loopback_socket.h"

namespace l4s::test {

class LoopbackListener {
 public:
  LoopbackListener() {
    uint16_t port = 0;
    fd_ = listen_loopback(16, &port);
    port_ = port;
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
          int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) {
            ++connections_;
            close(c);
          }
        }
      }
    });
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;
  ~LoopbackListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace l4s::test
