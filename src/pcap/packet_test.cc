#include "pcap/packet.h"

#include <gtest/gtest.h>

#include <deque>

#include "pcap/test_frames.h"

namespace l4s::pcap {
namespace {

using namespace testing;  // NOLINT

std::string payload(const PacketView& p) { return std::string(net::as_string_view(p.payload)); }

// Keeps a frame alive for the rest of the test run: a decoded view points into it.
net::Bytes K(std::string frame) {
  static std::deque<std::string> kept;
  kept.push_back(std::move(frame));
  return B(kept.back());
}

TEST(PacketDecoder, EthernetIpv4TcpAndPaddingTrimmedByIpLength) {
  PacketDecoder d(kLinkEthernet);
  std::string f = tcp_frame("10.0.0.1", 40000, "10.0.0.2", 80, 1000, kTcpAck, "GET");
  ASSERT_EQ(f.size(), 60u);  // padded
  PacketView p;
  ASSERT_EQ(d.decode(K(f), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.src.to_string(), "10.0.0.1");
  EXPECT_EQ(p.dst.to_string(), "10.0.0.2");
  EXPECT_EQ(p.protocol, kProtoTcp);
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.seq, 1000u);
  EXPECT_EQ(p.tcp_flags, kTcpAck);
  EXPECT_EQ(payload(p), "GET");
}

// Found by pcap_fuzz: a snap length that cuts the packet inside its own IPv4
// options (IHL 60 bytes, 32 captured) made the payload span start past the end.
TEST(PacketDecoder, PacketCutInsideItsIpOptionsIsMalformed) {
  PacketDecoder d(kLinkRaw);
  std::string ip(32, '\0');
  ip[0] = 0x4f;  // IPv4, IHL 15 words
  ip[2] = 0x01;  // total length 256
  ip[9] = 6;     // TCP
  PacketView p;
  EXPECT_EQ(d.decode(K(ip), 1, &p), DecodeStatus::kMalformed);
}

TEST(PacketDecoder, VlanAndQinQTags) {
  for (int tags : {1, 2, 3}) {
    PacketDecoder d(kLinkEthernet);
    std::string f = ether(ipv4("192.0.2.1", "192.0.2.2", kProtoUdp, udp(5000, 53, "q")), 0x0800, tags);
    PacketView p;
    ASSERT_EQ(d.decode(K(f), 1, &p), DecodeStatus::kOk) << tags;
    EXPECT_EQ(p.dst_port, 53);
    EXPECT_EQ(payload(p), "q");
  }
}

TEST(PacketDecoder, LinuxCookedV1AndV2) {
  std::string ip = ipv4("10.1.1.1", "10.1.1.2", kProtoTcp, tcp(1, 2, 3, kTcpAck, "x"));
  std::string sll(14, '\0');
  put16(&sll, 0x0800);
  PacketView p;
  PacketDecoder d1(kLinkLinuxSll);
  ASSERT_EQ(d1.decode(K(sll + ip), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(payload(p), "x");
  std::string sll2;
  put16(&sll2, 0x0800);
  sll2.append(18, '\0');
  PacketDecoder d2(kLinkLinuxSll2);
  ASSERT_EQ(d2.decode(K(sll2 + ip), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.src.to_string(), "10.1.1.1");
  // An SLL2 header read as SLL1 would not find IPv4 where it looks.
  PacketDecoder wrong(kLinkLinuxSll);
  EXPECT_NE(wrong.decode(K(sll2 + ip), 1, &p), DecodeStatus::kOk);
}

TEST(PacketDecoder, RawIpAndBsdLoopbackInBothByteOrders) {
  std::string ip = ipv4("127.0.0.1", "127.0.0.1", kProtoUdp, udp(9, 10, "raw"));
  PacketView p;
  for (int link : {kLinkRaw, kLinkRawDlt12, kLinkIpv4}) {
    PacketDecoder d(link);
    ASSERT_EQ(d.decode(K(ip), 1, &p), DecodeStatus::kOk) << link;
    EXPECT_EQ(payload(p), "raw");
  }
  std::string host_order("\x02\0\0\0", 4), net_order("\0\0\0\x02", 4);
  PacketDecoder null(kLinkNull), loop(kLinkLoop);
  ASSERT_EQ(null.decode(K(host_order + ip), 1, &p), DecodeStatus::kOk);
  ASSERT_EQ(loop.decode(K(net_order + ip), 1, &p), DecodeStatus::kOk);
  std::string v6 = ipv6("::1", "::1", kProtoUdp, udp(1, 2, "six"));
  std::string af_inet6_bsd("\x1e\0\0\0", 4);  // 30: macOS
  ASSERT_EQ(null.decode(K(af_inet6_bsd + v6), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(payload(p), "six");
  EXPECT_EQ(p.src.to_string(), "::1");
}

TEST(PacketDecoder, Ipv4OptionsAreSkipped) {
  PacketDecoder d(kLinkRaw);
  std::string ip = ipv4("10.0.0.1", "10.0.0.2", kProtoTcp, tcp(1, 2, 0, kTcpAck, "after options"), 1, 0,
                        std::string("\x01\x01\x01\x00", 4));
  PacketView p;
  ASSERT_EQ(d.decode(K(ip), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(payload(p), "after options");
}

// Regression: Windows captures of segmentation-offload packets carry IP total
// length 0; the OTRF capture's LDAP search was lost as "malformed".
TEST(PacketDecoder, Ipv4TotalLengthZeroIsReadAsCaptured) {
  PacketDecoder d(kLinkEthernet);
  std::string ip = ipv4("192.168.2.5", "192.168.3.5", kProtoTcp, tcp(54225, 1389, 15, kTcpAck, std::string(3000, 'x')));
  ip[2] = ip[3] = 0;
  PacketView p;
  ASSERT_EQ(d.decode(K(ether(ip)), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.payload.size(), 3000u);
}

TEST(PacketDecoder, Ipv4FragmentsOutOfOrderAreReassembled) {
  PacketDecoder d(kLinkRaw);
  std::string dgram = udp(1234, 514, std::string(100, 'a') + "${jndi:ldap://x/y}" + std::string(100, 'b'));
  // Three fragments: [0,80) [80,160) [160,end), sent last, first, middle.
  auto frag = [&](size_t off, size_t len, bool more) {
    return ipv4("10.9.9.9", "10.8.8.8", kProtoUdp, dgram.substr(off, len), 77,
                static_cast<uint16_t>((more ? 0x2000 : 0) | off / 8));
  };
  PacketView p;
  EXPECT_EQ(d.decode(K(frag(160, std::string::npos, false)), 1, &p), DecodeStatus::kPending);
  EXPECT_EQ(d.decode(K(frag(0, 80, true)), 1, &p), DecodeStatus::kPending);
  EXPECT_EQ(d.pending_datagrams(), 1u);
  ASSERT_EQ(d.decode(K(frag(80, 80, true)), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 514);
  EXPECT_EQ(payload(p), dgram.substr(8));
  EXPECT_EQ(d.pending_datagrams(), 0u);
}

TEST(PacketDecoder, IncompleteFragmentsExpireAndAreBounded) {
  DecodeLimits limits;
  limits.max_pending_datagrams = 2;
  limits.fragment_timeout = 10;
  PacketDecoder d(kLinkRaw, limits);
  PacketView p;
  for (uint16_t id = 1; id <= 5; ++id)
    d.decode(K(ipv4("10.0.0.1", "10.0.0.2", kProtoUdp, std::string(16, 'x'), id, 0x2000)), 1, &p);
  EXPECT_EQ(d.pending_datagrams(), 2u);
  EXPECT_EQ(d.dropped_fragments(), 3u);
  d.decode(K(ipv4("10.0.0.1", "10.0.0.2", kProtoUdp, std::string(16, 'x'), 9, 0x2000)), 100, &p);
  EXPECT_EQ(d.pending_datagrams(), 1u);  // the two old ones expired
}

TEST(PacketDecoder, Ipv6ExtensionHeadersAndFragments) {
  PacketDecoder d(kLinkRaw);
  std::string hop("\x06\x00\x00\x00\x00\x00\x00\x00", 8);  // hop-by-hop, next = TCP
  PacketView p;
  ASSERT_EQ(d.decode(K(ipv6("2001:db8::1", "2001:db8::2", 0, hop + tcp(5, 6, 7, kTcpAck, "v6"))), 1, &p),
            DecodeStatus::kOk);
  EXPECT_EQ(p.src.to_string(), "2001:db8::1");
  EXPECT_EQ(payload(p), "v6");

  std::string dgram = udp(53000, 53, std::string(40, 'z'));
  auto frag = [&](size_t off, size_t len, bool more) {
    std::string fh;
    fh.push_back(kProtoUdp);
    fh.push_back(0);
    put16(&fh, static_cast<uint16_t>(off | (more ? 1 : 0)));
    put32(&fh, 0xabcdef);
    return ipv6("2001:db8::1", "2001:db8::2", 44, fh + dgram.substr(off, len));
  };
  EXPECT_EQ(d.decode(K(frag(0, 24, true)), 1, &p), DecodeStatus::kPending);
  ASSERT_EQ(d.decode(K(frag(24, std::string::npos, false)), 1, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(p.payload.size(), 40u);
}

TEST(PacketDecoder, LengthsThatLieAreMalformedNotOverread) {
  PacketDecoder d(kLinkRaw);
  PacketView p;
  std::string ip = ipv4("10.0.0.1", "10.0.0.2", kProtoTcp, tcp(1, 2, 3, 0, "x"));
  std::string bad_ihl = ip;
  bad_ihl[0] = 0x4f;  // 60-byte header in a 41-byte packet
  EXPECT_EQ(d.decode(K(bad_ihl), 1, &p), DecodeStatus::kMalformed);
  std::string bad_tcp = ip;
  bad_tcp[20 + 12] = static_cast<char>(0xf0);  // 60-byte TCP header
  EXPECT_EQ(d.decode(K(bad_tcp), 1, &p), DecodeStatus::kMalformed);
  EXPECT_EQ(d.decode(K(ip.substr(0, 10)), 1, &p), DecodeStatus::kMalformed);
  std::string v6 = ipv6("::1", "::2", 0, std::string("\x06\x05", 2));  // extension header longer than the packet
  EXPECT_EQ(d.decode(K(v6), 1, &p), DecodeStatus::kMalformed);
  PacketDecoder eth(kLinkEthernet);
  EXPECT_EQ(eth.decode(K(std::string(10, '\0')), 1, &p), DecodeStatus::kMalformed);
  EXPECT_EQ(eth.decode(K(ether("", 0x0806)), 1, &p), DecodeStatus::kIgnored);  // ARP
}

TEST(IpAddr, ParseAndFormat) {
  IpAddr a;
  ASSERT_TRUE(parse_ip_addr("2001:DB8:0:0::1", &a));
  EXPECT_EQ(a.to_string(), "2001:db8::1");
  ASSERT_TRUE(parse_ip_addr("[::1]", &a));
  EXPECT_EQ(a.family, 6);
  EXPECT_FALSE(parse_ip_addr("example.org", &a));
  EXPECT_FALSE(parse_ip_addr("1.2.3.4.5", &a));
  EXPECT_EQ(link_type_name(kLinkLinuxSll2), "linux-sll2");
  EXPECT_FALSE(is_supported_link_type(105));  // 802.11
}

}  // namespace
}  // namespace l4s::pcap
