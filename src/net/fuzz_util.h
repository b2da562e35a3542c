// Feeds fuzz input to a Conversation in chunks whose sizes come from the input
// itself, so split and coalesced messages are both explored.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/conversation.h"

namespace l4s::net {

inline void fuzz_conversation(Conversation& c, const uint8_t* data, size_t size) {
  if (size == 0) return;
  const size_t chunk = 1 + data[0] % 64;
  Bytes rest(data + 1, size - 1);
  while (!rest.empty()) {
    const size_t n = rest.size() < chunk ? rest.size() : chunk;
    Step s = c.feed(rest.first(n));
    rest = rest.subspan(n);
    if (s.close) {
      (void)c.feed(rest);  // a closed conversation stays closed
      break;
    }
  }
}

}  // namespace l4s::net
