#include "probe/http_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "net/callback.h"

namespace l4s::net {
namespace {

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

// Spaces requests 1/rate apart across all workers.
class RateLimiter {
 public:
  explicit RateLimiter(double rate) : interval_(rate > 0 ? std::chrono::duration<double>(1.0 / rate) : std::chrono::duration<double>(0)) {}
  void wait() {
    if (interval_.count() == 0) return;
    std::chrono::steady_clock::time_point slot;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto now = std::chrono::steady_clock::now();
      slot = std::max(now, next_);
      next_ = slot + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_);
    }
    std::this_thread::sleep_until(slot);
  }

 private:
  std::chrono::duration<double> interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
};

SendResult send_one(CURL* h, const ProbeRequest& r, const SendOptions& o) {
  SendResult result;
  result.time_ms = now_ms();
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(o.timeout.count(), 5000)));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, o.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o.insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o.insecure ? 0L : 2L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());  // a User-Agent injection overrides it
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : r.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
  if (!r.content_type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + r.content_type).c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (r.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    result.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  } else {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    result.http_status = static_cast<int>(status);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return result;
}

}  // namespace

void send_requests(const std::vector<ProbeRequest>& requests, const SendOptions& options,
                   const std::function<void(size_t, const SendResult&)>& done) {
  // Must precede any thread that uses libcurl; later calls are cheap no-ops.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  std::atomic<size_t> next{0};
  std::mutex done_mu;
  RateLimiter limiter(options.rate);
  auto worker = [&] {
    CURL* h = init == CURLE_OK ? curl_easy_init() : nullptr;
    for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
      limiter.wait();
      SendResult r;
      if (h) r = send_one(h, requests[i], options);
      else r.error = "libcurl initialisation failed";
      std::lock_guard<std::mutex> l(done_mu);
      done(i, r);
    }
    if (h) curl_easy_cleanup(h);
  };
  const size_t n = std::max<size_t>(1, std::min(options.concurrency, requests.size()));
  std::vector<std::thread> pool;
  for (size_t k = 1; k < n; ++k) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace l4s::net
