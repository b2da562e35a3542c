// Sending one report to a `fleet serve` server: POST /api/v1/reports, gzip
// body, bearer token, idempotency key, retries with backoff for failures
// that may pass (429, 5xx, network), none for refusals that will not.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace l4s::upload {

// What a report is and who it is about.
struct Report {
  std::string body;  // the uncompressed JSON or JSONL report, sent byte for byte
  std::string host;  // X-Log4shield-Host: the host the report describes
  std::string kind;  // scan|fix|hunt|canary|probe (messages and the outbox)
};

struct UploadOptions {
  std::string server;   // https://host:port (or .../api/v1/reports as is)
  std::string token;    // the bearer token
  std::string ca_cert;  // CA bundle for the server's certificate ("" = system store)
  int attempts = 4;     // in all, the first included
  std::chrono::milliseconds backoff{1000};           // before the 2nd attempt; doubles after (+-50% jitter)
  std::chrono::milliseconds max_retry_after{10000};  // a server's Retry-After is honoured up to this
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{120000};  // whole request, body upload included
};

enum class UploadState {
  kDelivered,  // 201: stored
  kDuplicate,  // 200: the server had it already
  kRejected,   // 400, 401, 403, 413 (any other 4xx): permanent, never retried
  kTransient,  // 429, 5xx, network or TLS failure after every attempt
};

struct UploadResult {
  UploadState state = UploadState::kTransient;
  int http_status = 0;       // of the last attempt; 0 when no response came
  std::string report_hash;   // the server's name for the stored report
  std::string reason;        // the server's "error", or the network failure
  int attempts = 0;
  bool stored() const { return state == UploadState::kDelivered || state == UploadState::kDuplicate; }
};

const char* state_name(UploadState s);  // delivered|duplicate|rejected|transient

// The endpoint for a server URL: "<base>/api/v1/reports", or the URL itself
// when it already ends so. Fails for anything but http:// and https://.
Result<std::string> reports_url(const std::string& server);

// The token: the first line of FILE, trimmed. `warning` gets a message when
// the file is readable by group or others (the token is a credential).
Result<std::string> read_token_file(const std::string& path, std::string* warning);

// Sends one report, retrying transient failures as the options say.
UploadResult upload_report(const Report& report, const UploadOptions& options);


}  // namespace l4s::upload
