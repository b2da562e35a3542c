#include "upload/upload.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/gzip.h"
#include "core/sha256.h"

namespace l4s::upload {
namespace {

constexpr std::string_view kPath = "/api/v1/reports";

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

struct Response {
  int status = 0;
  std::string body;
  long retry_after_s = -1;  // -1: none (or an HTTP-date, which we do not trust our clock with)
  std::string location;
  std::string error;  // curl's, when no response came
};

size_t append_body(char* data, size_t size, size_t n, void* out) {
  auto* r = static_cast<Response*>(out);
  // A server's error page is all we read; more is noise.
  if (r->body.size() < (64u << 10)) r->body.append(data, std::min(size * n, (64u << 10) - r->body.size()));
  return size * n;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

size_t read_header(char* data, size_t size, size_t n, void* out) {
  auto* r = static_cast<Response*>(out);
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon == std::string::npos) {
    if (line.rfind("HTTP/", 0) == 0) r->retry_after_s = -1, r->location.clear();  // a new response (after 100)
    return size * n;
  }
  const std::string name = lower(line.substr(0, colon));
  const std::string value = trim(line.substr(colon + 1));
  if (name == "retry-after" && !value.empty() &&
      std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    r->retry_after_s = value.size() > 6 ? 999999 : std::stol(value);
  else if (name == "location")
    r->location = value;
  return size * n;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Response post(const std::string& url, const std::string& gz, const Report& report, const std::string& key,
              const UploadOptions& o) {
  Response r;
  CURL* h = curl_easy_init();
  if (!h) {
    r.error = "cannot start libcurl";
    return r;
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + o.token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Content-Encoding: gzip");
  headers = curl_slist_append(headers, ("X-Log4shield-Host: " + report.host).c_str());
  headers = curl_slist_append(headers, ("Idempotency-Key: " + key).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirected POST is not what the contract says
  // Verification is never off: a report names every vulnerable path of a host.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_cert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_cert.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, "log4shield/" L4S_VERSION);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, gz.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(gz.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
  } else {
    r.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  }
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
  return r;
}

// The server's JSON member `key`, or "".
std::string json_member(const std::string& body, const char* key) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

// The reason a refusal gives: its "error", else the start of its body.
std::string reason_of(const Response& r) {
  std::string reason = json_member(r.body, "error");
  if (reason.empty()) {
    std::string text = r.body.substr(0, 200);
    for (char& c : text)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    reason = trim(text);
  }
  std::string head = "HTTP " + std::to_string(r.status);
  return reason.empty() ? head : head + ": " + reason;
}

}  // namespace

const char* state_name(UploadState s) {
  switch (s) {
    case UploadState::kDelivered: return "delivered";
    case UploadState::kDuplicate: return "duplicate";
    case UploadState::kRejected: return "rejected";
    case UploadState::kTransient: return "transient";
  }
  return "?";
}

Result<std::string> reports_url(const std::string& server) {
  if (server.rfind("http://", 0) != 0 && server.rfind("https://", 0) != 0)
    return Error{"not an http:// or https:// URL: " + server};
  if (has_control(server)) return Error{"control characters in the URL"};
  std::string url = server;
  if (url.size() >= kPath.size() && url.compare(url.size() - kPath.size(), kPath.size(), kPath) == 0) return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(kPath);
}

Result<std::string> read_token_file(const std::string& path, std::string* warning) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read token file " + path};
  std::string line;
  std::getline(in, line);
  line = trim(line);
  if (line.empty()) return Error{"token file " + path + ": empty first line"};
  if (has_control(line)) return Error{"token file " + path + ": control characters in the token"};
  struct stat st;
  if (warning && stat(path.c_str(), &st) == 0 && (st.st_mode & 077))
    *warning = "token file " + path + " is readable by group or others (chmod 600 it)";
  return line;
}

UploadResult upload_report(const Report& report, const UploadOptions& options) {
  UploadResult result;
  auto url = reports_url(options.server);
  if (!url.ok()) {
    result.state = UploadState::kRejected;
    result.reason = url.error();
    return result;
  }
  if (has_control(report.host) || has_control(options.token)) {
    result.state = UploadState::kRejected;
    result.reason = "control characters in the host name or token";
    return result;
  }
  init_curl_once();
  Report sent = report;
  if (sent.host.empty()) sent.host = "unknown";
  const std::string gz = gzip(report.body);
  const std::string key = sha256_hex(report.body);
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const int attempts = std::max(1, options.attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    result.attempts = attempt;
    Response r = post(*url, gz, sent, key, options);
    result.http_status = r.status;
    if (r.status == 201 || r.status == 200) {
      result.state = r.status == 201 ? UploadState::kDelivered : UploadState::kDuplicate;
      result.report_hash = json_member(r.body, "report");
      result.reason.clear();
      return result;
    }
    const bool transient = r.status == 0 || r.status == 408 || r.status == 429 || r.status >= 500;
    if (!transient) {
      result.state = UploadState::kRejected;
      result.reason = reason_of(r);
      if (r.status >= 300 && r.status < 400 && !r.location.empty()) result.reason += " (redirected to " + r.location + ")";
      return result;
    }
    result.state = UploadState::kTransient;
    result.reason = r.status == 0 ? r.error : reason_of(r);
    if (attempt == attempts) break;
    std::chrono::milliseconds delay(static_cast<int64_t>(
        static_cast<double>(options.backoff.count()) * static_cast<double>(1u << std::min(attempt - 1, 16)) * jitter(rng)));
    if (r.retry_after_s >= 0)
      delay = std::min<std::chrono::milliseconds>(std::chrono::seconds(r.retry_after_s), options.max_retry_after);
    std::this_thread::sleep_for(delay);
  }
  return result;
}

}  // namespace l4s::upload
