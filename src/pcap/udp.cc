// UDP datagrams: DNS queries and raw text (see udp.h).
#include "pcap/udp.h"

#include "net/dns.h"

namespace l4s::pcap {

void on_udp_datagram(const PacketView& p, Recorder& rec) {
  FlowEndpoints ep;
  ep.protocol = "udp";
  ep.src_ip = p.src.to_string();
  ep.dst_ip = p.dst.to_string();
  ep.src_port = p.src_port;
  ep.dst_port = p.dst_port;
  if (p.dst_port == 53 || p.dst_port == 5353 || p.src_port == 53) {
    if (p.payload.size() >= 12 && !(p.payload[2] & 0x80)) {  // a query
      Result<net::DnsQuery> q = net::dns_parse_query(p.payload);
      if (q.ok()) {
        std::string name = net::dns_name_text(q->labels);
        bool rd = q->flags & 0x0100;
        bool jndi = q->qtype == net::kDnsTypeTxt && rd && !q->has_opt;
        std::string detail = net::dns_type_text(q->qtype) + (rd ? " RD" : "") + (q->has_opt ? " EDNS" : " no-EDNS");
        rec.emit(jndi ? EventKind::kDnsTxtQuery : EventKind::kDnsQuery, ep, name, detail, false, jndi);
        return;
      }
    }
    if (p.src_port == 53 || p.dst_port == 53) return;  // responses and malformed DNS are not payload carriers
  }
  std::string_view text = net::as_string_view(p.payload);
  rec.examine_lines(text, ep, "payload", nullptr);
}

}  // namespace l4s::pcap
