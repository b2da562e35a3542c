#include "pcap/analyzer.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "hunt/prefilter.h"
#include "net/ber.h"
#include "net/dns.h"
#include "net/http_request.h"
#include "net/jrmp.h"
#include "net/ldap.h"
#include "pcap/correlate.h"
#include "pcap/packet.h"
#include "pcap/recorder.h"
#include "pcap/tcp_stream.h"
#include "pcap/wire.h"

namespace l4s::pcap {
namespace {

using net::Bytes;

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxLine = hunt::Detection::kMaxRaw;  // raw text examined at once
constexpr size_t kMaxLdapMessage = 1 << 20;
constexpr size_t kMaxJrmpCall = 64 * 1024;

// The exact anonymous BindRequest of the JDK's LDAP client (message id 1).
constexpr uint8_t kJndiBind[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00};

enum class Mode {
  kUnknown,
  kHttpRequest,
  kHttpResponse,
  kLdap,
  kJrmpClient,
  kJrmpServer,
  kRaw,
  kIgnore,
};

enum class HttpState { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kUntilClose };

struct Direction {
  TcpDirection tcp;
  std::string buf;  // delivered, not yet consumed
  Mode mode = Mode::kUnknown;
  bool finished = false;
  // HTTP
  HttpState http = HttpState::kHead;
  size_t head_scan = 0;
  uint64_t remaining = 0;  // body or chunk bytes still to come
  std::string body;        // request body kept for examination (<= max_body)
  HttpRequestInfo request;
  // LDAP
  bool anonymous_bind = false;
  bool exact_jndi_bind = false;
  // JRMP
  int jrmp_step = 0;
  // HTTP response to a class fetch: the event to complete with the body's magic
  size_t fetch_event = SIZE_MAX;

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
  IpAddr client_ip, server_ip;  // client = SYN sender, else the first sender seen
  uint16_t client_port = 0, server_port = 0;
  std::string client_text, server_text;
  Direction dir[2];  // 0: client -> server, 1: server -> client
  double last_time = 0;
  std::deque<size_t> pending_fetches;  // kJavaClassFetch events awaiting their response
  std::deque<std::string> request_methods;
  Flow(size_t max_ooo) : dir{Direction(max_ooo), Direction(max_ooo)} {}
};

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

bool is_class_path(std::string_view uri) {
  size_t q = uri.find_first_of("?#");
  std::string_view path = uri.substr(0, q);
  return path.size() >= 6 && starts_with_ci(path.substr(path.size() - 6), ".class");
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

  // ---- flows -----------------------------------------------------------

  FlowEndpoints endpoints(const Flow& f, int d) const {
    FlowEndpoints e;
    e.protocol = "tcp";
    e.src_ip = d == 0 ? f.client_text : f.server_text;
    e.dst_ip = d == 0 ? f.server_text : f.client_text;
    e.src_port = d == 0 ? f.client_port : f.server_port;
    e.dst_port = d == 0 ? f.server_port : f.client_port;
    return e;
  }

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
      bool same_client = old.client_ip == p.src && old.client_port == p.src_port;
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
      flow->client_ip = src_is_client ? p.src : p.dst;
      flow->server_ip = src_is_client ? p.dst : p.src;
      flow->client_port = src_is_client ? p.src_port : p.dst_port;
      flow->server_port = src_is_client ? p.dst_port : p.src_port;
      flow->client_text = flow->client_ip.to_string();
      flow->server_text = flow->server_ip.to_string();
      it = flows.emplace(key, std::move(flow)).first;
      result.stats.tcp_flows++;
      rec.emit(EventKind::kTcpConnect, endpoints(*it->second, 0), "", syn ? "syn" : "mid-stream", false, false);
    }
    Flow& f = *it->second;
    f.last_time = rec.now();
    int d = (f.client_ip == p.src && f.client_port == p.src_port) ? 0 : 1;
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
    if (!dir.buf.empty() || !dir.body.empty()) process(f, d, /*at_end=*/true);
    dir.finished = true;
    dir.buf.clear();
    dir.buf.shrink_to_fit();
    dir.body.clear();
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
    if (dir.mode == Mode::kUnknown) {
      Mode m = recognise(f, d, at_end);
      if (m == Mode::kUnknown) {
        if (dir.buf.size() > options.max_stream_buffer) dir.mode = Mode::kRaw;
        else return;
      } else {
        dir.mode = m;
      }
    }
    switch (dir.mode) {
      case Mode::kHttpRequest: http_request(f, d, at_end); break;
      case Mode::kHttpResponse: http_response(f, d, at_end); break;
      case Mode::kLdap: ldap(f, d); break;
      case Mode::kJrmpClient: jrmp_client(f, d); break;
      case Mode::kJrmpServer: jrmp_server(f, d, at_end); break;
      case Mode::kRaw: raw(f, d, at_end); break;
      case Mode::kIgnore: dir.buf.clear(); break;
      case Mode::kUnknown: break;
    }
    if (dir.buf.size() > options.max_stream_buffer) {
      // A parser waiting for more than we keep: give the stream up.
      dir.mode = Mode::kIgnore;
      dir.buf.clear();
    }
  }

