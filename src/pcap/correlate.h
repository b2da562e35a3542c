// Correlation of inbound attempts with the contacts that follow them: the
// matching rules behind pcap::correlate (declared in analyzer.h), and the two
// pieces the analyzer shares with it so that what it keeps of the context
// events (connections, DNS queries, ClientHellos) is exactly what correlate
// can match: the host normalisation and the clock slack.
#pragma once

#include <string>
#include <string_view>

namespace l4s::pcap {

// A contact may precede its attempt by this much (clocks of captures merged
// from several taps).
inline constexpr double kCorrelationSlack = 1.0;

// A host as compared: an IP address in canonical text, else the name in
// lower case without trailing dots.
std::string host_key(std::string_view host);

}  // namespace l4s::pcap
