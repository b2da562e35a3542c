// Callback: the one model the canary produces. Listeners fill it, the store
// keeps it, sinks format it, probe correlates it with what it sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::net {

enum class Protocol { kLdap, kRmi, kDns, kHttp };

const char* to_string(Protocol p);
std::optional<Protocol> parse_protocol(std::string_view s);

struct Callback {
  int64_t id = 0;        // row id in the store; 0 until stored
  int64_t time_ms = 0;   // Unix time, milliseconds
  Protocol protocol = Protocol::kLdap;
  std::string peer;      // client "ip:port" (for DNS usually a resolver, not the victim)
  std::string listener;  // our "ip:port" it reached, with "/udp" for DNS over UDP
  std::string token;     // see net/token.h; may be ""
  std::string name;      // full name asked: LDAP baseObject, RMI name, DNS qname, HTTP target
  std::vector<std::string> extras;  // smuggled values: ${java:version} results, x${hostName}, ...
  std::string detail;    // "search", "lookup", DNS type, HTTP method and User-Agent
};

// "2026-11-20T10:00:00.123Z"
std::string format_time(int64_t time_ms);
int64_t now_ms();

// One human-readable line (no newline); names are escaped so a hostile client
// cannot forge lines or terminal escapes.
std::string format_text(const Callback& cb);

// One JSON object (no newline); bytes that are not UTF-8 become U+FFFD.
std::string format_json(const Callback& cb);

// Escapes quotes, backslashes and bytes outside printable ASCII as \xNN.
std::string escape_text(std::string_view s);

}  // namespace l4s::net
