// What happens to a name once Log4j hands it to JNDI.
//
// Log4j 2.15.0's JndiManager first parses the name with java.net.URI and
// refuses it on URISyntaxException, on a scheme outside java/ldap/ldaps, or,
// for ldap/ldaps, on a host outside the allow list (localhost, 127.0.0.1 and
// the machine's own names). parse_java_uri reproduces `new URI(name)` exactly
// (JDK 17's RFC 2396 parser, checked by tests/log4j_differential), so the
// 2.15.0 decision, e.g. for the `ldap://127.0.0.1#evil:1389/a` bypass whose
// host java.net.URI reads as 127.0.0.1, is Java's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace l4s::hunt {

// The components of `new java.net.URI(text)`; absent components are nullopt,
// as Java's getters return null. `ok` is false when the constructor throws.
struct JavaUri {
  bool ok = false;
  std::optional<std::string> scheme;
  std::optional<std::string> authority;  // getRawAuthority()
  std::optional<std::string> user_info;
  std::optional<std::string> host;       // null for registry-based authorities
  int port = -1;
  std::optional<std::string> path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
  bool opaque = false;  // "scheme:" not followed by '/', e.g. "java:comp/env/x"
};

JavaUri parse_java_uri(std::string_view text);

// A JNDI name as a callback indicator.
struct JndiTarget {
  std::string name;    // exactly what Log4j passed to JNDI
  std::string scheme;  // as written ("" when none)
  std::string host;    // lower-cased (ASCII); "" when none can be read
  int port = -1;       // explicit, else the scheme's default (ldap 389, ldaps 636, rmi 1099, dns 53), else -1
  std::string path;    // from the first '/' after the authority; may hold an exploit route
  // A JDK URL context would contact `host`: the scheme is exactly ldap, ldaps,
  // rmi, dns (JDK 8-17) or iiop, iiopname, corbaname (JDK <= 10; scheme names
  // are case-sensitive) and the name has an authority.
  bool remote = false;
  // JndiManager 2.15.0 (default settings) would perform this LDAP lookup:
  // java.net.URI accepts the name, the scheme is ldap or ldaps and the host
  // is in the allow list.
  bool passes_2_15 = false;
  // The host Java checks differs from what the text after "//" suggests
  // (a '#' or '@' inside the authority): the CVE-2021-45046 allow-list trick.
  bool allowlist_trick = false;
};

// `local_host_name` extends 2.15.0's allow list beyond localhost and
// 127.0.0.1 (the victim's own name, when known).
JndiTarget analyze_jndi_name(std::string_view name, std::string_view local_host_name = {});

}  // namespace l4s::hunt
