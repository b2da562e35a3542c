#include "pcap/analyzer.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <unordered_map>
#include <variant>

#include "net/ber.h"
#include "net/jrmp.h"
#include "pcap/http.h"
#include "pcap/jrmp_flow.h"
#include "pcap/ldap_flow.h"
#include "pcap/packet.h"
#include "pcap/protocol.h"
#include "pcap/recorder.h"
#include "pcap/tcp_stream.h"
#include "pcap/udp.h"
#include "pcap/wire.h"

namespace l4s::pcap {
namespace {

using net::Bytes;

// A direction carries one protocol's state: its protocol's, once recognised.
using ProtocolState = std::variant<UnrecognisedState, IgnoredState, RawState, HttpRequestState, HttpResponseState,
                                   LdapState, JrmpClientState, JrmpServerState>;

struct Direction {
  TcpDirection tcp;
  std::string buf;  // delivered, not yet consumed
  bool finished = false;
  ProtocolState state;

  explicit Direction(size_t max_ooo) : tcp(max_ooo) {}
};

struct FlowKey {
  IpAddr a, b;
  uint16_t pa = 0, pb = 0;
  bool operator==(const FlowKey&) const = default;
};

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

struct Flow {
  TcpPeers peers;
  Direction dir[2];  // 0: client -> server, 1: server -> client
  double last_time = 0;
  std::unique_ptr<HttpExchange> http;  // made by the first HTTP message
  Flow(size_t max_ooo) : dir{Direction(max_ooo), Direction(max_ooo)} {}
};

HttpMessageState* http_message(Direction& dir) {
  if (auto* request = std::get_if<HttpRequestState>(&dir.state)) return request;
  return std::get_if<HttpResponseState>(&dir.state);
}

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kLdapSearch: return "ldap_search";
    case EventKind::kRmiLookup: return "rmi_lookup";
    case EventKind::kDnsTxtQuery: return "dns_txt_query";
    case EventKind::kLdapJavaEntry: return "ldap_java_entry";
    case EventKind::kRmiReturn: return "rmi_return";
    case EventKind::kJavaClassFetch: return "java_class_fetch";
    case EventKind::kTcpConnect: return "tcp_connect";
    case EventKind::kDnsQuery: return "dns_query";
    case EventKind::kTlsClientHello: return "tls_client_hello";
  }
  return "unknown";
}

bool is_context_event(EventKind kind) {
  return kind == EventKind::kTcpConnect || kind == EventKind::kDnsQuery || kind == EventKind::kTlsClientHello;
}

std::string iso_time(double time) {
  if (!(time >= 0) || time > 1e11) time = 0;
  time_t secs = static_cast<time_t>(time);
  long micros = static_cast<long>((time - static_cast<double>(secs)) * 1e6 + 0.5);
  if (micros >= 1000000) {
    secs += 1;
    micros -= 1000000;
  }
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buf;
}

struct CaptureAnalyzer::Impl {
  Impl(int link_type, AnalyzerOptions o) : options(std::move(o)), decoder(link_type) {
    result.path = options.capture_name;
    result.link_type = link_type_name(link_type);
  }

  AnalyzerOptions options;
  PacketDecoder decoder;
  PacketDecoder vxlan_decoder{kLinkEthernet}, vxlan_decoder2{kLinkEthernet};
  CaptureResult result;
  std::unordered_map<FlowKey, std::unique_ptr<Flow>, FlowKeyHash> flows;
  Recorder rec{options.capture_name, &result};
  double last_sweep = 0;

  // ---- TCP ------------------------------------------------------------------

