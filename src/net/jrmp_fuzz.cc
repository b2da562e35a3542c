// libFuzzer target: JRMP header, endpoint and call parsing, and the RMI conversation.
#include <cstddef>
#include <cstdint>

#include "net/fuzz_util.h"
#include "net/jrmp.h"

using namespace l4s::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  JrmpHeader h;
  (void)jrmp_parse_header(in, &h);
  JrmpCall call;
  size_t need = 0;
  (void)jrmp_parse_call(in, &call, &need);
  (void)java_utf8_to_utf8(in);
  auto c = make_rmi_conversation("127.0.0.1", 1099);
  fuzz_conversation(*c, data, size);
  return 0;
}
