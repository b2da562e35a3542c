// The HTTP canary's side: read one request head, record its target, answer
// 404 with no body and hang up. Only Text4Shell-style `${url:...}` lookups
// call HTTP (JNDI's http: does nothing on the JDK), so this stays minimal.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/bytes.h"
#include "net/conversation.h"

namespace l4s::net {

inline constexpr size_t kHttpMaxHead = 16 * 1024;

struct HttpRequestHead {
  std::string method;
  std::string target;      // as sent
  std::string path;        // target's path, percent-decoded, without the query
  std::string user_agent;  // "" when absent
};

// Parses a complete request head (request line and header lines, up to and
// including the blank line).
Result<HttpRequestHead> http_parse_head(std::string_view head);

// Decodes %XX escapes; malformed escapes are kept as they are.
std::string percent_decode(std::string_view s);

std::unique_ptr<Conversation> make_http_conversation();

}  // namespace l4s::net