  Mode recognise(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    std::string_view b = dir.buf;
    if (b.empty()) return Mode::kUnknown;
    Bytes u = net::as_bytes(b);
    if (b.size() >= 4 && b.substr(0, 4) == "JRMI") return Mode::kJrmpClient;
    if (b.size() < 4 && !at_end && (std::string_view("JRMI").substr(0, b.size()) == b)) return Mode::kUnknown;
    if (u[0] == net::kJrmpProtocolAck && f.dir[1 - d].mode == Mode::kJrmpClient) return Mode::kJrmpServer;
    if (u[0] == 0x30) {
      net::BerElement e;
      net::ParseStatus s = net::ber_read(u, kMaxLdapMessage, &e);
      if (s == net::ParseStatus::kNeedMore && !at_end) return Mode::kUnknown;
      if (s == net::ParseStatus::kOk) {
        net::BerReader r(e.value);
        net::BerElement id, op;
        if (r.expect(net::kBerInteger, &id) && r.next(&op) && (op.tag & 0xc0) == 0x40) return Mode::kLdap;
      }
    }
    if (u.size() >= 6 && u[0] == 0x16 && u[1] == 0x03) {
      std::string sni;
      net::ParseStatus s = parse_tls_sni(u, &sni);
      if (s == net::ParseStatus::kNeedMore && !at_end && b.size() < 64 * 1024) return Mode::kUnknown;
      if (s == net::ParseStatus::kOk)
        rec.emit(EventKind::kTlsClientHello, endpoints(f, d), sni, "", false, false);
      return Mode::kIgnore;
    }
    if (looks_like_http_response(b)) return Mode::kHttpResponse;
    bool complete = true;
    if (looks_like_http_request(b, &complete)) return Mode::kHttpRequest;
    if (!complete && !at_end) return Mode::kUnknown;
    return Mode::kRaw;
  }

  void raw(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    FlowEndpoints ep = endpoints(f, d);
    size_t last_nl = dir.buf.rfind('\n');
    if (at_end || dir.buf.size() >= kMaxLine) {
      rec.examine_lines(dir.buf, ep, "payload", nullptr);
      dir.buf.clear();
    } else if (last_nl != std::string::npos) {
      rec.examine_lines(std::string_view(dir.buf).substr(0, last_nl + 1), ep, "payload", nullptr);
      dir.buf.erase(0, last_nl + 1);
    }
  }

