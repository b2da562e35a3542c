// "scanning: N files, M findings, S s" on stderr once a second while a scan
// runs (scan, on a terminal).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace l4s::cli {

class ProgressLine {
 public:
  ProgressLine(bool enabled, const std::atomic<uint64_t>& files, const std::atomic<uint64_t>& findings);
  ~ProgressLine();  // stops and clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void loop();
  bool enabled_;
  const std::atomic<uint64_t>& files_;
  const std::atomic<uint64_t>& findings_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace l4s::cli
