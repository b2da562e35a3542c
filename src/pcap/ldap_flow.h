// LDAP over one TCP direction (either side: the JVM's requests or the
// server's replies).
//   requests  an anonymous bind then a search: the JNDI lookup, its base DN
//             the name looked up (a kLdapSearch event); the JDK's exact bind
//             and search shape make it a fingerprint
//   replies   a SearchResultEntry carrying javaClassName, javaCodeBase,
//             javaFactory or javaSerializedData: a payload served
//             (kLdapJavaEntry)
#pragma once

#include <cstddef>
#include <string>

#include "net/ber.h"
#include "pcap/protocol.h"

namespace l4s::pcap {

// Larger messages are not LDAP we can read (and not worth buffering).
inline constexpr size_t kMaxLdapMessage = 1 << 20;

struct LdapState {
  bool anonymous_bind = false;
  bool exact_jndi_bind = false;  // byte for byte the JDK's BindRequest

  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);

 private:
  void on_message(net::Bytes whole, const net::BerElement& op, const StreamContext& cx);
};

}  // namespace l4s::pcap
