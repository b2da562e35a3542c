#include "serve/metrics.h"

#include <fmt/format.h>

namespace l4s::serve {

const char* Metrics::label(Rejection r) {
  switch (r) {
    case Rejection::kMalformed: return "malformed";
    case Rejection::kUnauthorized: return "unauthorized";
    case Rejection::kForbidden: return "forbidden";
    case Rejection::kTooLarge: return "too_large";
    case Rejection::kRateLimited: return "rate_limited";
    case Rejection::kUnsupported: return "unsupported";
    case Rejection::kStoreError: return "store_error";
  }
  return "other";
}

void Metrics::request(int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++by_status_[status];
  ++requests_;
  seconds_sum_ += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
}

std::string Metrics::render(const Estate& estate) const {
  std::string out;
  auto add = [&](std::string_view text) { out += text; };
  add("# HELP log4shield_reports_received_total Reports accepted, by outcome.\n"
      "# TYPE log4shield_reports_received_total counter\n");
  add(fmt::format("log4shield_reports_received_total{{outcome=\"stored\"}} {}\n", stored_.load()));
  add(fmt::format("log4shield_reports_received_total{{outcome=\"duplicate\"}} {}\n", duplicate_.load()));
  add("# HELP log4shield_reports_rejected_total Uploads refused, by reason.\n"
      "# TYPE log4shield_reports_rejected_total counter\n");
  for (size_t i = 0; i < kRejections; ++i)
    add(fmt::format("log4shield_reports_rejected_total{{reason=\"{}\"}} {}\n", label(static_cast<Rejection>(i)),
                    rejected_[i].load()));
  add("# HELP log4shield_connections_open Client connections open now.\n"
      "# TYPE log4shield_connections_open gauge\n");
  add(fmt::format("log4shield_connections_open {}\n", connections_.load()));
  add("# HELP log4shield_connections_refused_total Connections closed at once: the connection cap was reached.\n"
      "# TYPE log4shield_connections_refused_total counter\n");
  add(fmt::format("log4shield_connections_refused_total {}\n", refused_.load()));
  {
    std::lock_guard lock(mutex_);
    add("# HELP log4shield_http_requests_total Requests answered, by status code.\n"
        "# TYPE log4shield_http_requests_total counter\n");
    for (const auto& [status, n] : by_status_)
      add(fmt::format("log4shield_http_requests_total{{code=\"{}\"}} {}\n", status, n));
    add("# HELP log4shield_http_request_duration_seconds Time from a request read to its response ready.\n"
        "# TYPE log4shield_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < kBuckets.size(); ++i)
      add(fmt::format("log4shield_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i],
                      bucket_counts_[i]));
    add(fmt::format("log4shield_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", requests_));
    add(fmt::format("log4shield_http_request_duration_seconds_sum {}\n", seconds_sum_));
    add(fmt::format("log4shield_http_request_duration_seconds_count {}\n", requests_));
  }
  if (estate.known) {
    add("# HELP log4shield_hosts Hosts in the fleet store.\n# TYPE log4shield_hosts gauge\n");
    add(fmt::format("log4shield_hosts {}\n", estate.hosts));
    add("# HELP log4shield_hosts_exposed Hosts with a vulnerable, unmitigated copy.\n"
        "# TYPE log4shield_hosts_exposed gauge\n");
    add(fmt::format("log4shield_hosts_exposed {}\n", estate.hosts_exposed));
    add("# HELP log4shield_hosts_exposed_by_cve Hosts with the CVE open.\n"
        "# TYPE log4shield_hosts_exposed_by_cve gauge\n");
    for (const auto& [cve, n] : estate.exposed_by_cve)
      add(fmt::format("log4shield_hosts_exposed_by_cve{{cve=\"{}\"}} {}\n", cve, n));
  }
  return out;
}

}  // namespace l4s::serve
