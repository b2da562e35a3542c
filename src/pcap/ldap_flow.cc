// LDAP over one TCP direction: JNDI lookups and Java entries served (see ldap_flow.h).
#include "pcap/ldap_flow.h"

#include <cstring>

#include "net/ldap.h"
#include "pcap/wire.h"

namespace l4s::pcap {
namespace {

using net::Bytes;

// The exact anonymous BindRequest of the JDK's LDAP client (message id 1).
constexpr uint8_t kJndiBind[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00};

}  // namespace

StreamNext LdapState::consume(std::string& buf, bool, const StreamContext& cx) {
  while (!buf.empty()) {
    Bytes u = net::as_bytes(buf);
    net::BerElement msg;
    net::ParseStatus s = net::ber_read(u, kMaxLdapMessage, &msg);
    if (s == net::ParseStatus::kNeedMore) return StreamNext::kKeep;
    if (s != net::ParseStatus::kOk || msg.tag != net::kBerSequence) return StreamNext::kIgnore;
    Bytes whole = u.first(msg.total_size());
    net::BerReader r(msg.value);
    net::BerElement id, op;
    if (r.expect(net::kBerInteger, &id) && r.next(&op)) on_message(whole, op, cx);
    buf.erase(0, msg.total_size());
  }
  return StreamNext::kKeep;
}

void LdapState::on_message(Bytes whole, const net::BerElement& op, const StreamContext& cx) {
  switch (op.tag) {
    case net::kLdapBindRequest: {
      net::BerReader r(op.value);
      net::BerElement version, name, auth;
      if (r.expect(net::kBerInteger, &version) && r.expect(net::kBerOctetString, &name) && r.next(&auth) &&
          name.value.empty() && auth.tag == 0x80 && auth.value.empty()) {
        anonymous_bind = true;
        exact_jndi_bind =
            whole.size() == sizeof kJndiBind && std::memcmp(whole.data(), kJndiBind, sizeof kJndiBind) == 0;
      }
      break;
    }
    case net::kLdapSearchRequest: {
      LdapSearchShape shape;
      if (!parse_ldap_search(op.value, &shape)) break;
      if (!anonymous_bind && !shape.jndi_shape) break;
      std::string detail = exact_jndi_bind ? "JDK anonymous bind" : anonymous_bind ? "anonymous bind" : "no bind";
      if (shape.jndi_shape) detail += ", JNDI lookup search (base scope, deref always, objectClass=*)";
      uint16_t port = cx.endpoints().dst_port;
      if (port != 389 && port != 636 && port != 3268 && port != 3269)
        detail += ", port " + std::to_string(port) + " is not a directory port";
      cx.rec.emit(EventKind::kLdapSearch, cx.endpoints(), printable(shape.base_object, 4096), detail, false,
                  exact_jndi_bind && shape.jndi_shape);
      break;
    }
    case 0x64: {  // SearchResultEntry
      LdapEntryInfo entry;
      if (!parse_ldap_entry(op.value, &entry) || entry.java_attributes.empty()) break;
      std::string detail;
      for (const std::string& a : entry.java_attributes) detail += (detail.empty() ? "" : "; ") + a;
      cx.rec.emit(EventKind::kLdapJavaEntry, cx.reverse_endpoints(), printable(entry.dn, 4096), detail, true, false);
      break;
    }
    default:
      break;
  }
}

}  // namespace l4s::pcap
