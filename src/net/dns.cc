#include "net/dns.h"

#include <cctype>
#include <cstdio>

#include "net/token.h"

namespace l4s::net {
namespace {

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagRd = 0x0100;
constexpr size_t kHeaderSize = 12;

bool equal_nocase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Number of trailing labels of `labels` that form `zone`, or -1 when outside.
int zone_match(const std::vector<std::string>& labels, const std::vector<std::string>& zone) {
  if (zone.size() > labels.size()) return -1;
  const size_t off = labels.size() - zone.size();
  for (size_t i = 0; i < zone.size(); ++i)
    if (!equal_nocase(labels[off + i], zone[i])) return -1;
  return static_cast<int>(zone.size());
}

void append_header(std::string* out, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                   uint16_t ar) {
  for (uint16_t v : {id, flags, qd, an, ns, ar}) append_be16(out, v);
}

// A reply carrying only a header (FORMERR / NOTIMP for unparsable questions).
std::string bare_reply(Bytes message, DnsRcode rcode) {
  std::string out;
  const uint16_t flags = load_be16(message.data() + 2);
  append_header(&out, load_be16(message.data()), kFlagQr | (flags & 0x7800) | (flags & kFlagRd) | rcode, 0, 0, 0, 0);
  return out;
}

std::string build_reply(Bytes message, const DnsQuery& q, const DnsPolicy& policy) {
  const int zone = policy.zone.empty() ? -1 : zone_match(q.labels, policy.zone);
  const bool in_zone = zone >= 0;
  DnsRcode rcode = kDnsNxDomain;
  bool answer_a = false;
  bool soa = false;
  if (!policy.zone.empty() && !in_zone) {
    rcode = kDnsRefused;  // not ours, and we never recurse
  } else if (in_zone) {
    soa = true;
    const bool apex = q.labels.size() == policy.zone.size();
    if (policy.answer || apex) {
      rcode = kDnsNoError;  // the name exists; answer A, or NODATA for other types
      answer_a = policy.answer && q.qtype == kDnsTypeA && q.qclass == kDnsClassIn;
      soa = !answer_a;
    }
  }
  uint16_t flags = kFlagQr | (q.flags & kFlagRd) | rcode;
  if (in_zone) flags |= kFlagAa;
  std::string out;
  append_header(&out, q.id, flags, 1, answer_a ? 1 : 0, soa ? 1 : 0, q.has_opt ? 1 : 0);
  out.append(as_string_view(message.subspan(kHeaderSize, q.question_size)));
  const uint16_t qname_ptr = 0xc000 | kHeaderSize;
  if (answer_a) {
    append_be16(&out, qname_ptr);
    append_be16(&out, kDnsTypeA);
    append_be16(&out, kDnsClassIn);
    append_be32(&out, policy.ttl);
    append_be16(&out, 4);
    for (uint8_t b : *policy.answer) out.push_back(static_cast<char>(b));
  }
  if (soa) {
    // The zone apex is a suffix of the question's name: point at it.
    size_t offset = kHeaderSize;
    for (size_t i = 0; i + policy.zone.size() < q.labels.size(); ++i) offset += 1 + q.labels[i].size();
    const uint16_t zone_ptr = static_cast<uint16_t>(0xc000 | offset);
    std::string rdata;
    append_be16(&rdata, zone_ptr);                 // MNAME: the zone itself
    rdata += "\x0ahostmaster";                     // RNAME: hostmaster.<zone>
    append_be16(&rdata, zone_ptr);
    for (uint32_t v : {1u, 3600u, 600u, 86400u, policy.ttl}) append_be32(&rdata, v);  // serial..minimum
    append_be16(&out, zone_ptr);
    append_be16(&out, kDnsTypeSoa);
    append_be16(&out, kDnsClassIn);
    append_be32(&out, policy.ttl);
    append_be16(&out, static_cast<uint16_t>(rdata.size()));
    out += rdata;
  }
  if (q.has_opt) {  // EDNS(0): advertise 1232 bytes, no options
    out.push_back('\0');
    append_be16(&out, kDnsTypeOpt);
    append_be16(&out, 1232);
    append_be32(&out, 0);
    append_be16(&out, 0);
  }
  return out;
}

class DnsTcpConversation : public Conversation {
 public:
  explicit DnsTcpConversation(const DnsPolicy& policy) : policy_(policy) {}

  Step feed(Bytes in) override {
    Step step;
    if (closed_) return close(step);
    buf_.append(reinterpret_cast<const char*>(in.data()), in.size());
    size_t used = 0;
    while (buf_.size() - used >= 2) {
      const size_t len = load_be16(reinterpret_cast<const uint8_t*>(buf_.data()) + used);
      if (len > kDnsMaxMessage || len < kHeaderSize) return close(step);
      if (buf_.size() - used < 2 + len) break;
      DnsExchange ex = dns_exchange(as_bytes(buf_).subspan(used + 2, len), policy_);
      used += 2 + len;
      if (ex.seen) step.seen.push_back(std::move(*ex.seen));
      if (!ex.reply) return close(step);
      append_be16(&step.reply, static_cast<uint16_t>(ex.reply->size()));
      step.reply += *ex.reply;
      if (!ex.seen) return close(step);  // the reply was an error: hang up after it
    }
    buf_.erase(0, used);
    return step;
  }

