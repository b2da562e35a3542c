#include "cli/progress_line.h"

#include <chrono>
#include <iostream>

#include <fmt/format.h>

namespace l4s::cli {

ProgressLine::ProgressLine(bool enabled, const std::atomic<uint64_t>& files, const std::atomic<uint64_t>& findings)
    : enabled_(enabled), files_(files), findings_(findings) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::cerr << "\r\033[K" << std::flush;
}

void ProgressLine::loop() {
  auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> l(mu_);
  while (!cv_.wait_for(l, std::chrono::seconds(1), [&] { return done_; })) {
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << fmt::format("\r\033[Kscanning: {} files, {} findings, {:.0f} s", files_.load(), findings_.load(), s)
              << std::flush;
  }
}

}  // namespace l4s::cli
