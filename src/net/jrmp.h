// JRMP, the Java RMI wire protocol, as far as a registry lookup goes:
//
//   C: "JRMI" version(u16) protocol(u8)      S: 0x4e ProtocolAck, UTF host, u32 port
//   C: UTF host, u32 port (client endpoint)
//   C: 0x50 Call: ac ed 00 05 (Java serialization), block data with ObjID,
//      operation and interface hash, then the name as a serialized String
//
// The canary reads the name and closes the socket: the JVM gets an EOF while
// reading the return header, a NamingException that Log4j swallows. It never
// sends ReturnData, so nothing can be deserialized by the client.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/bytes.h"
#include "net/conversation.h"

namespace l4s::net {

inline constexpr size_t kJrmpMaxStream = 64 * 1024;
inline constexpr uint64_t kRegistryInterfaceHash = 0x44154dc9d4e63bdfULL;  // RegistryImpl_Stub
inline constexpr int32_t kRegistryLookup = 2;

// JRMP protocol bytes.
inline constexpr uint8_t kJrmpStreamProtocol = 0x4b;
inline constexpr uint8_t kJrmpSingleOpProtocol = 0x4c;
inline constexpr uint8_t kJrmpMultiplexProtocol = 0x4d;
inline constexpr uint8_t kJrmpProtocolAck = 0x4e;
inline constexpr uint8_t kJrmpProtocolNack = 0x4f;
inline constexpr uint8_t kJrmpCall = 0x50;
inline constexpr uint8_t kJrmpPing = 0x52;
inline constexpr uint8_t kJrmpPingAck = 0x53;
inline constexpr uint8_t kJrmpDgcAck = 0x54;

struct JrmpHeader {
  uint16_t version = 0;
  uint8_t protocol = 0;
};

struct JrmpCall {
  int64_t object_number = 0;  // 0 = the registry
  int32_t operation = 0;      // 2 = lookup (with kRegistryInterfaceHash)
  uint64_t interface_hash = 0;
  bool has_name = false;      // the first argument is a String
  std::string name;           // as UTF-8
};

// The 7-byte header "JRMI" version protocol. Versions 1 and 2 are accepted.
ParseStatus jrmp_parse_header(Bytes in, JrmpHeader* out);

// The client endpoint sent after our ProtocolAck: UTF host, u32 port.
ParseStatus jrmp_parse_endpoint(Bytes in, size_t* consumed);

// A Call message, `in` starting after the 0x50 byte, up to and including the
// first argument when it is a String. On kNeedMore, *need is a lower bound on
// the bytes required, so callers need not re-parse every fragment.
ParseStatus jrmp_parse_call(Bytes in, JrmpCall* out, size_t* need);

// ProtocolAck: 0x4e, the client's host as we see it (writeUTF) and its port.
std::string jrmp_protocol_ack(std::string_view host, uint16_t port);

// Java's "modified UTF-8" (DataInput.readUTF / serialized strings) to UTF-8:
// C0 80 becomes NUL, surrogate pairs become 4-byte sequences, and anything
// ill-formed becomes U+FFFD.
std::string java_utf8_to_utf8(Bytes in);

// The canary's RMI side for a client seen at peer_host:peer_port: acks the
// handshake, answers pings, records a registry call's name and hangs up.
// Multiplex protocol -> ProtocolNack; anything unexpected or over
// kJrmpMaxStream -> close.
std::unique_ptr<Conversation> make_rmi_conversation(std::string peer_host, uint16_t peer_port);

}  // namespace l4s::net
