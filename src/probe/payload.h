// Probe payloads: harmless `${jndi:...}` strings that make a vulnerable Log4j
// call our canary with a token, and nothing else. Variants cover the
// protocols, values smuggled beside the token, WAF-evasion spellings and the
// CVE-2021-45046 host bypass. Templates use {LDAP} {RMI} {DNS} (callback
// host:port per protocol), {ZONE} (the canary's DNS zone) and {T} (the token).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace l4s::net {

struct PayloadVariant {
  const char* id;
  const char* template_text;
  const char* purpose;
};

// Every variant, in a stable order.
const std::vector<PayloadVariant>& payload_variants();
const PayloadVariant* find_variant(std::string_view id);

struct PayloadContext {
  std::string ldap = "127.0.0.1:1389";  // host:port as the target must reach the canary
  std::string rmi = "127.0.0.1:1099";
  std::string dns = "127.0.0.1:53";
  std::string zone;                     // "" : variants needing a zone are unavailable
};

// Expands a variant for one token; an error when it needs a zone and none is set.
Result<std::string> make_payload(const PayloadVariant& v, const PayloadContext& ctx, std::string_view token);

// Percent-encodes everything except RFC 3986 unreserved characters, so Tomcat
// and friends do not reject `{ } |` in the request target.
std::string percent_encode(std::string_view s);

// The payload as a path segment: "://" spelled ":${::-/}/" so that servers
// collapsing "//" in paths cannot break it, then percent-encoded.
std::string path_segment(std::string_view payload);

}  // namespace l4s::net
