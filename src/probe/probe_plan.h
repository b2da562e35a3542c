// What `probe` sends: for each target, one request per (injection point,
// payload variant) — or, with bundle, every point of a kind in one request —
// each injection carrying its own token so that a callback names exactly the
// point that was logged. Pure: no I/O, deterministic for a given RNG.
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "probe/payload.h"

namespace l4s::net {

struct Injection {
  std::string point;    // "header:User-Agent", "query:q", "path", "form:username", "json:email"
  std::string variant;  // PayloadVariant id
  std::string token;
  std::string payload;  // the string as evaluated by Log4j (before any encoding)
};

struct ProbeRequest {
  std::string target;  // as given
  std::string method;  // "GET" | "POST"
  std::string url;     // with the query / path injections applied
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type;  // POST only
  std::string body;          // POST only
  std::vector<Injection> injections;
};

struct ProbePlanOptions {
  std::vector<std::string> headers;  // header names to inject (see probe_headers())
  bool query = true;                 // every existing parameter plus `new_param`
  bool path = true;                  // one more path segment
  bool form = false;                 // POST application/x-www-form-urlencoded
  bool json = false;                 // POST application/json
  std::vector<std::string> body_fields = {"username", "user", "uname", "name", "email", "email_address", "password"};
  std::string new_param = "q";
  std::vector<std::string> variants = {"ldap"};
  PayloadContext context;
  bool bundle = false;  // all points of a kind in one request (faster; some servers answer 400)
};

// Plans the requests for one target URL (http or https).
Result<std::vector<ProbeRequest>> plan_probes(const std::string& target, const ProbePlanOptions& options,
                                              std::mt19937_64& rng);

// Header lists shipped with the tool: "minimal" (fits under common header
// limits) and "full". One name per line, '#' comments.
enum class HeaderList { kMinimal, kFull };
std::vector<std::string> probe_headers(HeaderList list);
// Parses a user-supplied list in the same format; an error on invalid names.
Result<std::vector<std::string>> parse_header_list(std::string_view text);

}  // namespace l4s::net