  void on_tcp(const PacketView& p) {
    FlowKey key;
    bool forward = std::tie(p.src, p.src_port) < std::tie(p.dst, p.dst_port);
    key.a = forward ? p.src : p.dst;
    key.b = forward ? p.dst : p.src;
    key.pa = forward ? p.src_port : p.dst_port;
    key.pb = forward ? p.dst_port : p.src_port;
    bool syn = p.tcp_flags & kTcpSyn, ack = p.tcp_flags & kTcpAck;
    auto it = flows.find(key);
    if (it != flows.end() && syn && !ack) {
      // A new connection on a reused 4-tuple: close the old one first.
      Flow& old = *it->second;
      bool same_client = old.peers.client_ip == p.src && old.peers.client_port == p.src_port;
      if (!same_client || old.dir[0].finished || old.dir[1].finished || old.dir[0].tcp.started()) {
        close_flow(*it->second);
        flows.erase(it);
        it = flows.end();
      }
    }
    if (it == flows.end()) {
      if (flows.size() >= options.max_flows) evict_oldest();
      auto flow = std::make_unique<Flow>(options.max_stream_buffer);
      // The client: the SYN's sender; for a SYN+ACK its receiver; otherwise
      // the first sender seen (a capture that starts mid-connection).
      bool src_is_client = !(syn && ack);
      TcpPeers& peers = flow->peers;
      peers.client_ip = src_is_client ? p.src : p.dst;
      peers.server_ip = src_is_client ? p.dst : p.src;
      peers.client_port = src_is_client ? p.src_port : p.dst_port;
      peers.server_port = src_is_client ? p.dst_port : p.src_port;
      peers.client_text = peers.client_ip.to_string();
      peers.server_text = peers.server_ip.to_string();
      it = flows.emplace(key, std::move(flow)).first;
      result.stats.tcp_flows++;
      rec.emit(EventKind::kTcpConnect, it->second->peers.endpoints(0), "", syn ? "syn" : "mid-stream", false, false);
    }
    Flow& f = *it->second;
    f.last_time = rec.now();
    int d = (f.peers.client_ip == p.src && f.peers.client_port == p.src_port) ? 0 : 1;
    Direction& dir = f.dir[d];
    if (!dir.finished) {
      size_t before = dir.buf.size();
      dir.tcp.add(p.seq, syn, p.payload, &dir.buf);
      if (dir.buf.size() != before) process(f, d);
    }
    if (p.tcp_flags & kTcpRst) {
      close_flow(f);
      flows.erase(it);
      return;
    }
    if ((p.tcp_flags & kTcpFin) && !dir.finished) {
      finish_direction(f, d);
      if (f.dir[0].finished && f.dir[1].finished) {
        result.stats.gaps += f.dir[0].tcp.gaps() + f.dir[1].tcp.gaps();
        flows.erase(it);
      }
    }
    if (rec.now() - last_sweep > 30 || rec.now() < last_sweep) sweep();
  }

  void finish_direction(Flow& f, int d) {
    Direction& dir = f.dir[d];
    if (dir.finished) return;
    dir.tcp.flush(&dir.buf);
    // A body cut short (capture end, lost framing) is examined with what came.
    HttpMessageState* http = http_message(dir);
    if (!dir.buf.empty() || (http && !http->body.empty())) process(f, d, /*at_end=*/true);
    dir.finished = true;
    dir.buf.clear();
    dir.buf.shrink_to_fit();
    // The state stays (the other direction's recognition may look at it); its body goes.
    if ((http = http_message(dir))) http->body = std::string();
  }

  void close_flow(Flow& f) {
    finish_direction(f, 0);
    finish_direction(f, 1);
    result.stats.gaps += f.dir[0].tcp.gaps() + f.dir[1].tcp.gaps();
  }

  void sweep() {
    last_sweep = rec.now();
    for (auto it = flows.begin(); it != flows.end();) {
      if (rec.now() - it->second->last_time > options.flow_timeout) {
        close_flow(*it->second);
        it = flows.erase(it);
      } else {
        ++it;
      }
    }
  }

