// What the parser of one TCP direction is handed, and the states a direction
// is in before and apart from its protocol.
//
// The analyzer recognises a direction's protocol from its first bytes and
// from then on the direction carries that protocol's state only (see
// Direction in flow_table.h); every state has
//   StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx)
// which consumes what it can of the delivered bytes in `buf` (`at_end`: the
// stream ends here, nothing more comes) and says whether the direction keeps
// its state or is to be read raw or ignored from now on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pcap/analyzer.h"
#include "pcap/packet.h"
#include "pcap/recorder.h"

namespace l4s::pcap {

struct HttpExchange;

// The two ends of a TCP connection.
struct TcpPeers {
  IpAddr client_ip, server_ip;  // client = SYN sender, else the first sender seen
  uint16_t client_port = 0, server_port = 0;
  std::string client_text, server_text;

  // Direction 0 is client -> server, 1 is server -> client.
  FlowEndpoints endpoints(int d) const;
};

// One call's view of its direction and of what it reports to.
struct StreamContext {
  const TcpPeers& peers;
  int d;  // the direction being parsed
  // The connection's request/response pairing, shared by its two directions;
  // made by the first HTTP request or response that needs it.
  std::unique_ptr<HttpExchange>& http;
  Recorder& rec;
  const AnalyzerOptions& options;

  FlowEndpoints endpoints() const { return peers.endpoints(d); }
  // The other way round: the exchange as seen from its client, for what a
  // reply (an LDAP entry, an RMI return) tells about the request.
  FlowEndpoints reverse_endpoints() const { return peers.endpoints(1 - d); }
};

enum class StreamNext {
  kKeep,    // the direction keeps its state
  kRaw,     // read it raw from now on (RawState)
  kIgnore,  // nothing more to learn from it (IgnoredState; `buf` is dropped)
};

// Not enough bytes yet to tell the protocol (the analyzer recognises it, never
// consumes through it).
struct UnrecognisedState {
  StreamNext consume(std::string&, bool, const StreamContext&) { return StreamNext::kKeep; }
};

// Encrypted, unparseable or done with: the bytes are dropped.
struct IgnoredState {
  StreamNext consume(std::string& buf, bool, const StreamContext&) {
    buf.clear();
    return StreamNext::kKeep;
  }
};

// Anything else (SMTP, syslog, a head too long to be HTTP, ...): examined line
// by line as it comes.
struct RawState {
  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);
};

}  // namespace l4s::pcap
