// Small parsers for what the pcap analyzer reads off the wire beyond the
// net/ codecs: HTTP/1.x heads (requests and responses), LDAP SearchRequest
// shape and SearchResultEntry attributes, JRMP ReturnData, TLS client_hello
// server name. All bounds-checked, none allocates beyond its output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/bytes.h"

namespace l4s::pcap {

struct HttpHeaderLine {
  std::string_view line;   // "Name: value" as sent, without the line end
  std::string_view name;
  std::string_view value;  // leading/trailing blanks trimmed
};

struct HttpHead {
  bool is_response = false;
  std::string_view first_line;
  std::string_view method, target;  // request
  int status = 0;                   // response
  std::vector<HttpHeaderLine> headers;
  int64_t content_length = -1;
  bool chunked = false;
  std::string_view host, user_agent, content_type;
};

// Offset just past the blank line ending a head at the start of `data`
// ("\r\n\r\n" or "\n\n"), searching from `from`; npos when not there yet.
size_t find_head_end(std::string_view data, size_t from = 0);

// Whether `data` starts like an HTTP request (a first line ending in
// " HTTP/1.x", whatever precedes it) or response ("HTTP/1."). `complete` is
// false when more bytes are needed to decide.
bool looks_like_http_request(std::string_view data, bool* complete);
bool looks_like_http_response(std::string_view data);

// Parses a head (without the blank line). Header lines without ':' are kept
// with an empty name. Returns false only for an empty head.
bool parse_http_head(std::string_view head, HttpHead* out);

// The JNDI lookup's SearchRequest shape: scope baseObject(0), derefAliases
// always(3), filter (objectClass=*). `op_value` is the SearchRequest's content.
struct LdapSearchShape {
  std::string base_object;
  bool jndi_shape = false;
};
bool parse_ldap_search(net::Bytes op_value, LdapSearchShape* out);

// A SearchResultEntry (`op_value` = its content): the DN and the JDK's Java
// object attributes found in it ("javaClassName=Foo", "javaCodeBase=http://...",
// "javaSerializedData=2603 bytes, serialized object", "objectClass=javaNamingReference").
struct LdapEntryInfo {
  std::string dn;
  std::vector<std::string> java_attributes;
};
bool parse_ldap_entry(net::Bytes op_value, LdapEntryInfo* out);

// The server name of a TLS client_hello record at the start of `data`.
// kNeedMore until the whole record is there; kMalformed when it is not a
// client_hello; kOk with "" when it carries no server_name.
net::ParseStatus parse_tls_sni(net::Bytes data, std::string* server_name);

// What a JRMP ReturnData (0x51 ...) carries, from its first bytes:
// "serialized object (javax.naming.Reference ...)" / "class file"; "" when
// `data` does not start with 0x51 followed by ac ed or ca fe ba be.
std::string describe_rmi_return(net::Bytes data);

// Printable text for a report: bytes outside printable ASCII as \xHH, at most
// `max` input bytes.
std::string printable(std::string_view bytes, size_t max = 512);

}  // namespace l4s::pcap