  void http_request(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    FlowEndpoints ep = endpoints(f, d);
    while (!dir.buf.empty()) {
      if (dir.http == HttpState::kHead) {
        // Bytes between messages (a stray CRLF) are skipped.
        size_t skip = 0;
        while (skip < dir.buf.size() && (dir.buf[skip] == '\r' || dir.buf[skip] == '\n')) ++skip;
        if (skip) {
          dir.buf.erase(0, skip);
          dir.head_scan = 0;
          continue;
        }
        size_t end = find_head_end(dir.buf, dir.head_scan);
        if (end == std::string::npos) {
          if (dir.buf.size() > kMaxHead || at_end) {
            // Not a head we can read (too long, or cut off): examine it raw.
            rec.examine_lines(dir.buf, ep, "payload", nullptr);
            dir.buf.clear();
            dir.head_scan = 0;
            if (!at_end) dir.mode = Mode::kRaw;
            return;
          }
          dir.head_scan = dir.buf.size();
          return;
        }
        on_request_head(f, d, std::string_view(dir.buf).substr(0, end), ep);
        dir.buf.erase(0, end);
        dir.head_scan = 0;
        continue;
      }
      if (!body_step(dir, options.max_body)) break;
      if (dir.http == HttpState::kHead) {  // body complete
        rec.examine_lines(dir.body, ep, "body", &dir.request);
        dir.body.clear();
      }
    }
    if (at_end && !dir.body.empty()) {
      rec.examine_lines(dir.body, ep, "body", &dir.request);
      dir.body.clear();
    }
  }

