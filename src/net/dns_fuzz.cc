// libFuzzer target: DNS query parsing and answers (with and without a zone),
// DNS over TCP framing.
#include <cstddef>
#include <cstdint>

#include "net/dns.h"
#include "net/fuzz_util.h"

using namespace l4s::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  static const DnsPolicy kNoZone;
  static const DnsPolicy kZone = [] {
    DnsPolicy p;
    p.zone = *dns_parse_zone("cb.test");
    p.answer = std::array<uint8_t, 4>{127, 0, 0, 1};
    return p;
  }();
  (void)dns_exchange(in, kNoZone);
  DnsExchange ex = dns_exchange(in, kZone);
  // Our own replies must stay within a classic 512-byte UDP message.
  if (ex.reply && ex.reply->size() > 512) __builtin_trap();
  auto c = make_dns_tcp_conversation(kZone);
  fuzz_conversation(*c, data, size);
  return 0;
}
