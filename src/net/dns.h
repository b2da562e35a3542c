// DNS (RFC 1035) for the canary: parse a query, answer it from a fixed policy.
// The canary is authoritative for its --zone only and never recursive: names
// in the zone get NXDOMAIN (or an A record pointing at the canary with
// --answer), names outside it REFUSED. Without a zone every name gets NXDOMAIN,
// which is what makes `${jndi:dns://canary/T}` fail at once instead of the
// JVM's 15-second retry loop.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/bytes.h"
#include "net/conversation.h"

namespace l4s::net {

inline constexpr size_t kDnsMaxMessage = 4096;  // queries are small; anything larger is hostile
inline constexpr size_t kDnsMaxName = 255;      // wire octets, RFC 1035 2.3.4

enum DnsRcode : uint8_t {
  kDnsNoError = 0,
  kDnsFormErr = 1,
  kDnsNxDomain = 3,
  kDnsNotImp = 4,
  kDnsRefused = 5,
};

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeSoa = 6;
inline constexpr uint16_t kDnsTypeTxt = 16;
inline constexpr uint16_t kDnsTypeOpt = 41;
inline constexpr uint16_t kDnsClassIn = 1;

struct DnsQuery {
  uint16_t id = 0;
  uint16_t flags = 0;
  std::vector<std::string> labels;  // raw label bytes, case preserved ("" list = root)
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t question_size = 0;  // wire bytes of the question, echoed verbatim (0x20 casing kept)
  bool has_opt = false;      // EDNS(0) OPT in the additional section
};

// Parses a query: one question, uncompressed name, labels <= 63, name <= 255.
Result<DnsQuery> dns_parse_query(Bytes message);

// Presentation form of a name: labels joined by '.', with '.', '\' and bytes
// outside printable ASCII escaped (\. \\ \DDD). The root is ".".
std::string dns_name_text(const std::vector<std::string>& labels);

// Text for a query type: "A", "TXT", ... or "TYPE65".
std::string dns_type_text(uint16_t qtype);

struct DnsPolicy {
  std::vector<std::string> zone;               // lowercase labels; empty: no zone
  std::optional<std::array<uint8_t, 4>> answer;  // A record for names in the zone
  uint32_t ttl = 10;                           // answers and negative caching (SOA minimum)
};

// Parses a zone name ("cb.example.org", trailing dot allowed) into lowercase labels.
Result<std::vector<std::string>> dns_parse_zone(std::string_view zone);

// The canary's answer to one query (see the file comment) and what it saw.
// Returns no reply for responses (QR set) or messages too short for a header;
// FORMERR for other malformed queries; NOTIMP for opcodes other than QUERY.
struct DnsExchange {
  std::optional<std::string> reply;
  std::optional<Sighting> seen;
};
DnsExchange dns_exchange(Bytes message, const DnsPolicy& policy);

// DNS over TCP: two-byte length prefixes, several queries per connection.
std::unique_ptr<Conversation> make_dns_tcp_conversation(const DnsPolicy& policy);

}  // namespace l4s::net
