// Correlation of attempts with later contacts with their callbacks (see correlate.h and analyzer.h).
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

namespace {

// A callback as an attempt named it, in the forms contacts are compared in.
struct Callback {
  const hunt::JndiTarget& target;
  std::string host;  // host_key
  bool host_is_ip = false;
  std::string path;  // the name looked up: the URL path, decoded, without its query

  explicit Callback(const hunt::JndiTarget& t) : target(t), host(host_key(t.host)) {
    IpAddr ip;
    host_is_ip = parse_ip_addr(t.host, &ip);
    path = t.path.empty() ? "" : net::percent_decode(std::string_view(t.path).substr(1));
    size_t q = path.find('?');
    if (q != std::string::npos) path.resize(q);
  }
};

// Whether event `e` is a contact with the callback: a connection to its
// host:port, a lookup there or of its name, a DNS query or client_hello for
// its host name.
bool is_contact(const Callback& cb, const NetEvent& e) {
  bool to_host = cb.host_is_ip ? host_key(e.flow.dst_ip) == cb.host : false;
  bool port_ok = cb.target.port < 0 || e.flow.dst_port == cb.target.port;
  switch (e.kind) {
    case EventKind::kTcpConnect:
      return to_host && port_ok && e.flow.protocol == "tcp";
    case EventKind::kLdapSearch:
    case EventKind::kRmiLookup:
      return (to_host && port_ok) || (!cb.path.empty() && e.name == cb.path && port_ok);
    case EventKind::kDnsTxtQuery:
    case EventKind::kDnsQuery:
      return (!cb.host_is_ip && host_key(e.name) == cb.host) || (cb.target.scheme == "dns" && to_host && port_ok);
    case EventKind::kTlsClientHello:
      return (!cb.host_is_ip && host_key(e.name) == cb.host && port_ok) || (to_host && port_ok);
    default:  // served payloads answer a contact, they are not one
      return false;
  }
}

// "connected to 1.2.3.4:1389", "LDAP search for \"a\" at ...": the contact in an incident's summary.
std::string describe_contact(const NetEvent& e) {
  std::string at = e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port);
  switch (e.kind) {
    case EventKind::kTcpConnect:
      return "connected to " + at;
    case EventKind::kLdapSearch:
    case EventKind::kRmiLookup:
      return std::string(e.kind == EventKind::kLdapSearch ? "LDAP search for \"" : "RMI lookup of \"") + e.name +
             "\" at " + at;
    case EventKind::kDnsTxtQuery:
    case EventKind::kDnsQuery:
      return "DNS " + e.detail + " query for " + e.name + " to " + e.flow.dst_ip;
    case EventKind::kTlsClientHello:
      return "TLS ClientHello for \"" + e.name + "\" to " + at;
    default:
      return "";
  }
}

Incident make_incident(size_t di, const hunt::NetworkContext& nd, const hunt::JndiTarget& t, size_t ei,
                       const NetEvent& e) {
  Incident inc;
  inc.detection = di;
  inc.event = ei;
  inc.callback = t.name;
  inc.server_ip = nd.dst_ip;
  inc.same_host = e.flow.src_ip == nd.dst_ip;
  std::string how = describe_contact(e);
  char delay[32];
  snprintf(delay, sizeof delay, "%.3f", e.time - nd.time);
  if (inc.same_host) {
    inc.summary = "this server (" + nd.dst_ip + ") evaluated the payload from " + nd.src_ip + ": it " + how + " " +
                  delay + " s after the attempt";
  } else {
    inc.summary = "the payload sent to " + nd.dst_ip + " was evaluated: " + e.flow.src_ip + " " + how + " " + delay +
                  " s after the attempt (a log pipeline or another host)";
  }
  return inc;
}

}  // namespace

// One incident per (attempt's connection, callback): its first contact
// within the window.
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
      Callback cb(t);
      Seen key{nd.src_ip + ">" + nd.dst_ip + ":" + std::to_string(nd.dst_port), t.name};
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      for (size_t ei = 0; ei < events.size(); ++ei) {
        const NetEvent& e = events[ei];
        if (e.time < nd.time - kCorrelationSlack || e.time > nd.time + window) continue;
        if (!is_contact(cb, e)) continue;
        incidents.push_back(make_incident(di, nd, t, ei, e));
        seen.push_back(key);
        break;
      }
    }
  }
  return incidents;
}

}  // namespace l4s::pcap
