// ADDR:PORT as given on the command line: "127.0.0.1:1389", "[::1]:1389",
// "localhost:1389". Addresses are IP literals (plus "localhost"): a listener
// never depends on name resolution.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace l4s::net {

struct Endpoint {
  std::string address;  // IP literal, without brackets
  uint16_t port = 0;    // 0: any free port
  std::string text() const;  // "127.0.0.1:1389" or "[::1]:1389"
};

Result<Endpoint> parse_endpoint(std::string_view s);

// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
bool is_loopback(std::string_view address);

}  // namespace l4s::net
