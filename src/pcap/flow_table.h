// The TCP connections being followed, each with its two directions.
//
// A direction (Direction) holds its reassembly, the bytes delivered and not
// yet consumed, and the state of its protocol only: one alternative of
// ProtocolState, chosen when the analyzer recognises the protocol.
//
// The table is bounded: a flow idle for longer than the timeout is closed by
// a sweep every 30 s of capture time, and at the flow limit the idlest eighth
// of the flows are closed at once, so a flood of connections costs O(1)
// amortised per new flow. Closing a flow (finishing its directions: the bytes
// still held are parsed) is the analyzer's, called back before the flow goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>

#include "pcap/http.h"
#include "pcap/jrmp_flow.h"
#include "pcap/ldap_flow.h"
#include "pcap/packet.h"
#include "pcap/protocol.h"
#include "pcap/tcp_stream.h"

namespace l4s::pcap {

using ProtocolState = std::variant<UnrecognisedState, IgnoredState, RawState, HttpRequestState, HttpResponseState,
                                   LdapState, JrmpClientState, JrmpServerState>;

struct Direction {
  TcpDirection tcp;
  std::string buf;  // delivered, not yet consumed
  bool finished = false;
  ProtocolState state;

  explicit Direction(size_t max_ooo) : tcp(max_ooo) {}

  // The HTTP message state when the direction is HTTP, else nullptr.
  HttpMessageState* http_message();
};

struct Flow {
  TcpPeers peers;
  Direction dir[2];  // 0: client -> server, 1: server -> client
  double last_time = 0;
  std::unique_ptr<HttpExchange> http;  // made by the first HTTP message

  explicit Flow(size_t max_ooo) : dir{Direction(max_ooo), Direction(max_ooo)} {}
};

// A connection's 4-tuple in a canonical order, the same both ways. Both this
// and the hash are inline: every packet goes through them.
struct FlowKey {
  IpAddr a, b;
  uint16_t pa = 0, pb = 0;
  bool operator==(const FlowKey&) const = default;

  static FlowKey of(const PacketView& p) {
    FlowKey key;
    bool forward = std::tie(p.src, p.src_port) < std::tie(p.dst, p.dst_port);
    key.a = forward ? p.src : p.dst;
    key.b = forward ? p.dst : p.src;
    key.pa = forward ? p.src_port : p.dst_port;
    key.pb = forward ? p.dst_port : p.src_port;
    return key;
  }
};

// FNV-1a over both addresses and ports. (The flows are closed in the table's
// order at the end of a capture, so a different hash reorders events of the
// same instant.)
struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&](const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
    };
    mix(k.a.bytes.data(), 16);
    mix(k.b.bytes.data(), 16);
    uint32_t ports = uint32_t{k.pa} << 16 | k.pb;
    mix(reinterpret_cast<const uint8_t*>(&ports), 4);
    return h;
  }
};

class FlowTable {
 public:
  // `close` finishes a flow's directions; it is called for every flow the
  // table drops (idle, evicted, or at close_all).
  FlowTable(size_t max_flows, double idle_timeout, std::function<void(Flow&)> close)
      : max_flows_(max_flows), idle_timeout_(idle_timeout), close_(std::move(close)) {}

  using Map = std::unordered_map<FlowKey, std::unique_ptr<Flow>, FlowKeyHash>;
  // An entry stays valid until it is erased (or another is added).
  using Entry = Map::iterator;

  Entry find(const FlowKey& key) { return flows_.find(key); }
  Entry end() { return flows_.end(); }
  // Adds a flow; at the limit the idlest eighth are closed first.
  Entry add(const FlowKey& key, std::unique_ptr<Flow> flow);
  // Removes a flow without closing it (the caller did, or it ended).
  void erase(Entry entry) { flows_.erase(entry); }

  // Closes the flows idle for longer than the timeout; looks every 30 s of
  // capture time (or when the clock goes back).
  void expire_idle(double now) {
    if (now - last_sweep_ > 30 || now < last_sweep_) sweep(now);
  }
  // Closes every flow (the capture's end).
  void close_all();

  uint64_t evicted() const { return evicted_; }  // flows closed at the limit

 private:
  void sweep(double now);
  void evict_idlest();

  size_t max_flows_;
  double idle_timeout_;
  std::function<void(Flow&)> close_;
  Map flows_;
  double last_sweep_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace l4s::pcap
