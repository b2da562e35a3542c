// The protocol-agnostic pieces of a direction's parsing: endpoints and raw text (see protocol.h).
#include "pcap/protocol.h"

namespace l4s::pcap {

FlowEndpoints TcpPeers::endpoints(int d) const {
  FlowEndpoints e;
  e.protocol = "tcp";
  e.src_ip = d == 0 ? client_text : server_text;
  e.dst_ip = d == 0 ? server_text : client_text;
  e.src_port = d == 0 ? client_port : server_port;
  e.dst_port = d == 0 ? server_port : client_port;
  return e;
}

StreamNext RawState::consume(std::string& buf, bool at_end, const StreamContext& cx) {
  FlowEndpoints ep = cx.endpoints();
  size_t last_nl = buf.rfind('\n');
  // Whole lines as they complete; a line longer than one examination window
  // is examined in windows rather than kept waiting for its end.
  if (at_end || buf.size() >= hunt::Detection::kMaxRaw) {
    cx.rec.examine_lines(buf, ep, "payload", nullptr);
    buf.clear();
  } else if (last_nl != std::string::npos) {
    cx.rec.examine_lines(std::string_view(buf).substr(0, last_nl + 1), ep, "payload", nullptr);
    buf.erase(0, last_nl + 1);
  }
  return StreamNext::kKeep;
}

}  // namespace l4s::pcap
