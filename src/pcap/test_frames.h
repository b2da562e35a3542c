// Frame builders for the pcap tests: IPv4/IPv6 + TCP/UDP under every link
// layer the decoder reads. Checksums are left zero (nothing verifies them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/bytes.h"
#include "pcap/packet.h"

namespace l4s::pcap::testing {

inline void put16(std::string* s, uint16_t v) { net::append_be16(s, v); }
inline void put32(std::string* s, uint32_t v) { net::append_be32(s, v); }

inline std::string ip4(std::string_view dotted) {
  IpAddr a;
  parse_ip_addr(dotted, &a);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 4);
}
inline std::string ip6(std::string_view text) {
  IpAddr a;
  parse_ip_addr(text, &a);
  return std::string(reinterpret_cast<const char*>(a.bytes.data()), 16);
}

inline std::string tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, std::string_view payload) {
  std::string t;
  put16(&t, sport);
  put16(&t, dport);
  put32(&t, seq);
  put32(&t, 0);  // ack
  t.push_back(0x50);
  t.push_back(static_cast<char>(flags));
  put16(&t, 65535);
  put32(&t, 0);  // checksum, urgent
  t.append(payload);
  return t;
}

inline std::string udp(uint16_t sport, uint16_t dport, std::string_view payload) {
  std::string u;
  put16(&u, sport);
  put16(&u, dport);
  put16(&u, static_cast<uint16_t>(8 + payload.size()));
  put16(&u, 0);
  u.append(payload);
  return u;
}

// IPv4 header (+ `options`, a multiple of 4 bytes) around `l4`.
inline std::string ipv4(std::string_view src, std::string_view dst, uint8_t proto, std::string_view l4,
                        uint16_t id = 1, uint16_t frag = 0, std::string_view options = {}) {
  std::string ip;
  ip.push_back(static_cast<char>(0x40 | ((20 + options.size()) / 4)));
  ip.push_back(0);
  put16(&ip, static_cast<uint16_t>(20 + options.size() + l4.size()));
  put16(&ip, id);
  put16(&ip, frag);
  ip.push_back(64);
  ip.push_back(static_cast<char>(proto));
  put16(&ip, 0);
  ip += ip4(src);
  ip += ip4(dst);
  ip.append(options);
  ip.append(l4);
  return ip;
}

inline std::string ipv6(std::string_view src, std::string_view dst, uint8_t next, std::string_view rest) {
  std::string ip;
  put32(&ip, 0x60000000);
  put16(&ip, static_cast<uint16_t>(rest.size()));
  ip.push_back(static_cast<char>(next));
  ip.push_back(64);
  ip += ip6(src);
  ip += ip6(dst);
  ip.append(rest);
  return ip;
}

inline std::string ether(std::string_view ip, uint16_t type = 0x0800, int vlan_tags = 0) {
  std::string f(12, '\x02');
  for (int i = 0; i < vlan_tags; ++i) {
    put16(&f, i == 0 && vlan_tags > 1 ? 0x88a8 : 0x8100);
    put16(&f, static_cast<uint16_t>(100 + i));
  }
  put16(&f, type);
  f.append(ip);
  while (f.size() < 60) f.push_back(0);  // Ethernet padding
  return f;
}

// An IPv4/TCP frame on Ethernet, the common case of the analyzer tests.
inline std::string tcp_frame(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport, uint32_t seq,
                            uint8_t flags, std::string_view payload) {
  return ether(ipv4(src, dst, kProtoTcp, tcp(sport, dport, seq, flags, payload)));
}

inline std::string udp_frame(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                            std::string_view payload) {
  return ether(ipv4(src, dst, kProtoUdp, udp(sport, dport, payload)));
}

inline net::Bytes B(const std::string& s) { return net::as_bytes(s); }

inline std::string hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace l4s::pcap::testing
