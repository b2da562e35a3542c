#include "canary/endpoint.h"

#include <arpa/inet.h>

#include <charconv>

namespace l4s::net {

std::string Endpoint::text() const {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return Error{"expected ADDR:PORT, got '" + std::string(s) + "'"};
  std::string_view host = s.substr(0, colon);
  std::string_view port = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  Endpoint ep;
  ep.address = host == "localhost" ? "127.0.0.1" : std::string(host);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return Error{"bad port in '" + std::string(s) + "'"};
  ep.port = static_cast<uint16_t>(value);
  unsigned char buf[16];
  if (inet_pton(AF_INET, ep.address.c_str(), buf) != 1 && inet_pton(AF_INET6, ep.address.c_str(), buf) != 1)
    return Error{"not an IP address: '" + std::string(host) + "'"};
  return ep;
}

bool is_loopback(std::string_view address) {
  std::string a(address);
  unsigned char b[16];
  if (inet_pton(AF_INET, a.c_str(), b) == 1) return b[0] == 127;
  if (inet_pton(AF_INET6, a.c_str(), b) != 1) return false;
  static const unsigned char kLoop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(b, b + 16, kLoop6)) return true;
  return std::equal(b, b + 12, kMapped) && b[12] == 127;
}

}  // namespace l4s::net
