// Frame builders for the pcap tests: IPv4/IPv6 + TCP/UDP under every link
// layer the decoder reads. Checksums are left zero (nothing verifies them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/bytes.h"
#include "pcap/packet.h"

namespace l4s::pcap::testing {

inline void Put16(std::string* s, uint16_t v) { net::append_be16(s, v); }
inline void Put32(std::string* s, uint32_t v) { net::append_be32(s, v); }

inline std::string Ip4(std::string_view dotted) {
  IpAddr a;
  ParseIpAddr(dotted, &a);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 4);
}
inline std::string Ip6(std::string_view text) {
  IpAddr a;
  ParseIpAddr(text, &a);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 16);
}

inline std::string Tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, std::string_view payload) {
  std::string t;
  Put16(&t, sport);
  Put16(&t, dport);
  Put32(&t, seq);
  Put32(&t, 0);  // ack
  t.push_back(0x50);
  t.push_back(static_cast<char>(flags));
  Put16(&t, 65535);
  Put32(&t, 0);  // checksum, urgent
  t.append(payload);
  return t;
}

inline std::string Udp(uint16_t sport, uint16_t dport, std::string_view payload) {
  std::string u;
  Put16(&u, sport);
  Put16(&u, dport);
  Put16(&u, static_cast<uint16_t>(8 + payload.size()));
  Put16(&u, 0);
  u.append(payload);
  return u;
}

// IPv4 header (+ `options`, a multiple of 4 bytes) around `l4`.
inline std::string Ipv4(std::string_view src, std::string_view dst, uint8_t proto, std::string_view l4,
                        uint16_t id = 1, uint16_t frag = 0, std::string_view options = {}) {
  std::string ip;
  ip.push_back(static_cast<char>(0x40 | ((20 + options.size()) / 4)));
  ip.push_back(0);
  Put16(&ip, static_cast<uint16_t>(20 + options.size() + l4.size()));
  Put16(&ip, id);
  Put16(&ip, frag);
  ip.push_back(64);
  ip.push_back(static_cast<char>(proto));
  Put16(&ip, 0);
  ip += Ip4(src);
  ip += Ip4(dst);
  ip.append(options);
  ip.append(l4);
  return ip;
}

inline std::string Ipv6(std::string_view src, std::string_view dst, uint8_t next, std::string_view rest) {
  std::string ip;
  Put32(&ip, 0x60000000);
  Put16(&ip, static_cast<uint16_t>(rest.size()));
  ip.push_back(static_cast<char>(next));
  ip.push_back(64);
  ip += Ip6(src);
  ip += Ip6(dst);
  ip.append(rest);
  return ip;
}

inline std::string Ether(std::string_view ip, uint16_t type = 0x0800, int vlan_tags = 0) {
  std::string f(12, '\x02');
  for (int i = 0; i < vlan_tags; ++i) {
    Put16(&f, i == 0 && vlan_tags > 1 ? 0x88a8 : 0x8100);
    Put16(&f, static_cast<uint16_t>(100 + i));
  }
  Put16(&f, type);
  f.append(ip);
  while (f.size() < 60) f.push_back(0);  // Ethernet padding
  return f;
}

// An IPv4/TCP frame on Ethernet, the common case of the analyzer tests.
inline std::string TcpFrame(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport, uint32_t seq,
                            uint8_t flags, std::string_view payload) {
  return Ether(Ipv4(src, dst, kProtoTcp, Tcp(sport, dport, seq, flags, payload)));
}

inline std::string UdpFrame(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                            std::string_view payload) {
  return Ether(Ipv4(src, dst, kProtoUdp, Udp(sport, dport, payload)));
}

inline net::Bytes B(const std::string& s) { return net::as_bytes(s); }

inline std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace l4s::pcap::testing
