// UDP datagrams, each on its own (no flow state): DNS queries are events (a
// TXT query with RD set and no EDNS is the JDK's dns:// lookup, a JNDI
// fingerprint; any other query is context for correlation), and any other
// datagram (syslog, SIP, ...) is examined as text.
#pragma once

#include "pcap/packet.h"
#include "pcap/recorder.h"

namespace l4s::pcap {

void on_udp_datagram(const PacketView& p, Recorder& rec);

}  // namespace l4s::pcap
