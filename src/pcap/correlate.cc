#include "pcap/correlate.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "net/http_request.h"
#include "pcap/analyzer.h"
#include "pcap/packet.h"

namespace l4s::pcap {

std::string host_key(std::string_view host) {
  IpAddr ip;
  if (parse_ip_addr(host, &ip)) return ip.to_string();
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

std::vector<Incident> correlate(const std::vector<hunt::Detection>& detections, const std::vector<NetEvent>& events,
                                double window) {
  std::vector<Incident> incidents;
  struct Seen {
    std::string flow, callback;
    bool operator==(const Seen&) const = default;
  };
  std::vector<Seen> seen;
  for (size_t di = 0; di < detections.size(); ++di) {
    const hunt::Detection& d = detections[di];
    if (!d.network) continue;
    const hunt::NetworkContext& nd = *d.network;
    for (const hunt::JndiTarget& t : d.jndi) {
      if (!t.remote || t.host.empty()) continue;
      std::string host = host_key(t.host);
      IpAddr ip;
      bool host_is_ip = parse_ip_addr(t.host, &ip);
      std::string path = t.path.empty() ? "" : net::percent_decode(std::string_view(t.path).substr(1));
      size_t q = path.find('?');
      if (q != std::string::npos) path.resize(q);
      std::string flow_key = nd.src_ip + ">" + nd.dst_ip + ":" + std::to_string(nd.dst_port);
      Seen key{flow_key, t.name};
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      for (size_t ei = 0; ei < events.size(); ++ei) {
        const NetEvent& e = events[ei];
        if (e.time < nd.time - kCorrelationSlack || e.time > nd.time + window) continue;
        if (e.kind == EventKind::kJavaClassFetch || e.kind == EventKind::kLdapJavaEntry || e.kind == EventKind::kRmiReturn)
          continue;
        bool to_host = host_is_ip ? host_key(e.flow.dst_ip) == host : false;
        bool port_ok = t.port < 0 || e.flow.dst_port == t.port;
        bool match = false;
        std::string how;
        switch (e.kind) {
          case EventKind::kTcpConnect:
            match = to_host && port_ok && e.flow.protocol == "tcp";
            how = "connected to " + e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port);
            break;
          case EventKind::kLdapSearch:
          case EventKind::kRmiLookup:
            match = (to_host && port_ok) || (!path.empty() && e.name == path && port_ok);
            how = std::string(e.kind == EventKind::kLdapSearch ? "LDAP search for \"" : "RMI lookup of \"") + e.name +
                  "\" at " + e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port);
            break;
          case EventKind::kDnsTxtQuery:
          case EventKind::kDnsQuery:
            match = (!host_is_ip && host_key(e.name) == host) ||
                    (t.scheme == "dns" && to_host && port_ok);
            how = "DNS " + e.detail + " query for " + e.name + " to " + e.flow.dst_ip;
            break;
          case EventKind::kTlsClientHello:
            match = (!host_is_ip && host_key(e.name) == host && port_ok) || (to_host && port_ok);
            how = "TLS ClientHello for \"" + e.name + "\" to " + e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port);
            break;
          default:
            break;
        }
        if (!match) continue;
        Incident inc;
        inc.detection = di;
        inc.event = ei;
        inc.callback = t.name;
        inc.server_ip = nd.dst_ip;
        inc.same_host = e.flow.src_ip == nd.dst_ip;
        char delay[32];
        snprintf(delay, sizeof delay, "%.3f", e.time - nd.time);
        if (inc.same_host) {
          inc.summary = "this server (" + nd.dst_ip + ") evaluated the payload from " + nd.src_ip + ": it " +
                        how + " " + delay + " s after the attempt";
        } else {
          inc.summary = "the payload sent to " + nd.dst_ip + " was evaluated: " + e.flow.src_ip + " " + how +
                        " " + delay + " s after the attempt (a log pipeline or another host)";
        }
        incidents.push_back(std::move(inc));
        seen.push_back(key);
        break;
      }
    }
  }
  return incidents;
}

}  // namespace l4s::pcap
