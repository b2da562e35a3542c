// JRMP over one TCP direction: registry lookups and payloads returned (see jrmp_flow.h).
#include "pcap/jrmp_flow.h"

#include <algorithm>

#include "net/jrmp.h"
#include "pcap/wire.h"

namespace l4s::pcap {
namespace {

using net::Bytes;

// A registry call is small; more than this without a complete call is not one.
constexpr size_t kMaxJrmpCall = 64 * 1024;

}  // namespace

StreamNext JrmpClientState::consume(std::string& buf, bool, const StreamContext& cx) {
  while (!buf.empty()) {
    Bytes u = net::as_bytes(buf);
    if (step == 0) {
      net::JrmpHeader h;
      net::ParseStatus s = net::jrmp_parse_header(u, &h);
      if (s == net::ParseStatus::kNeedMore) return StreamNext::kKeep;
      if (s != net::ParseStatus::kOk) return StreamNext::kIgnore;
      buf.erase(0, 7);
      step = h.protocol == net::kJrmpStreamProtocol ? 1 : 2;
      continue;
    }
    if (step == 1) {  // client endpoint after the server's ack
      if (u[0] == net::kJrmpCall) {
        step = 2;
        continue;
      }
      size_t consumed = 0;
      net::ParseStatus s = net::jrmp_parse_endpoint(u, &consumed);
      if (s == net::ParseStatus::kNeedMore) return StreamNext::kKeep;
      if (s != net::ParseStatus::kOk) return StreamNext::kIgnore;
      buf.erase(0, consumed);
      step = 2;
      continue;
    }
    // Messages: Ping, or a Call.
    if (u[0] == net::kJrmpPing || u[0] == net::kJrmpDgcAck) {
      buf.erase(0, u[0] == net::kJrmpDgcAck ? std::min<size_t>(buf.size(), 15) : 1);
      continue;
    }
    if (u[0] != net::kJrmpCall) return StreamNext::kIgnore;
    net::JrmpCall call;
    size_t need = 0;
    net::ParseStatus s = net::jrmp_parse_call(u.subspan(1), &call, &need);
    if (s == net::ParseStatus::kNeedMore && buf.size() < kMaxJrmpCall) return StreamNext::kKeep;
    if (s == net::ParseStatus::kOk) {
      bool lookup = call.object_number == 0 && call.operation == net::kRegistryLookup &&
                    call.interface_hash == net::kRegistryInterfaceHash;
      std::string detail = lookup ? "registry lookup" : "call op " + std::to_string(call.operation) + " on object " +
                                                            std::to_string(call.object_number);
      if (lookup || call.has_name)
        cx.rec.emit(EventKind::kRmiLookup, cx.endpoints(), printable(call.name, 4096), detail, false, lookup);
    }
    // Arguments and later calls are not followed.
    return StreamNext::kIgnore;
  }
  return StreamNext::kKeep;
}

StreamNext JrmpServerState::consume(std::string& buf, bool at_end, const StreamContext& cx) {
  while (!buf.empty()) {
    Bytes u = net::as_bytes(buf);
    if (step == 0) {  // ProtocolAck: 4e, UTF host, u32 port
      if (u.size() < 3) return StreamNext::kKeep;
      size_t len = 3 + net::load_be16(u.data() + 1) + 4;
      if (u.size() < len) {
        if (at_end) buf.clear();
        return StreamNext::kKeep;
      }
      buf.erase(0, len);
      step = 1;
      continue;
    }
    if (u[0] == net::kJrmpPingAck) {
      buf.erase(0, 1);
      continue;
    }
    if (u[0] == 0x51) {
      if (u.size() < 5 && !at_end) return StreamNext::kKeep;
      if (u.size() < 512 && !at_end && u.size() < cx.options.max_stream_buffer) {
        // Wait for enough of the object to name its classes (or the end).
        if (u[1] == 0xac) return StreamNext::kKeep;
      }
      std::string what = describe_rmi_return(u);
      if (!what.empty())
        cx.rec.emit(EventKind::kRmiReturn, cx.reverse_endpoints(), "", "ReturnData: " + what, true, false);
    }
    return StreamNext::kIgnore;
  }
  return StreamNext::kKeep;
}

}  // namespace l4s::pcap
