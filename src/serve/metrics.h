// What `fleet serve` counts, rendered as Prometheus text: reports received
// and rejected (by reason), requests by status and their latency, open
// connections; the estate's gauges (hosts exposed per CVE) come from the
// store at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace l4s::serve {

class Metrics {
 public:
  // Why an upload was refused: the label of reports_rejected_total.
  enum class Rejection { kMalformed, kUnauthorized, kForbidden, kTooLarge, kRateLimited, kUnsupported, kStoreError };
  static constexpr size_t kRejections = 7;
  static const char* label(Rejection r);

  void stored() { ++stored_; }
  void duplicate() { ++duplicate_; }
  void rejected(Rejection r) { ++rejected_[static_cast<size_t>(r)]; }
  void request(int status, double seconds);
  void connection_opened() { ++connections_; }
  void connection_closed() { --connections_; }
  void connection_refused() { ++refused_; }

  struct Estate {
    int64_t hosts = 0, hosts_exposed = 0;
    std::map<std::string, int64_t> exposed_by_cve;  // CVE -> hosts
    bool known = false;                             // the store answered
  };
  std::string render(const Estate& estate) const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::atomic<int64_t> stored_{0}, duplicate_{0}, connections_{0}, refused_{0};
  std::array<std::atomic<int64_t>, kRejections> rejected_{};
  mutable std::mutex mutex_;
  std::map<int, int64_t> by_status_;
  std::array<int64_t, kBuckets.size()> bucket_counts_{};
  int64_t requests_ = 0;
  double seconds_sum_ = 0;
};

}  // namespace l4s::serve
