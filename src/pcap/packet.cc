#include "pcap/packet.h"

#include <arpa/inet.h>

#include <cstring>

namespace l4s::pcap {
namespace {

using net::load_be16;
using net::load_be32;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;

}  // namespace

bool is_supported_link_type(int t) {
  switch (t) {
    case kLinkNull: case kLinkEthernet: case kLinkRaw: case kLinkRawDlt12: case kLinkRawDlt14:
    case kLinkLoop: case kLinkLinuxSll: case kLinkIpv4: case kLinkIpv6: case kLinkLinuxSll2:
      return true;
    default:
      return false;
  }
}

std::string link_type_name(int t) {
  switch (t) {
    case kLinkNull: return "null";
    case kLinkEthernet: return "ethernet";
    case kLinkRaw: case kLinkRawDlt12: case kLinkRawDlt14: return "raw";
    case kLinkLoop: return "loop";
    case kLinkLinuxSll: return "linux-sll";
    case kLinkIpv4: return "ipv4";
    case kLinkIpv6: return "ipv6";
    case kLinkLinuxSll2: return "linux-sll2";
    default: return "linktype-" + std::to_string(t);
  }
}

std::string IpAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (family == 6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool parse_ip_addr(std::string_view text, IpAddr* out) {
  if (text.size() >= INET6_ADDRSTRLEN) return false;
  std::string s(text);
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
  } else {
    return false;
  }
  *out = a;
  return true;
}

PacketDecoder::PacketDecoder(int link_type, DecodeLimits limits) : link_type_(link_type), limits_(limits) {}

DecodeStatus PacketDecoder::decode(Bytes f, double time, PacketView* out) {
  switch (link_type_) {
    case kLinkEthernet: {
      if (f.size() < 14) return DecodeStatus::kMalformed;
      size_t off = 12;
      uint16_t type = load_be16(f.data() + off);
      off += 2;
      for (int tags = 0; (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) && tags < 4; ++tags) {
        if (f.size() < off + 4) return DecodeStatus::kMalformed;
        type = load_be16(f.data() + off + 2);
        off += 4;
      }
      if (type != kEtherIpv4 && type != kEtherIpv6) return DecodeStatus::kIgnored;
      return decode_ip(f.subspan(off), time, out);
    }
    case kLinkLinuxSll: {
      if (f.size() < 16) return DecodeStatus::kMalformed;
      uint16_t type = load_be16(f.data() + 14);
      if (type != kEtherIpv4 && type != kEtherIpv6) return DecodeStatus::kIgnored;
      return decode_ip(f.subspan(16), time, out);
    }
    case kLinkLinuxSll2: {
      if (f.size() < 20) return DecodeStatus::kMalformed;
      uint16_t type = load_be16(f.data());
      if (type != kEtherIpv4 && type != kEtherIpv6) return DecodeStatus::kIgnored;
      return decode_ip(f.subspan(20), time, out);
    }
    case kLinkNull:
    case kLinkLoop: {
      if (f.size() < 4) return DecodeStatus::kMalformed;
      // The address family is in the writer's byte order (NULL) or network
      // order (LOOP); the values are small, so either order reads the same.
      uint32_t be = load_be32(f.data());
      uint32_t le = uint32_t{f[0]} | uint32_t{f[1]} << 8 | uint32_t{f[2]} << 16 | uint32_t{f[3]} << 24;
      uint32_t af = be < 256 ? be : le;
      if (af == 2) return decode_ip(f.subspan(4), time, out);  // AF_INET everywhere
      if (af == 10 || af == 24 || af == 28 || af == 30) return decode_ip(f.subspan(4), time, out);  // AF_INET6
      return DecodeStatus::kIgnored;
    }
    case kLinkRaw:
    case kLinkRawDlt12:
    case kLinkRawDlt14:
    case kLinkIpv4:
    case kLinkIpv6:
      return decode_ip(f, time, out);
    default:
      return DecodeStatus::kIgnored;
  }
}

DecodeStatus PacketDecoder::decode_ip(Bytes ip, double time, PacketView* out) {
  if (ip.empty()) return DecodeStatus::kMalformed;
  switch (ip[0] >> 4) {
    case 4: return decode_ipv4(ip, time, out);
    case 6: return decode_ipv6(ip, time, out);
    default: return DecodeStatus::kMalformed;
  }
}

DecodeStatus PacketDecoder::decode_ipv4(Bytes ip, double time, PacketView* out) {
  if (ip.size() < 20) return DecodeStatus::kMalformed;
  size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  size_t total = load_be16(ip.data() + 2);
  // Total length 0: a segmentation-offload packet captured on the sending
  // host before the NIC split it (Windows captures show these); its length
  // is what was captured.
  if (total == 0) total = ip.size();
  // A snap length shorter than the packet leaves fewer bytes than `total`:
  // read what was captured (the flow will see a gap). Clamped before the
  // header check, so a cut inside the options is malformed, not an overrun.
  if (total > ip.size()) total = ip.size();
  if (ihl < 20 || total < ihl) return DecodeStatus::kMalformed;
  out->src = IpAddr{};
  out->dst = IpAddr{};
  out->src.family = out->dst.family = 4;
  std::memcpy(out->src.bytes.data(), ip.data() + 12, 4);
  std::memcpy(out->dst.bytes.data(), ip.data() + 16, 4);
  uint8_t protocol = ip[9];
  uint16_t frag = load_be16(ip.data() + 6);
  bool more = frag & 0x2000;
  size_t offset = size_t{frag & 0x1fffu} * 8;
  Bytes payload = ip.subspan(ihl, total - ihl);
  if (more || offset != 0) {
    if (protocol != kProtoTcp && protocol != kProtoUdp) return DecodeStatus::kIgnored;
    if (!add_fragment(out->src, out->dst, load_be16(ip.data() + 4), protocol, offset, more, payload, time))
      return DecodeStatus::kPending;
    return decode_transport(protocol, net::as_bytes(reassembled_), out);
  }
  return decode_transport(protocol, payload, out);
}

DecodeStatus PacketDecoder::decode_ipv6(Bytes ip, double time, PacketView* out) {
  if (ip.size() < 40) return DecodeStatus::kMalformed;
  size_t plen = load_be16(ip.data() + 4);
  out->src = IpAddr{};
  out->dst = IpAddr{};
  out->src.family = out->dst.family = 6;
  std::memcpy(out->src.bytes.data(), ip.data() + 8, 16);
  std::memcpy(out->dst.bytes.data(), ip.data() + 24, 16);
  Bytes rest = ip.subspan(40);
  if (plen < rest.size()) rest = rest.first(plen);  // jumbograms (plen 0) are not followed
  uint8_t next = ip[6];
  for (int hops = 0; hops < 16; ++hops) {
    switch (next) {
      case kProtoTcp:
      case kProtoUdp:
        return decode_transport(next, rest, out);
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60: { // destination options
        if (rest.size() < 8) return DecodeStatus::kMalformed;
        size_t len = (size_t{rest[1]} + 1) * 8;
        if (rest.size() < len) return DecodeStatus::kMalformed;
        next = rest[0];
        rest = rest.subspan(len);
        break;
      }
      case 44: {  // fragment
        if (rest.size() < 8) return DecodeStatus::kMalformed;
        uint8_t inner = rest[0];
        uint16_t fo = load_be16(rest.data() + 2);
        size_t offset = size_t{fo & 0xfff8u};
        bool more = fo & 1;
        uint32_t id = load_be32(rest.data() + 4);
        if (inner != kProtoTcp && inner != kProtoUdp) return DecodeStatus::kIgnored;
        if (!add_fragment(out->src, out->dst, id, inner, offset, more, rest.subspan(8), time))
          return DecodeStatus::kPending;
        return decode_transport(inner, net::as_bytes(reassembled_), out);
      }
      default:
        return DecodeStatus::kIgnored;
    }
  }
  return DecodeStatus::kMalformed;
}

DecodeStatus PacketDecoder::decode_transport(uint8_t protocol, Bytes d, PacketView* out) {
  out->protocol = protocol;
  if (protocol == kProtoTcp) {
    if (d.size() < 20) return DecodeStatus::kMalformed;
    size_t hl = static_cast<size_t>(d[12] >> 4) * 4;
    if (hl < 20 || hl > d.size()) return DecodeStatus::kMalformed;
    out->src_port = load_be16(d.data());
    out->dst_port = load_be16(d.data() + 2);
    out->seq = load_be32(d.data() + 4);
    out->tcp_flags = d[13];
    out->payload = d.subspan(hl);
    return DecodeStatus::kOk;
  }
  if (protocol == kProtoUdp) {
    if (d.size() < 8) return DecodeStatus::kMalformed;
    size_t len = load_be16(d.data() + 4);
    out->src_port = load_be16(d.data());
    out->dst_port = load_be16(d.data() + 2);
    out->tcp_flags = 0;
    out->seq = 0;
    if (len < 8) len = d.size();  // length 0: IPv6 jumbogram or a lazy writer
    if (len > d.size()) len = d.size();
    out->payload = d.subspan(8, len - 8);
    return DecodeStatus::kOk;
  }
  return DecodeStatus::kIgnored;
}

void PacketDecoder::expire_fragments(double time) {
  if (time - last_expiry_ < 1 && time >= last_expiry_) return;
  last_expiry_ = time;
  for (auto it = fragments_.begin(); it != fragments_.end();) {
    if (time - it->second.first_seen > limits_.fragment_timeout || time < it->second.first_seen - 1) {
      dropped_fragments_ += it->second.pieces.size();
      it = fragments_.erase(it);
    } else {
      ++it;
    }
  }
}

bool PacketDecoder::add_fragment(const IpAddr& src, const IpAddr& dst, uint32_t id, uint8_t protocol,
                                size_t offset, bool more, Bytes data, double time) {
  expire_fragments(time);
  FragmentKey key{src, dst, id, protocol};
  auto it = fragments_.find(key);
  if (it == fragments_.end()) {
    if (fragments_.size() >= limits_.max_pending_datagrams) {
      ++dropped_fragments_;
      return false;
    }
    it = fragments_.emplace(key, Datagram{}).first;
    it->second.first_seen = time;
  }
  Datagram& dg = it->second;
  if (offset + data.size() > limits_.max_datagram || dg.bytes + data.size() > 2 * limits_.max_datagram) {
    dropped_fragments_ += dg.pieces.size() + 1;
    fragments_.erase(it);
    return false;
  }
  if (!more) dg.total = offset + data.size();
  auto [pos, inserted] = dg.pieces.emplace(offset, std::string(net::as_string_view(data)));
  if (!inserted && pos->second.size() < data.size()) pos->second.assign(net::as_string_view(data));
  dg.bytes += data.size();
  if (dg.total == 0) return false;
  // Complete when the pieces cover [0, total) without a hole (overlaps: first writer wins).
  size_t covered = 0;
  for (const auto& [off, bytes] : dg.pieces) {
    if (off > covered) return false;
    covered = std::max(covered, off + bytes.size());
  }
  if (covered < dg.total) return false;
  reassembled_.assign(dg.total, '\0');
  size_t written = 0;
  for (const auto& [off, bytes] : dg.pieces) {
    size_t start = std::max(off, written);
    size_t end = std::min(off + bytes.size(), dg.total);
    if (start < end) std::memcpy(reassembled_.data() + start, bytes.data() + (start - off), end - start);
    written = std::max(written, end);
  }
  fragments_.erase(it);
  return true;
}

}  // namespace l4s::pcap
