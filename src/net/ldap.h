// LDAP (RFC 4511) as far as a JNDI client goes: BindRequest, SearchRequest,
// UnbindRequest, AbandonRequest, ExtendedRequest. The canary answers a bind with
// success and a search with noSuchObject(32) and never sends an entry or a
// referral, so the JVM's lookup fails at once with NameNotFoundException.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/ber.h"
#include "net/conversation.h"

namespace l4s::net {

inline constexpr size_t kLdapMaxMessage = 64 * 1024;

// protocolOp tags (APPLICATION class).
inline constexpr uint8_t kLdapBindRequest = 0x60;
inline constexpr uint8_t kLdapBindResponse = 0x61;
inline constexpr uint8_t kLdapUnbindRequest = 0x42;
inline constexpr uint8_t kLdapSearchRequest = 0x63;
inline constexpr uint8_t kLdapSearchResultDone = 0x65;
inline constexpr uint8_t kLdapAbandonRequest = 0x50;
inline constexpr uint8_t kLdapExtendedRequest = 0x77;
inline constexpr uint8_t kLdapExtendedResponse = 0x78;

enum LdapResultCode : uint8_t {
  kLdapSuccess = 0,
  kLdapProtocolError = 2,
  kLdapNoSuchObject = 32,
};

struct LdapMessage {
  std::string message_id;  // INTEGER content octets (1-4), echoed verbatim in replies
  uint8_t op = 0;          // protocolOp tag
  int64_t bind_version = 0;  // BindRequest
  std::string bind_name;     // BindRequest
  std::string base_object;   // SearchRequest: the JNDI name, percent-decoded by the client
  std::string request_name;  // ExtendedRequest OID
};

// Finds the first complete LDAPMessage in `in`: kOk with *size set, kNeedMore,
// or kMalformed/kTooLarge (outer tag not SEQUENCE, or above kLdapMaxMessage).
ParseStatus ldap_frame(Bytes in, size_t* size);

// Parses one complete LDAPMessage (as delimited by ldap_frame).
Result<LdapMessage> ldap_parse(Bytes message);

// A response PDU carrying an LDAPResult with empty matchedDN and diagnostic.
// `op` is kLdapBindResponse, kLdapSearchResultDone or kLdapExtendedResponse.
std::string ldap_result(std::string_view message_id, uint8_t op, LdapResultCode code);

// The canary's LDAP side: bind -> success, search -> noSuchObject (recorded),
// extended (e.g. StartTLS) -> protocolError, abandon -> ignored,
// unbind / anything else / malformed / oversized -> close.
std::unique_ptr<Conversation> make_ldap_conversation();

}  // namespace l4s::net