 private:
  Step& close(Step& step) {
    closed_ = true;
    buf_.clear();
    step.close = true;
    return step;
  }

  DnsPolicy policy_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace

Result<DnsQuery> dns_parse_query(Bytes m) {
  if (m.size() < kHeaderSize) return Error{"shorter than a DNS header"};
  if (m.size() > kDnsMaxMessage) return Error{"DNS message too large"};
  DnsQuery q;
  q.id = load_be16(m.data());
  q.flags = load_be16(m.data() + 2);
  const uint16_t qd = load_be16(m.data() + 4);
  const uint16_t an = load_be16(m.data() + 6);
  const uint16_t ns = load_be16(m.data() + 8);
  const uint16_t ar = load_be16(m.data() + 10);
  if (q.flags & kFlagQr) return Error{"not a query"};
  if (qd != 1) return Error{"QDCOUNT is not 1"};
  size_t pos = kHeaderSize;
  size_t name_size = 0;
  while (true) {
    if (pos >= m.size()) return Error{"truncated name"};
    const uint8_t len = m[pos];
    // Compression and extended label types have no business in a question.
    if (len & 0xc0) return Error{"compressed or extended label in question"};
    name_size += 1 + len;
    if (name_size > kDnsMaxName) return Error{"name longer than 255 octets"};
    if (len == 0) break;
    if (pos + 1 + len > m.size()) return Error{"truncated label"};
    q.labels.emplace_back(reinterpret_cast<const char*>(m.data() + pos + 1), len);
    pos += 1 + len;
  }
  pos += 1;
  if (pos + 4 > m.size()) return Error{"truncated question"};
  q.qtype = load_be16(m.data() + pos);
  q.qclass = load_be16(m.data() + pos + 2);
  pos += 4;
  q.question_size = pos - kHeaderSize;
  // A query carries no answers; at most an OPT (and maybe a TSIG) in additional.
  if (an != 0 || ns != 0) return Error{"query with answer or authority records"};
  if (ar > 0 && pos + 11 <= m.size() && m[pos] == 0 && load_be16(m.data() + pos + 1) == kDnsTypeOpt)
    q.has_opt = true;
  return q;
}

std::string dns_name_text(const std::vector<std::string>& labels) {
  if (labels.empty()) return ".";
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back('.');
    for (unsigned char c : labels[i]) {
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x21 || c > 0x7e) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  return out;
}

std::string dns_type_text(uint16_t t) {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 255: return "ANY";
    default: return "TYPE" + std::to_string(t);
  }
}

Result<std::vector<std::string>> dns_parse_zone(std::string_view zone) {
  if (!zone.empty() && zone.back() == '.') zone.remove_suffix(1);
  if (zone.empty()) return Error{"empty zone"};
  std::vector<std::string> labels;
  size_t wire = 1;
  size_t start = 0;
  while (start <= zone.size()) {
    size_t dot = zone.find('.', start);
    if (dot == std::string_view::npos) dot = zone.size();
    std::string label(zone.substr(start, dot - start));
    if (label.empty() || label.size() > 63) return Error{"bad label in zone " + std::string(zone)};
    for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    wire += 1 + label.size();
    labels.push_back(std::move(label));
    start = dot + 1;
  }
  if (wire > kDnsMaxName) return Error{"zone name too long"};
  return labels;
}

DnsExchange dns_exchange(Bytes message, const DnsPolicy& policy) {
  DnsExchange ex;
  // Never answer a response: two canaries (or a spoofed source) must not ping-pong.
  if (message.size() < kHeaderSize || (load_be16(message.data() + 2) & kFlagQr)) return ex;
  const uint8_t opcode = (load_be16(message.data() + 2) >> 11) & 0xf;
  if (opcode != 0) {
    ex.reply = bare_reply(message, kDnsNotImp);
    return ex;
  }
  auto q = dns_parse_query(message);
  if (!q.ok()) {
    ex.reply = bare_reply(message, kDnsFormErr);
    return ex;
  }
  ex.reply = build_reply(message, *q, policy);
  const int zone = policy.zone.empty() ? 0 : zone_match(q->labels, policy.zone);
  NameParts parts = split_dns_labels(q->labels, zone < 0 ? 0 : static_cast<size_t>(zone));
  ex.seen = Sighting{dns_name_text(q->labels), dns_type_text(q->qtype), std::move(parts.token),
                     std::move(parts.extras)};
  return ex;
}

std::unique_ptr<Conversation> make_dns_tcp_conversation(const DnsPolicy& policy) {
  return std::make_unique<DnsTcpConversation>(policy);
}

}  // namespace l4s::net
