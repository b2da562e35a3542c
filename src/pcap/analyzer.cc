// The analyzer's frame loop and glue: frames are decoded (VXLAN unwrapped),
// UDP datagrams handed to udp.cc, TCP segments to their flow (flow_table.cc)
// and reassembled per direction; a direction's protocol is recognised here
// from its first bytes, and from then on its bytes go to that protocol's
// parser (http.cc, ldap_flow.cc, jrmp_flow.cc, or raw). What the parsers find
// goes to the Recorder; finish() closes every flow and correlates
// (correlate.cc).
#include "pcap/analyzer.h"

#include <algorithm>
#include <ctime>
#include <variant>

#include "net/ber.h"
#include "net/jrmp.h"
#include "pcap/flow_table.h"
#include "pcap/packet.h"
#include "pcap/recorder.h"
#include "pcap/udp.h"
#include "pcap/wire.h"

namespace l4s::pcap {

using net::Bytes;

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
  Recorder rec{options.capture_name, &result};
  FlowTable flows{options.max_flows, options.flow_timeout, [this](Flow& f) { close_flow(f); }};

  // ---- frames -------------------------------------------------------------

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
    if (p.protocol == kProtoTcp) {
      on_tcp(p);
    } else {
      result.stats.udp_datagrams++;
      on_udp_datagram(p, rec);
    }
  }

  // ---- TCP connections ----------------------------------------------------

  void on_tcp(const PacketView& p) {
    FlowKey key = FlowKey::of(p);
    bool syn = p.tcp_flags & kTcpSyn, ack = p.tcp_flags & kTcpAck;
    FlowTable::Entry it = flows.find(key);
    if (it != flows.end() && syn && !ack) {
      // A new connection on a reused 4-tuple: close the old one first.
      Flow& old = *it->second;
      bool same_client = old.peers.client_ip == p.src && old.peers.client_port == p.src_port;
      if (!same_client || old.dir[0].finished || old.dir[1].finished || old.dir[0].tcp.started()) {
        close_flow(old);
        flows.erase(it);
        it = flows.end();
      }
    }
    if (it == flows.end()) {
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
      it = flows.add(key, std::move(flow));
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
    flows.expire_idle(rec.now());
  }

  void finish_direction(Flow& f, int d) {
    Direction& dir = f.dir[d];
    if (dir.finished) return;
    dir.tcp.flush(&dir.buf);
    // A body cut short (capture end, lost framing) is examined with what came.
    HttpMessageState* http = dir.http_message();
    if (!dir.buf.empty() || (http && !http->body.empty())) process(f, d, /*at_end=*/true);
    dir.finished = true;
    dir.buf.clear();
    dir.buf.shrink_to_fit();
    // The state stays (the other direction's recognition may look at it); its body goes.
    if ((http = dir.http_message())) http->body = std::string();
  }

  void close_flow(Flow& f) {
    finish_direction(f, 0);
    finish_direction(f, 1);
    result.stats.gaps += f.dir[0].tcp.gaps() + f.dir[1].tcp.gaps();
  }

  // ---- a direction's protocol ----------------------------------------------

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
      // TLS: only the client_hello's server name is readable (for ldaps:// callbacks).
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

  // ---- the end --------------------------------------------------------------

  CaptureResult finish() {
    flows.close_all();
    result.stats.dropped_flows = flows.evicted();
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
