#include "net/callback.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace l4s::net {

const char* to_string(Protocol p) {
  switch (p) {
    case Protocol::kLdap: return "ldap";
    case Protocol::kRmi: return "rmi";
    case Protocol::kDns: return "dns";
    case Protocol::kHttp: return "http";
  }
  return "?";
}

std::optional<Protocol> parse_protocol(std::string_view s) {
  for (Protocol p : {Protocol::kLdap, Protocol::kRmi, Protocol::kDns, Protocol::kHttp})
    if (s == to_string(p)) return p;
  return std::nullopt;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_time(int64_t time_ms) {
  std::time_t secs = static_cast<std::time_t>(time_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(time_ms % 1000));
  return buf;
}

std::string escape_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string format_text(const Callback& cb) {
  std::string line = format_time(cb.time_ms) + " " + to_string(cb.protocol) + " from " + cb.peer + " token=" +
                     (cb.token.empty() ? "-" : escape_text(cb.token)) + " name=\"" + escape_text(cb.name) + "\"";
  for (const auto& e : cb.extras) line += " extra=\"" + escape_text(e) + "\"";
  if (!cb.detail.empty()) line += " (" + escape_text(cb.detail) + ")";
  return line;
}

std::string format_json(const Callback& cb) {
  nlohmann::json j = {
      {"time", format_time(cb.time_ms)}, {"protocol", to_string(cb.protocol)}, {"peer", cb.peer},
      {"listener", cb.listener},         {"token", cb.token},                  {"name", cb.name},
      {"extras", cb.extras},             {"detail", cb.detail},
  };
  if (cb.id) j["id"] = cb.id;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace l4s::net
