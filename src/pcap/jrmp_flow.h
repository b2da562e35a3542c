// JRMP (Java RMI) over one TCP direction, as far as a JNDI rmi:// lookup goes.
//   client  the "JRMI" handshake, then the registry call: its looked-up name
//           (a kRmiLookup event); arguments and later calls are not followed
//   server  the ProtocolAck, then ReturnData: `51 ac ed` (a serialized
//           object) or `51 ca fe ba be` (a class) is a payload served
//           (kRmiReturn)
// A direction is a JRMP server only as the reply to a recognised JRMP client.
#pragma once

#include <string>

#include "pcap/protocol.h"

namespace l4s::pcap {

struct JrmpClientState {
  int step = 0;  // 0: header, 1: client endpoint (stream protocol), 2: messages

  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);
};

struct JrmpServerState {
  int step = 0;  // 0: ProtocolAck, 1: messages

  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);
};

}  // namespace l4s::pcap
