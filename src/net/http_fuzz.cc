// libFuzzer target: the HTTP canary's request-head parser and conversation.
#include <cstddef>
#include <cstdint>

#include "net/fuzz_util.h"
#include "net/http_request.h"

using namespace l4s::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)http_parse_head(as_string_view(Bytes(data, size)));
  (void)percent_decode(as_string_view(Bytes(data, size)));
  auto c = make_http_conversation();
  fuzz_conversation(*c, data, size);
  return 0;
}
