// Tokens tie a callback to the probe that caused it. A token is
// [a-z][a-z0-9]{11,19}: it survives DNS labels (and resolvers' 0x20 case
// randomisation, so compare case-insensitively), LDAP DNs, RMI names and URLs.
//
// Payloads smuggle extra values next to the token: `T/${java:version}` in an
// LDAP or RMI name, `x${hostName}.T.zone` in a DNS name. Splitting a name
// separates the token from those values.
#pragma once

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::net {

bool looks_like_token(std::string_view s);

// A fresh random token (16 characters).
std::string make_token(std::mt19937_64& rng);

struct NameParts {
  std::string token;                // "" when the name has none
  std::vector<std::string> extras;  // the other non-empty components, in order
};

// LDAP baseObject, RMI name, HTTP path: '/'-separated. The token is the first
// component that looks like one, else the first component (Metasploit and
// Huntress-style payloads put it first or last).
NameParts split_path_name(std::string_view name);

// DNS labels, the zone's `zone_labels` last ones removed. The token is the
// label closest to the zone that looks like one, else the one just left of
// the zone (without a zone: the first label); other labels are smuggled
// values (e.g. "x" + hostName). Tokens are returned lowercase.
// The QNAME-minimisation placeholder "_" is not a value.
NameParts split_dns_labels(const std::vector<std::string>& labels, size_t zone_labels);

}  // namespace l4s::net