  // Consumes body bytes per the framing in `dir`; keeps up to `keep_limit` of
  // them in dir.body. Returns false when it needs more bytes.
  bool body_step(Direction& dir, size_t keep_limit) {
    auto keep = [&](size_t n) {
      if (dir.body.size() < keep_limit) dir.body.append(dir.buf, 0, std::min(n, keep_limit - dir.body.size()));
      dir.buf.erase(0, n);
    };
    switch (dir.http) {
      case HttpState::kHead:
        return true;
      case HttpState::kBody: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(dir.remaining, dir.buf.size()));
        keep(n);
        dir.remaining -= n;
        if (dir.remaining == 0) dir.http = HttpState::kHead;
        return dir.remaining == 0;
      }
      case HttpState::kUntilClose:
        keep(dir.buf.size());
        return false;
      case HttpState::kChunkSize: {
        size_t nl = dir.buf.find('\n');
        if (nl == std::string::npos) {
          if (dir.buf.size() > 1024) {
            dir.http = HttpState::kUntilClose;  // not chunked after all
            return true;
          }
          return false;
        }
        uint64_t size = 0;
        size_t i = 0;
        int digits = 0;
        for (; i < nl && std::isxdigit(static_cast<unsigned char>(dir.buf[i])) && digits < 15; ++i, ++digits)
          size = size * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(dir.buf[i]))
                                                        ? dir.buf[i] - '0'
                                                        : std::tolower(static_cast<unsigned char>(dir.buf[i])) - 'a' + 10);
        dir.buf.erase(0, nl + 1);
        if (digits == 0) {
          dir.http = HttpState::kUntilClose;
          return true;
        }
        dir.remaining = size;
        dir.http = size == 0 ? HttpState::kTrailers : HttpState::kChunkData;
        return true;
      }
      case HttpState::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(dir.remaining, dir.buf.size()));
        keep(n);
        dir.remaining -= n;
        if (dir.remaining == 0) dir.http = HttpState::kChunkDataEnd;
        return dir.remaining == 0;
      }
      case HttpState::kChunkDataEnd: {
        size_t nl = dir.buf.find('\n');
        if (nl == std::string::npos) {
          if (dir.buf.size() <= 2) return false;
          dir.http = HttpState::kUntilClose;  // no CRLF after the chunk: framing lost
          return true;
        }
        dir.buf.erase(0, nl + 1);
        dir.http = HttpState::kChunkSize;
        return true;
      }
      case HttpState::kTrailers: {
        size_t nl = dir.buf.find('\n');
        if (nl == std::string::npos) return false;
        bool blank = nl == 0 || (nl == 1 && dir.buf[0] == '\r');
        dir.buf.erase(0, nl + 1);
        if (blank) dir.http = HttpState::kHead;
        return true;
      }
    }
    return false;
  }

  void on_request_head(Flow& f, int d, std::string_view head, const FlowEndpoints& ep) {
    Direction& dir = f.dir[d];
    HttpHead h;
    parse_http_head(head, &h);
    dir.request.method = std::string(h.method.substr(0, 256));
    dir.request.uri = std::string(h.target.substr(0, 8192));
    dir.request.host = std::string(h.host.substr(0, 256));
    dir.request.user_agent = std::string(h.user_agent.substr(0, 1024));
    if (hunt::has_trigger(head)) {
      rec.examine(h.first_line, ep, "request_line", "", &dir.request);
      for (const HttpHeaderLine& line : h.headers) rec.examine(line.line, ep, "header", line.name, &dir.request);
    }
    f.request_methods.push_back(dir.request.method);
    if (f.request_methods.size() > 64) f.request_methods.pop_front();
    if (starts_with_ci(h.user_agent, "Java/") && is_class_path(h.target)) {
      size_t e = rec.emit(EventKind::kJavaClassFetch, ep, std::string(h.target), "User-Agent: " + dir.request.user_agent, false,
                      false);
      f.pending_fetches.push_back(e);
      if (f.pending_fetches.size() > 64) f.pending_fetches.pop_front();
    }
    dir.body.clear();
    if (h.chunked) {
      dir.http = HttpState::kChunkSize;
    } else if (h.content_length > 0) {
      dir.http = HttpState::kBody;
      dir.remaining = static_cast<uint64_t>(h.content_length);
    } else {
      dir.http = HttpState::kHead;
    }
  }

  void http_response(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    while (!dir.buf.empty()) {
      if (dir.http == HttpState::kHead) {
        size_t skip = 0;
        while (skip < dir.buf.size() && (dir.buf[skip] == '\r' || dir.buf[skip] == '\n')) ++skip;
        dir.buf.erase(0, skip);
        if (dir.buf.empty()) return;
        size_t end = find_head_end(dir.buf, dir.head_scan);
        if (end == std::string::npos) {
          if (dir.buf.size() > kMaxHead || !looks_like_http_response(dir.buf)) {
            dir.mode = Mode::kIgnore;
            dir.buf.clear();
          } else {
            dir.head_scan = dir.buf.size();
          }
          return;
        }
        HttpHead h;
        parse_http_head(std::string_view(dir.buf).substr(0, end), &h);
        dir.buf.erase(0, end);
        dir.head_scan = 0;
        if (h.status >= 100 && h.status < 200) continue;  // interim response: the real one follows
        std::string method;
        if (!f.request_methods.empty()) {
          method = f.request_methods.front();
          f.request_methods.pop_front();
        }
        size_t fetch = SIZE_MAX;
        if (!f.pending_fetches.empty()) {
          fetch = f.pending_fetches.front();
          f.pending_fetches.pop_front();
          NetEvent& e = *rec.event(fetch);
          e.detail = "HTTP " + std::to_string(h.status) +
                     (h.content_type.empty() ? "" : " " + std::string(h.content_type.substr(0, 128)));
          if (h.status == 200 && (h.content_type.find("java") != std::string_view::npos)) e.served = true;
        }
        dir.remaining = 0;
        bool no_body = method == "HEAD" || h.status == 204 || h.status == 304;
        if (no_body) {
          dir.http = HttpState::kHead;
        } else if (h.chunked) {
          dir.http = HttpState::kChunkSize;
        } else if (h.content_length >= 0) {
          dir.http = h.content_length > 0 ? HttpState::kBody : HttpState::kHead;
          dir.remaining = static_cast<uint64_t>(h.content_length);
        } else {
          dir.http = HttpState::kUntilClose;
        }
        dir.body.clear();
        dir.fetch_event = fetch;
        continue;
      }
      // Body: only the first bytes matter (the magic of a class fetch).
      size_t before = dir.body.size();
      bool done = body_step(dir, 16);
      if (dir.fetch_event != SIZE_MAX && before < 4 && dir.body.size() >= 4) mark_fetch_magic(dir);
      if (dir.body.size() > 16) dir.body.resize(16);
      if (!done) break;
      if (dir.http == HttpState::kHead) {
        if (dir.fetch_event != SIZE_MAX && dir.body.size() < 4) mark_fetch_magic(dir);
        dir.fetch_event = SIZE_MAX;
        dir.body.clear();
      }
    }
  }

  void mark_fetch_magic(Direction& dir) {
    NetEvent* event = rec.event(dir.fetch_event);
    if (!event) return;
    NetEvent& e = *event;
    Bytes b = net::as_bytes(dir.body);
    if (b.size() >= 4 && b[0] == 0xca && b[1] == 0xfe && b[2] == 0xba && b[3] == 0xbe) {
      e.detail += ", class file served (ca fe ba be)";
      e.served = true;
    } else if (b.size() >= 2 && b[0] == 0xac && b[1] == 0xed) {
      e.detail += ", serialized object served (ac ed)";
      e.served = true;
    }
  }

  void ldap(Flow& f, int d) {
    Direction& dir = f.dir[d];
    while (!dir.buf.empty()) {
      Bytes u = net::as_bytes(dir.buf);
      net::BerElement msg;
      net::ParseStatus s = net::ber_read(u, kMaxLdapMessage, &msg);
      if (s == net::ParseStatus::kNeedMore) return;
      if (s != net::ParseStatus::kOk || msg.tag != net::kBerSequence) {
        dir.mode = Mode::kIgnore;
        dir.buf.clear();
        return;
      }
      Bytes whole = u.first(msg.total_size());
      net::BerReader r(msg.value);
      net::BerElement id, op;
      if (r.expect(net::kBerInteger, &id) && r.next(&op)) on_ldap_message(f, d, whole, op);
      dir.buf.erase(0, msg.total_size());
    }
  }

  void on_ldap_message(Flow& f, int d, Bytes whole, const net::BerElement& op) {
    Direction& dir = f.dir[d];
    switch (op.tag) {
      case net::kLdapBindRequest: {
        net::BerReader r(op.value);
        net::BerElement version, name, auth;
        if (r.expect(net::kBerInteger, &version) && r.expect(net::kBerOctetString, &name) && r.next(&auth) &&
            name.value.empty() && auth.tag == 0x80 && auth.value.empty()) {
          dir.anonymous_bind = true;
          dir.exact_jndi_bind = whole.size() == sizeof kJndiBind && std::memcmp(whole.data(), kJndiBind, sizeof kJndiBind) == 0;
        }
        break;
      }
      case net::kLdapSearchRequest: {
        LdapSearchShape shape;
        if (!parse_ldap_search(op.value, &shape)) break;
        if (!dir.anonymous_bind && !shape.jndi_shape) break;
        std::string detail = dir.exact_jndi_bind ? "JDK anonymous bind" : dir.anonymous_bind ? "anonymous bind" : "no bind";
        if (shape.jndi_shape) detail += ", JNDI lookup search (base scope, deref always, objectClass=*)";
        uint16_t port = endpoints(f, d).dst_port;
        if (port != 389 && port != 636 && port != 3268 && port != 3269)
          detail += ", port " + std::to_string(port) + " is not a directory port";
        rec.emit(EventKind::kLdapSearch, endpoints(f, d), printable(shape.base_object, 4096), detail, false,
             dir.exact_jndi_bind && shape.jndi_shape);
        break;
      }
      case 0x64: {  // SearchResultEntry
        LdapEntryInfo entry;
        if (!parse_ldap_entry(op.value, &entry) || entry.java_attributes.empty()) break;
        std::string detail;
        for (const std::string& a : entry.java_attributes) detail += (detail.empty() ? "" : "; ") + a;
        rec.emit(EventKind::kLdapJavaEntry, endpoints(f, 1 - d), printable(entry.dn, 4096), detail, true, false);
        break;
      }
      default:
        break;
    }
  }

  void jrmp_client(Flow& f, int d) {
    Direction& dir = f.dir[d];
    while (!dir.buf.empty()) {
      Bytes u = net::as_bytes(dir.buf);
      if (dir.jrmp_step == 0) {
        net::JrmpHeader h;
        net::ParseStatus s = net::jrmp_parse_header(u, &h);
        if (s == net::ParseStatus::kNeedMore) return;
        if (s != net::ParseStatus::kOk) {
          dir.mode = Mode::kIgnore;
          dir.buf.clear();
          return;
        }
        dir.buf.erase(0, 7);
        dir.jrmp_step = h.protocol == net::kJrmpStreamProtocol ? 1 : 2;
        continue;
      }
      if (dir.jrmp_step == 1) {  // client endpoint after the server's ack
        if (u[0] == net::kJrmpCall) {
          dir.jrmp_step = 2;
          continue;
        }
        size_t consumed = 0;
        net::ParseStatus s = net::jrmp_parse_endpoint(u, &consumed);
        if (s == net::ParseStatus::kNeedMore) return;
        if (s != net::ParseStatus::kOk) {
          dir.mode = Mode::kIgnore;
          dir.buf.clear();
          return;
        }
        dir.buf.erase(0, consumed);
        dir.jrmp_step = 2;
        continue;
      }
      // Messages: Ping, or a Call.
      if (u[0] == net::kJrmpPing || u[0] == net::kJrmpDgcAck) {
        dir.buf.erase(0, u[0] == net::kJrmpDgcAck ? std::min<size_t>(dir.buf.size(), 15) : 1);
        continue;
      }
      if (u[0] != net::kJrmpCall) {
        dir.mode = Mode::kIgnore;
        dir.buf.clear();
        return;
      }
      net::JrmpCall call;
      size_t need = 0;
      net::ParseStatus s = net::jrmp_parse_call(u.subspan(1), &call, &need);
      if (s == net::ParseStatus::kNeedMore && dir.buf.size() < kMaxJrmpCall) return;
      if (s == net::ParseStatus::kOk) {
        bool lookup = call.object_number == 0 && call.operation == net::kRegistryLookup &&
                      call.interface_hash == net::kRegistryInterfaceHash;
        std::string detail = lookup ? "registry lookup" : "call op " + std::to_string(call.operation) + " on object " +
                                                              std::to_string(call.object_number);
        if (lookup || call.has_name)
          rec.emit(EventKind::kRmiLookup, endpoints(f, d), printable(call.name, 4096), detail, false, lookup);
      }
      // Arguments and later calls are not followed.
      dir.mode = Mode::kIgnore;
      dir.buf.clear();
      return;
    }
  }

  void jrmp_server(Flow& f, int d, bool at_end) {
    Direction& dir = f.dir[d];
    while (!dir.buf.empty()) {
      Bytes u = net::as_bytes(dir.buf);
      if (dir.jrmp_step == 0) {  // ProtocolAck: 4e, UTF host, u32 port
        if (u.size() < 3) return;
        size_t len = 3 + net::load_be16(u.data() + 1) + 4;
        if (u.size() < len) {
          if (at_end) dir.buf.clear();
          return;
        }
        dir.buf.erase(0, len);
        dir.jrmp_step = 1;
        continue;
      }
      if (u[0] == net::kJrmpPingAck) {
        dir.buf.erase(0, 1);
        continue;
      }
      if (u[0] == 0x51) {
        if (u.size() < 5 && !at_end) return;
        if (u.size() < 512 && !at_end && u.size() < options.max_stream_buffer) {
          // Wait for enough of the object to name its classes (or the end).
          if (u[1] == 0xac) return;
        }
        std::string what = describe_rmi_return(u);
        if (!what.empty())
          rec.emit(EventKind::kRmiReturn, endpoints(f, 1 - d), "", "ReturnData: " + what, true, false);
      }
      dir.mode = Mode::kIgnore;
      dir.buf.clear();
      return;
    }
  }

  // ---- UDP ------------------------------------------------------------------

  void on_udp(const PacketView& p) {
    result.stats.udp_datagrams++;
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
