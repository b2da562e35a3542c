// Log4Shell in network traffic: the attempts that came in, the JNDI callbacks
// that went out, the payloads that were served, and the incidents that tie
// them together.
//
// Frames go in one at a time (CaptureAnalyzer::add_frame); TCP is reassembled
// per direction and each direction is recognised by its first bytes:
//   HTTP request    request line, every header line and the body (Content-Length
//                   or chunked) are examined with hunt::examine_line, the same
//                   decoders and Log4j evaluator as for logs; a `Java/` user
//                   agent fetching a `.class` is a second-stage fetch
//   HTTP response   status, type and first body bytes of those fetches
//   LDAP            an anonymous bind then a search (the JNDI lookup: its DN);
//                   entries carrying javaClassName/javaCodeBase/javaFactory/
//                   javaSerializedData (a payload served)
//   JRMP            "JRMI" handshake and the registry lookup's name; ReturnData
//                   `51 ac ed` / `51 ca fe ba be` (a payload served)
//   TLS             the client_hello's server name (to correlate ldaps:// callbacks)
//   anything else   examined line by line (SMTP, syslog, ...)
// UDP: DNS queries (a TXT query with RD and no EDNS is JNDI's dns://), other
// datagrams examined raw.
//
// Correlate turns "attempt naming callback C" + "a lookup of C or a connection
// to C's host:port afterwards" into one Incident: the payload was evaluated.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hunt/detection.h"
#include "net/bytes.h"

namespace l4s::pcap {

struct FlowEndpoints {
  std::string protocol;  // "tcp" or "udp"
  std::string src_ip;
  uint16_t src_port = 0;
  std::string dst_ip;
  uint16_t dst_port = 0;
};

enum class EventKind {
  // A JVM performing a JNDI lookup.
  kLdapSearch,      // anonymous bind + search; name = DN
  kRmiLookup,       // JRMI handshake + registry call; name = looked-up name
  kDnsTxtQuery,     // TXT query, RD set, no EDNS (JNDI dns://); name = query name
  // A payload served to it.
  kLdapJavaEntry,   // SearchResultEntry with Java object attributes; name = entry DN
  kRmiReturn,       // ReturnData with a serialized object or a class
  kJavaClassFetch,  // HTTP GET of a .class by a Java/ user agent; name = URI
  // Context, reported only as an incident's evidence.
  kTcpConnect,      // a TCP connection (SYN, or first packet when the capture starts mid-stream)
  kDnsQuery,        // any other DNS query
  kTlsClientHello,  // name = server name (SNI)
};

std::string_view event_kind_name(EventKind kind);  // "ldap_search", "rmi_lookup", ...
bool is_context_event(EventKind kind);

struct NetEvent {
  EventKind kind = EventKind::kTcpConnect;
  double time = 0;
  uint64_t frame = 0;
  FlowEndpoints flow;      // client -> server of the exchange (the JVM is the client)
  std::string name;
  std::string detail;      // attributes, return type, HTTP status/type/magic, ...
  bool served = false;     // a payload reached the JVM
  bool jndi_fingerprint = false;  // byte-exact JDK client behaviour (bind, search shape, TXT/RD/no EDNS)
};

struct Incident {
  size_t detection = 0;   // index into detections
  size_t event = 0;       // index into events: the first contact with the callback
  std::string callback;   // the JNDI name the attempt carried
  std::string server_ip;  // where the attempt went
  bool same_host = false; // the contact came from server_ip itself
  std::string summary;
};

struct CaptureStats {
  uint64_t frames = 0;
  uint64_t bytes = 0;            // captured bytes
  uint64_t truncated_frames = 0; // caplen < len
  uint64_t malformed = 0;
  uint64_t ignored = 0;          // not TCP/UDP over IP
  uint64_t tcp_flows = 0;
  uint64_t udp_datagrams = 0;
  uint64_t gaps = 0;             // holes skipped in TCP streams (lost packets)
  uint64_t dropped_flows = 0;    // flows evicted by the flow limit
};

struct CaptureResult {
  std::string path;
  std::string link_type;
  CaptureStats stats;
  // Inbound attempts: hunt's Detection with `network` set (file = capture
  // name, line = frame number, timestamp and source_ip from the packet).
  std::vector<hunt::Detection> detections;
  std::vector<NetEvent> events;     // in time order; context events only near an attempt (see is_context_event)
  std::vector<Incident> incidents;
  std::vector<std::string> errors;  // unreadable or corrupt parts; the rest was still read
};

struct AnalyzerOptions {
  std::string capture_name;              // Detection::file
  size_t max_stream_buffer = 1 << 20;    // unconsumed bytes per TCP direction (and out-of-order store)
  size_t max_body = 1 << 20;             // HTTP body bytes examined per request
  size_t max_flows = 1 << 18;            // concurrent TCP flows
  double flow_timeout = 600;             // idle seconds before a flow is closed
  double correlation_window = 600;       // seconds after an attempt in which a contact counts
};

class CaptureAnalyzer {
 public:
  CaptureAnalyzer(int link_type, AnalyzerOptions options = {});
  ~CaptureAnalyzer();
  CaptureAnalyzer(const CaptureAnalyzer&) = delete;
  CaptureAnalyzer& operator=(const CaptureAnalyzer&) = delete;

  // One captured frame: `time` in seconds, `original_length` as on the wire.
  void add_frame(double time, net::Bytes frame, uint32_t original_length);
  // Closes every flow, correlates, and hands the results over. Call once.
  CaptureResult finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Incidents from detections and events (both in capture order).
std::vector<Incident> correlate(const std::vector<hunt::Detection>& detections, const std::vector<NetEvent>& events,
                                double window_seconds);

// "2021-12-14T16:03:49.123456Z".
std::string iso_time(double time);

}  // namespace l4s::pcap
