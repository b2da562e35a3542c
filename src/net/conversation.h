// A Conversation is one protocol's side of a canary connection as a pure state
// machine: bytes in, bytes out, the names the client asked for, and whether to
// hang up. No sockets, no clocks, so every protocol is unit-tested and fuzzed
// without a network, and the TCP plumbing is shared by LDAP, RMI, DNS and HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/bytes.h"
#include "net/token.h"

namespace l4s::net {

// A name the client asked for: LDAP baseObject, RMI lookup name, DNS qname,
// HTTP request target. Turned into a Callback by the listener.
struct Sighting {
  std::string name;                 // the full name, as received
  std::string detail;               // protocol specifics, e.g. "search", "lookup", "TXT", "GET"
  std::string token;                // see token.h
  std::vector<std::string> extras;  // values smuggled beside the token
};

// A Sighting of a '/'-separated name (LDAP, RMI, HTTP).
inline Sighting path_sighting(std::string name, std::string detail) {
  NameParts parts = split_path_name(name);
  return Sighting{std::move(name), std::move(detail), std::move(parts.token), std::move(parts.extras)};
}

struct Step {
  std::string reply;            // bytes to send, in order
  std::vector<Sighting> seen;   // names asked for by the bytes just fed
  bool close = false;           // hang up once `reply` is sent
  bool answered = false;        // the client got its final answer: only linger briefly now
};

class Conversation {
 public:
  virtual ~Conversation() = default;
  // Consumes the next bytes the client sent (any split). After a step with
  // close set, further calls return close again.
  virtual Step feed(Bytes in) = 0;
};

}  // namespace l4s::net
