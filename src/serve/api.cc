#include "serve/api.h"

#include <openssl/evp.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/gzip.h"
#include "fleet/html_report.h"
#include "fleet/parse.h"
#include "fleet/status.h"
#include "fleet/tokens.h"

namespace l4s::serve {
namespace {

using Rejection = Metrics::Rejection;
constexpr size_t kMaxAttemptsPerHost = 1000;
constexpr size_t kMaxUploadsPerHost = 200;

std::string header(const Request& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX and (in queries) '+' decoded; a bad escape stays as written.
std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name)
      return eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return "";
}

std::string base64_decode(std::string_view in) {
  std::string out(3 * ((in.size() + 3) / 4) + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return "";
  out.resize(static_cast<size_t>(n));
  // EVP_DecodeBlock keeps the zero bytes that '=' padding stands for.
  for (size_t pad = 0; pad < 2 && !in.empty() && in[in.size() - 1 - pad] == '='; ++pad)
    if (!out.empty()) out.pop_back();
  return out;
}

// The token of "Bearer TOKEN" or the password of "Basic base64(user:TOKEN)".
std::string presented_token(const Request& r) {
  const std::string value = header(r, "authorization");
  auto scheme_is = [&](std::string_view scheme) {
    if (value.size() <= scheme.size() || value[scheme.size()] != ' ') return false;
    for (size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return false;
    return true;
  };
  auto trimmed = [](std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t start = s.find_first_not_of(" \t");
    return start == std::string::npos ? std::string() : s.substr(start);
  };
  if (scheme_is("bearer")) return trimmed(value.substr(7));
  if (scheme_is("basic")) {
    const std::string pair = base64_decode(trimmed(value.substr(6)));
    const size_t colon = pair.find(':');
    return colon == std::string::npos ? "" : pair.substr(colon + 1);
  }
  return "";
}

Response json_response(int status, const nlohmann::ordered_json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return r;
}

// A host name a client may give for a report that names none.
bool plausible_host(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  for (unsigned char c : h)
    if (c < 0x21 || c == 0x7f) return false;
  return true;
}

}  // namespace

Response error_response(int status, const std::string& reason) {
  return json_response(status, {{"error", reason}});
}

struct Api::Auth {
  bool ok = false;
  fleet::TokenInfo token;
  Response refusal;
};

struct Api::Snapshot {
  fleet::Fleet fleet;
  fleet::Analysis analysis;
  std::chrono::steady_clock::time_point made;
};

Api::Api(StorePool& stores, ApiLimits limits, Metrics& metrics)
    : stores_(stores), limits_(limits), metrics_(metrics), rate_(limits.uploads_per_second, limits.upload_burst) {}

Response Api::handle(const Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const size_t q = request.target.find('?');
  const std::string path = percent_decode(std::string_view(request.target).substr(0, q), false);
  const bool get = request.method == "GET" || request.method == "HEAD";
  Response r;
  auto allow_only = [&](const char* methods) {
    r = error_response(405, "method " + request.method + " not allowed here");
    r.headers.emplace_back("Allow", methods);
  };
  if (path == "/api/v1/reports") {
    if (request.method == "POST") r = upload(request);
    else allow_only("POST");
  } else if (path == "/api/v1/status" || path == "/" || path == "/metrics" || path == "/healthz" ||
             path.starts_with("/api/v1/hosts/")) {
    if (!get) allow_only("GET, HEAD");
    else if (path == "/api/v1/status") r = status(request);
    else if (path == "/") r = html(request);
    else if (path == "/metrics") r = metrics(request);
    else if (path == "/healthz") r = healthz();
    else r = host(request, path.substr(std::string_view("/api/v1/hosts/").size()));
  } else {
    r = error_response(404, "no such resource: " + path.substr(0, 200));
  }
  metrics_.request(r.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

Api::Auth Api::authorize(const Request& request, fleet::Role needed) {
  Auth a;
  auto refuse = [&](int status, const std::string& reason) {
    a.refusal = error_response(status, reason);
    // A browser asks for the token (as a password) on the HTML report.
    if (status == 401 && needed == fleet::Role::kRead)
      a.refusal.headers.emplace_back("WWW-Authenticate", "Basic realm=\"log4shield fleet\"");
    return a;
  };
  const std::string token = presented_token(request);
  if (token.empty()) return refuse(401, "missing token: send Authorization: Bearer TOKEN");
  auto lease = stores_.acquire();
  if (!lease.get()) return refuse(503, "store unavailable");
  auto who = fleet::authenticate(lease.get()->db(), token, now_iso8601());
  if (!who.ok()) {
    if (who.error().starts_with("token store:")) {
      lease.discard();
      return refuse(503, "store unavailable");
    }
    return refuse(401, who.error());
  }
  if (!fleet::role_allows(who->role, needed))
    return refuse(403, "token '" + who->name + "' has role " + fleet::to_string(who->role) + ", not " +
                           fleet::to_string(needed));
  a.ok = true;
  a.token = std::move(*who);
  return a;
}

Response Api::upload(const Request& request) {
  auto reject = [&](Rejection why, int status, const std::string& reason) {
    metrics_.rejected(why);
    return error_response(status, reason);
  };
  Auth auth = authorize(request, fleet::Role::kUpload);
  if (!auth.ok) {
    const int s = auth.refusal.status;
    metrics_.rejected(s == 401 ? Rejection::kUnauthorized : s == 403 ? Rejection::kForbidden : Rejection::kStoreError);
    return auth.refusal;
  }
  const fleet::TokenInfo& token = auth.token;
  double retry_after = 0;
  if (!rate_.allow(token.name, &retry_after)) {
    Response r = reject(Rejection::kRateLimited, 429, "token '" + token.name + "' is over its upload rate");
    r.headers.emplace_back("Retry-After", std::to_string(static_cast<int64_t>(std::ceil(retry_after))));
    return r;
  }
  if (request.body.size() > limits_.max_body)
    return reject(Rejection::kTooLarge, 413, "body over " + std::to_string(limits_.max_body) + " bytes");
  std::string inflated;
  const std::string encoding = header(request, "content-encoding");
  if (encoding == "gzip" || encoding == "x-gzip") {
    bool too_large = false;
    auto text = gunzip_bounded(request.body, limits_.max_decompressed, &too_large);
    if (!text.ok())
      return too_large ? reject(Rejection::kTooLarge, 413, text.error())
                       : reject(Rejection::kMalformed, 400, text.error());
    inflated = std::move(*text);
  } else if (!encoding.empty() && encoding != "identity") {
    return reject(Rejection::kUnsupported, 415, "Content-Encoding " + encoding.substr(0, 40) + " (gzip or none)");
  }
  const std::string& body = encoding.empty() || encoding == "identity" ? request.body : inflated;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return reject(Rejection::kMalformed, 400, "empty report");

  fleet::ParseOptions options;
  options.source = "upload:" + token.name;
  options.now = now_iso8601();
  const std::string claimed_host = header(request, "x-log4shield-host");
  if (!claimed_host.empty() && !plausible_host(claimed_host))
    return reject(Rejection::kMalformed, 400, "X-Log4shield-Host is not a host name");
  options.fallback_host = claimed_host;
  auto parsed = fleet::parse_report(body, options);
  if (!parsed.ok()) return reject(Rejection::kMalformed, 400, parsed.error());
  // Every host the report speaks for must be in the token's scope: a host
  // must not write another's state, attempts included.
  auto in_scope = [&](const std::string& h) { return fleet::host_matches(token.hosts, h); };
  std::vector<std::string> named{parsed->report.host};
  for (const auto& d : parsed->detections) named.push_back(d.host);
  for (const std::string& h : named)
    if (!in_scope(h))
      return reject(Rejection::kForbidden, 403,
                    "host '" + h + "' is outside the scope of token '" + token.name + "' (" + token.hosts + ")");

  auto lease = stores_.acquire();
  fleet::Store* store = lease.get();
  auto store_failed = [&](const std::string& why) {
    lease.discard();
    Response r = reject(Rejection::kStoreError, 503, "store: " + why);
    r.headers.emplace_back("Retry-After", "5");
    return r;
  };
  if (!store) return store_failed("unavailable");
  if (Status st = store->begin(); !st.ok()) return store_failed(st.error());
  auto added = store->add(*parsed);
  if (!added.ok()) {
    store->rollback();
    return store_failed(added.error());
  }
  fleet::UploadRecord record{parsed->report.hash, parsed->report.host, token.name, request.peer, options.now,
                             *added ? "stored" : "duplicate", static_cast<int64_t>(request.body.size())};
  if (Status st = fleet::record_upload(store->db(), record); !st.ok()) {
    store->rollback();
    return store_failed(st.error());
  }
  if (Status st = store->commit(); !st.ok()) {
    store->rollback();
    return store_failed(st.error());
  }
  if (*added) {
    metrics_.stored();
    std::lock_guard lock(snapshot_mutex_);
    snapshots_.clear();  // this process' own view is fresh at once
  } else {
    metrics_.duplicate();
  }
  return json_response(*added ? 201 : 200, {{"status", record.outcome},
                                            {"report", record.report},
                                            {"kind", parsed->report.kind},
                                            {"host", parsed->report.host}});
}

std::shared_ptr<const Api::Snapshot> Api::snapshot(const std::string& since, std::string* error) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(snapshot_mutex_);
    auto it = snapshots_.find(since);
    if (it != snapshots_.end() && now - it->second->made < limits_.status_ttl) return it->second;
  }
  auto lease = stores_.acquire();
  if (!lease.get()) {
    *error = "store unavailable";
    return nullptr;
  }
  auto data = lease.get()->load(/*with_evidence=*/false);
  if (!data.ok()) {
    lease.discard();
    *error = data.error();
    return nullptr;
  }
  auto snap = std::make_shared<Snapshot>();
  snap->fleet = std::move(*data);
  snap->analysis = fleet::analyze(snap->fleet, since, now_iso8601());
  snap->made = now;
  std::lock_guard lock(snapshot_mutex_);
  if (snapshots_.size() > 16) snapshots_.clear();  // many distinct ?since= values
  snapshots_[since] = snap;
  return snap;
}

Response Api::status(const Request& request) {
  Auth auth = authorize(request, fleet::Role::kRead);
  if (!auth.ok) return auth.refusal;
  const size_t q = request.target.find('?');
  const std::string since = q == std::string::npos ? "" : query_param(request.target.substr(q + 1), "since");
  if (!fleet::valid_since(since))
    return error_response(400, "since wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not " + since.substr(0, 40));
  std::string error;
  auto snap = snapshot(since, &error);
  if (!snap) return error_response(503, "store: " + error);
  std::ostringstream out;
  fleet::write_status_json(snap->analysis, out);
  Response r;
  r.body = out.str();
  return r;
}

std::shared_ptr<const Api::Snapshot> Api::read_snapshot(const Request& request, Response* refusal) {
  Auth auth = authorize(request, fleet::Role::kRead);
  if (!auth.ok) {
    *refusal = auth.refusal;
    return nullptr;
  }
  std::string error;
  auto snap = snapshot("", &error);
  if (!snap) *refusal = error_response(503, "store: " + error);
  return snap;
}

Response Api::host(const Request& request, const std::string& name) {
  Response refusal;
  auto snap = read_snapshot(request, &refusal);
  if (!snap) return refusal;
  std::vector<fleet::UploadRecord> uploads;
  {
    auto lease = stores_.acquire();
    if (!lease.get()) return error_response(503, "store unavailable");
    auto ups = fleet::uploads_for_host(lease.get()->db(), name, kMaxUploadsPerHost);
    if (!ups.ok()) {
      lease.discard();
      return error_response(503, "store: " + ups.error());
    }
    uploads = std::move(*ups);
  }
  std::ostringstream out;
  if (!fleet::write_host_json(snap->fleet, snap->analysis, name, uploads, kMaxAttemptsPerHost, out))
    return error_response(404, "no host named '" + name.substr(0, 253) + "' in the store");
  Response r;
  r.body = out.str();
  return r;
}

Response Api::html(const Request& request) {
  Response refusal;
  auto snap = read_snapshot(request, &refusal);
  if (!snap) return refusal;
  std::ostringstream out;
  fleet::write_html_report(snap->fleet, snap->analysis, out);
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = out.str();
  return r;
}

Response Api::metrics(const Request& request) {
  Auth auth = authorize(request, fleet::Role::kRead);
  if (!auth.ok) return auth.refusal;
  Metrics::Estate estate;
  std::string error;
  if (auto snap = snapshot("", &error)) {
    estate.known = true;
    estate.hosts = static_cast<int64_t>(snap->analysis.hosts.size());
    estate.hosts_exposed = snap->analysis.hosts_exposed;
    for (const auto& [cve, hosts] : snap->analysis.exposed_by_cve)
      estate.exposed_by_cve[cve] = static_cast<int64_t>(hosts.size());
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = metrics_.render(estate);
  return r;
}

Response Api::healthz() {
  auto lease = stores_.acquire();
  if (!lease.get()) return error_response(503, "store unavailable");
  auto version = lease.get()->schema_version();
  if (!version.ok()) {
    lease.discard();
    return error_response(503, "store: " + version.error());
  }
  return json_response(200, {{"status", "ok"}, {"store", stores_.engine()}, {"schema", *version}});
}

}  // namespace l4s::serve