  // At the flow limit: closes the least recently active eighth of the flows
  // at once, so a flood of connections costs O(1) amortised per new flow.
  void evict_oldest() {
    std::vector<double> times;
    times.reserve(flows.size());
    for (const auto& [key, flow] : flows) times.push_back(flow->last_time);
    if (times.empty()) return;
    size_t k = std::max<size_t>(1, times.size() / 8) - 1;
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(k), times.end());
    double threshold = times[k];
    size_t budget = k + 1;
    for (auto it = flows.begin(); it != flows.end() && budget > 0;) {
      if (it->second->last_time <= threshold) {
        close_flow(*it->second);
        it = flows.erase(it);
        result.stats.dropped_flows++;
        --budget;
      } else {
        ++it;
      }
    }
  }

  // ---- stream recognition and parsing ----------------------------------------

  void process(Flow& f, int d, bool at_end = false) {
    Direction& dir = f.dir[d];
    if (std::holds_alternative<UnrecognisedState>(dir.state)) {
      ProtocolState recognised = recognise(f, d, at_end);
      if (!std::holds_alternative<UnrecognisedState>(recognised)) dir.state = std::move(recognised);
      else if (dir.buf.size() > options.max_stream_buffer) dir.state.emplace<RawState>();
      else return;
    }
    StreamContext cx{f.peers, d, f.http, rec, options};
    StreamNext next = std::visit([&](auto& state) { return state.consume(dir.buf, at_end, cx); }, dir.state);
    if (next == StreamNext::kRaw) dir.state.emplace<RawState>();
    // A parser that gave up, or waits for more than we keep: the stream is ignored.
    if (next == StreamNext::kIgnore || dir.buf.size() > options.max_stream_buffer) {
      dir.state.emplace<IgnoredState>();
      dir.buf.clear();
    }
  }

  // The protocol of direction d from its first bytes; UnrecognisedState while
  // they do not tell yet.
  ProtocolState recognise(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    std::string_view b = dir.buf;
    if (b.empty()) return UnrecognisedState{};
    Bytes u = net::as_bytes(b);
    if (b.size() >= 4 && b.substr(0, 4) == "JRMI") return JrmpClientState{};
    if (b.size() < 4 && !at_end && (std::string_view("JRMI").substr(0, b.size()) == b)) return UnrecognisedState{};
    if (u[0] == net::kJrmpProtocolAck && std::holds_alternative<JrmpClientState>(f.dir[1 - d].state))
      return JrmpServerState{};
    if (u[0] == 0x30) {
      net::BerElement e;
      net::ParseStatus s = net::ber_read(u, kMaxLdapMessage, &e);
      if (s == net::ParseStatus::kNeedMore && !at_end) return UnrecognisedState{};
      if (s == net::ParseStatus::kOk) {
        net::BerReader r(e.value);
        net::BerElement id, op;
        if (r.expect(net::kBerInteger, &id) && r.next(&op) && (op.tag & 0xc0) == 0x40) return LdapState{};
      }
    }
    if (u.size() >= 6 && u[0] == 0x16 && u[1] == 0x03) {
      // TLS: only the ClientHello's server name is readable (for ldaps:// callbacks).
      std::string sni;
      net::ParseStatus s = parse_tls_sni(u, &sni);
      if (s == net::ParseStatus::kNeedMore && !at_end && b.size() < 64 * 1024) return UnrecognisedState{};
      if (s == net::ParseStatus::kOk)
        rec.emit(EventKind::kTlsClientHello, f.peers.endpoints(d), sni, "", false, false);
      return IgnoredState{};
    }
    if (looks_like_http_response(b)) return HttpResponseState{};
    bool complete = true;
    if (looks_like_http_request(b, &complete)) return HttpRequestState{};
    if (!complete && !at_end) return UnrecognisedState{};
    return RawState{};
  }

  // ---- UDP ------------------------------------------------------------------

  void on_udp(const PacketView& p) {
    result.stats.udp_datagrams++;
    on_udp_datagram(p, rec);
  }

  void on_frame(double time, Bytes frame_bytes, uint32_t original_length) {
    rec.next_frame(time);
    result.stats.frames++;
    result.stats.bytes += frame_bytes.size();
    if (original_length > frame_bytes.size()) result.stats.truncated_frames++;
    PacketView p;
    switch (decoder.decode(frame_bytes, time, &p)) {
      case DecodeStatus::kOk:
        break;
      case DecodeStatus::kPending:
        return;
      case DecodeStatus::kIgnored:
        result.stats.ignored++;
        return;
      case DecodeStatus::kMalformed:
        result.stats.malformed++;
        return;
    }
    dispatch(p, time, 0);
  }

  void dispatch(const PacketView& p, double time, int depth) {
    // VXLAN (UDP 4789, the I flag set): traffic mirrored from elsewhere (AWS
    // traffic mirroring, overlay networks); its inner Ethernet frame is the
    // traffic to analyse. Nested at most twice.
    if (p.protocol == kProtoUdp && p.dst_port == 4789 && p.payload.size() >= 8 + 14 && (p.payload[0] & 0x08) &&
        depth < 2) {
      PacketDecoder& inner = depth == 0 ? vxlan_decoder : vxlan_decoder2;
      PacketView q;
      DecodeStatus st = inner.decode(p.payload.subspan(8), time, &q);
      if (st == DecodeStatus::kOk) dispatch(q, time, depth + 1);
      else if (st == DecodeStatus::kMalformed) result.stats.malformed++;
      return;
    }
    if (p.protocol == kProtoTcp) on_tcp(p);
    else on_udp(p);
  }

  CaptureResult finish() {
    for (auto& [key, flow] : flows) close_flow(*flow);
    flows.clear();
    rec.finish();
    std::stable_sort(result.events.begin(), result.events.end(),
                     [](const NetEvent& a, const NetEvent& b) { return a.time < b.time; });
    result.incidents = correlate(result.detections, result.events, options.correlation_window);
    return std::move(result);
  }
};

CaptureAnalyzer::CaptureAnalyzer(int link_type, AnalyzerOptions options)
    : impl_(std::make_unique<Impl>(link_type, std::move(options))) {}
CaptureAnalyzer::~CaptureAnalyzer() = default;

void CaptureAnalyzer::add_frame(double time, Bytes frame, uint32_t original_length) {
  impl_->on_frame(time, frame, original_length);
}

CaptureResult CaptureAnalyzer::finish() { return impl_->finish(); }

}  // namespace l4s::pcap
