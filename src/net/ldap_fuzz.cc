// libFuzzer target: BER framing, LDAPMessage parsing and the LDAP conversation.
#include <cstddef>
#include <cstdint>

#include "net/fuzz_util.h"
#include "net/ldap.h"

using namespace l4s::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  size_t frame = 0;
  if (ldap_frame(in, &frame) == ParseStatus::kOk) (void)ldap_parse(in.first(frame));
  (void)ldap_parse(in);
  auto c = make_ldap_conversation();
  fuzz_conversation(*c, data, size);
  return 0;
}
