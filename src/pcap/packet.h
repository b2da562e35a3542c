// From a captured frame to the transport payload: link layers (Ethernet with
// 802.1Q/QinQ tags, Linux cooked SLL and SLL2, raw IP, BSD loopback/NULL),
// IPv4 (options, fragments reassembled), IPv6 (extension headers, fragments
// reassembled), TCP and UDP headers.
//
// Every length is checked against the captured bytes; a frame that lies about
// its lengths is kMalformed, never read past. IP total length wins over link
// padding (Ethernet pads short frames to 60 bytes).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "net/bytes.h"

namespace l4s::pcap {

using net::Bytes;

// Link types as pcap files number them (LINKTYPE_*); DLT_RAW's historical
// values 12 and 14 are accepted beside LINKTYPE_RAW 101.
enum LinkType : int {
  kLinkNull = 0,
  kLinkEthernet = 1,
  kLinkRaw = 101,
  kLinkRawDlt12 = 12,
  kLinkRawDlt14 = 14,
  kLinkLoop = 108,
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};

bool is_supported_link_type(int link_type);
std::string link_type_name(int link_type);  // "ethernet", "linux-sll", ... or "linktype-N"

struct IpAddr {
  uint8_t family = 0;  // 4 or 6; 0 = unset
  std::array<uint8_t, 16> bytes{};
  std::string to_string() const;  // dotted quad or RFC 5952 text
  auto operator<=>(const IpAddr&) const = default;
};

// Parses dotted-quad IPv4 or IPv6 text; false when `text` is not an address.
bool parse_ip_addr(std::string_view text, IpAddr* out);

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

struct PacketView {
  IpAddr src, dst;
  uint8_t protocol = 0;  // kProtoTcp or kProtoUdp
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0;       // TCP
  uint8_t tcp_flags = 0;  // TCP
  Bytes payload;          // valid until the next Decode call
};

enum class DecodeStatus {
  kOk,           // *out holds a TCP or UDP packet
  kPending,      // an IP fragment, kept until its datagram is complete
  kIgnored,      // not IP, or IP carrying something other than TCP/UDP
  kMalformed,    // lengths or headers that cannot be right
};

struct DecodeLimits {
  size_t max_pending_datagrams = 4096;     // fragments of at most this many datagrams at once
  size_t max_datagram = 65535 + 8;         // reassembled IP payload
  double fragment_timeout = 60;            // seconds (capture time) before a partial datagram is dropped
};

class PacketDecoder {
 public:
  explicit PacketDecoder(int link_type, DecodeLimits limits = {});

  // Decodes one captured frame seen at `time` (seconds). On kOk the view may
  // point into `frame` or into a reassembly buffer owned by the decoder.
  DecodeStatus decode(Bytes frame, double time, PacketView* out);

  size_t pending_datagrams() const { return fragments_.size(); }
  uint64_t dropped_fragments() const { return dropped_fragments_; }

 private:
  DecodeStatus decode_ip(Bytes ip, double time, PacketView* out);
  DecodeStatus decode_ipv4(Bytes ip, double time, PacketView* out);
  DecodeStatus decode_ipv6(Bytes ip, double time, PacketView* out);
  DecodeStatus decode_transport(uint8_t protocol, Bytes data, PacketView* out);
  // Adds a fragment; on completion returns true with the datagram in reassembled_.
  bool add_fragment(const IpAddr& src, const IpAddr& dst, uint32_t id, uint8_t protocol, size_t offset,
                   bool more, Bytes data, double time);
  void expire_fragments(double time);

  struct FragmentKey {
    IpAddr src, dst;
    uint32_t id;
    uint8_t protocol;
    auto operator<=>(const FragmentKey&) const = default;
  };
  struct Datagram {
    std::map<size_t, std::string> pieces;  // offset -> bytes
    size_t total = 0;                      // known once the last fragment arrived; 0 = unknown
    size_t bytes = 0;
    double first_seen = 0;
  };

  int link_type_;
  DecodeLimits limits_;
  std::map<FragmentKey, Datagram> fragments_;
  std::string reassembled_;
  double last_expiry_ = 0;
  uint64_t dropped_fragments_ = 0;
};

}  // namespace l4s::pcap
