#include "pcap/wire.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "net/ber.h"

namespace l4s::pcap {
namespace {

using net::BerElement;
using net::BerReader;
using net::Bytes;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool i_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool i_contains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return std::tolower(x) == std::tolower(y); }) != hay.end();
}

constexpr std::string_view kJavaAttributes[] = {"javaClassName",   "javaCodeBase",         "javaSerializedData",
                                                "javaFactory",     "javaReferenceAddress", "javaClassNames",
                                                "javaRemoteLocation"};

}  // namespace

size_t find_head_end(std::string_view data, size_t from) {
  size_t i = from > 3 ? from - 3 : 0;
  for (size_t nl; (nl = data.find('\n', i)) != std::string_view::npos; i = nl + 1) {
    if (nl + 1 < data.size() && data[nl + 1] == '\n') return nl + 2;
    if (nl + 2 < data.size() && data[nl + 1] == '\r' && data[nl + 2] == '\n') return nl + 3;
  }
  return std::string_view::npos;
}

bool looks_like_http_response(std::string_view data) { return data.substr(0, 7) == "HTTP/1."; }

bool looks_like_http_request(std::string_view data, bool* complete) {
  *complete = true;
  // The first line must end in " HTTP/1.x", whatever precedes it (Fox-IT's
  // captures send a payload as the method); SMTP's "EHLO x" is not HTTP.
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos) {
    *complete = data.size() >= 16 * 1024;
    // Binary data decides early: no request line holds a NUL.
    if (data.find('\0') != std::string_view::npos) *complete = true;
    return false;
  }
  std::string_view line = trim(data.substr(0, nl));
  return line.size() >= 9 && line.substr(line.size() - 9, 7) == " HTTP/1";
}

bool parse_http_head(std::string_view head, HttpHead* out) {
  *out = HttpHead{};
  if (head.empty()) return false;
  size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    std::string_view line = head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? head.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      out->first_line = line;
      if (line.substr(0, 5) == "HTTP/") {
        out->is_response = true;
        size_t sp = line.find(' ');
        if (sp != std::string_view::npos) {
          std::string_view code = line.substr(sp + 1, 3);
          std::from_chars(code.data(), code.data() + code.size(), out->status);
        }
      } else {
        // The target is the last-but-one space-separated field: the method
        // may itself hold spaces when it is a payload.
        size_t last = line.rfind(' ');
        if (last != std::string_view::npos && last > 0) {
          size_t prev = line.rfind(' ', last - 1);
          if (prev != std::string_view::npos) {
            out->method = line.substr(0, prev);
            out->target = line.substr(prev + 1, last - prev - 1);
          } else {
            out->method = line.substr(0, last);
          }
        } else {
          out->method = line;
        }
      }
      continue;
    }
    if (line.empty()) continue;
    HttpHeaderLine h{line, {}, {}};
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      h.name = trim(line.substr(0, colon));
      h.value = trim(line.substr(colon + 1));
    }
    if (i_equals(h.name, "Content-Length")) {
      int64_t n = -1;
      auto [p, ec] = std::from_chars(h.value.data(), h.value.data() + h.value.size(), n);
      if (ec == std::errc() && n >= 0) out->content_length = n;
    } else if (i_equals(h.name, "Transfer-Encoding")) {
      if (i_contains(h.value, "chunked")) out->chunked = true;
    } else if (i_equals(h.name, "Host")) {
      out->host = h.value;
    } else if (i_equals(h.name, "User-Agent")) {
      out->user_agent = h.value;
    } else if (i_equals(h.name, "Content-Type")) {
      out->content_type = h.value;
    }
    out->headers.push_back(h);
  }
  return true;
}

bool parse_ldap_search(Bytes op_value, LdapSearchShape* out) {
  BerReader r(op_value);
  BerElement e;
  if (!r.expect(net::kBerOctetString, &e)) return false;
  out->base_object = std::string(net::as_string_view(e.value));
  BerElement scope, deref, size_limit, time_limit, types_only, filter;
  if (!r.expect(net::kBerEnumerated, &scope) || !r.expect(net::kBerEnumerated, &deref) ||
      !r.expect(net::kBerInteger, &size_limit) || !r.expect(net::kBerInteger, &time_limit) ||
      !r.expect(0x01, &types_only) || !r.next(&filter)) {
    out->jndi_shape = false;
    return true;
  }
  auto is = [](const BerElement& el, uint8_t v) { return el.value.size() == 1 && el.value[0] == v; };
  out->jndi_shape = is(scope, 0) && is(deref, 3) && filter.tag == 0x87 &&
                    net::as_string_view(filter.value) == "objectClass";
  return true;
}

bool parse_ldap_entry(Bytes op_value, LdapEntryInfo* out) {
  BerReader r(op_value);
  BerElement dn, attrs;
  if (!r.expect(net::kBerOctetString, &dn) || !r.expect(net::kBerSequence, &attrs)) return false;
  out->dn = std::string(net::as_string_view(dn.value));
  BerReader list(attrs.value);
  BerElement attr;
  while (!list.empty()) {
    if (!list.expect(net::kBerSequence, &attr)) return false;
    BerReader a(attr.value);
    BerElement type, vals;
    if (!a.expect(net::kBerOctetString, &type) || !a.expect(0x31, &vals)) return false;
    std::string_view name = net::as_string_view(type.value);
    BerReader v(vals.value);
    BerElement val;
    std::string first;
    bool has_value = v.expect(net::kBerOctetString, &val);
    if (has_value) first = std::string(net::as_string_view(val.value));
    bool java = false;
    for (std::string_view j : kJavaAttributes) java = java || i_equals(name, j);
    if (i_equals(name, "objectClass") && has_value && i_contains(first, "java")) java = true;
    if (!java) continue;
    std::string text(name);
    text += '=';
    if (i_equals(name, "javaSerializedData")) {
      text += std::to_string(first.size()) + " bytes";
      if (first.size() >= 4 && static_cast<uint8_t>(first[0]) == 0xac && static_cast<uint8_t>(first[1]) == 0xed)
        text += ", serialized Java object (gadget chain)";
    } else {
      text += printable(first, 256);
    }
    out->java_attributes.push_back(std::move(text));
  }
  return true;
}

net::ParseStatus parse_tls_sni(Bytes d, std::string* server_name) {
  server_name->clear();
  if (d.size() < 6) return net::ParseStatus::kNeedMore;
  if (d[0] != 0x16 || d[1] != 0x03 || d[5] != 0x01) return net::ParseStatus::kMalformed;
  size_t rec = net::load_be16(d.data() + 3);
  if (d.size() < 5 + rec) return net::ParseStatus::kNeedMore;
  Bytes h = d.subspan(5, rec);
  if (h.size() < 4) return net::ParseStatus::kMalformed;
  size_t hlen = size_t{h[1]} << 16 | size_t{h[2]} << 8 | h[3];
  h = h.subspan(4, std::min(hlen, h.size() - 4));
  size_t p = 2 + 32;  // client_version, random
  auto need = [&](size_t n) { return p + n <= h.size(); };
  if (!need(1)) return net::ParseStatus::kMalformed;
  p += 1 + h[p];  // session id
  if (!need(2)) return net::ParseStatus::kMalformed;
  p += 2 + net::load_be16(h.data() + p);  // cipher suites
  if (!need(1)) return net::ParseStatus::kMalformed;
  p += 1 + h[p];  // compression methods
  if (!need(2)) return net::ParseStatus::kOk;  // no extensions
  size_t end = std::min(h.size(), p + 2 + net::load_be16(h.data() + p));
  p += 2;
  while (p + 4 <= end) {
    uint16_t type = net::load_be16(h.data() + p);
    size_t len = net::load_be16(h.data() + p + 2);
    p += 4;
    if (p + len > end) return net::ParseStatus::kMalformed;
    if (type == 0 && len >= 5) {
      size_t q = p + 2;  // server_name_list length
      if (h[q] == 0) {
        size_t nlen = net::load_be16(h.data() + q + 1);
        if (q + 3 + nlen <= p + len) {
          *server_name = std::string(net::as_string_view(h.subspan(q + 3, nlen)));
          return net::ParseStatus::kOk;
        }
      }
      return net::ParseStatus::kMalformed;
    }
    p += len;
  }
  return net::ParseStatus::kOk;
}

std::string describe_rmi_return(Bytes d) {
  if (d.size() < 3 || d[0] != 0x51) return "";
  if (d[1] == 0xac && d[2] == 0xed) {
    std::string_view text = net::as_string_view(d.subspan(0, std::min<size_t>(d.size(), 4096)));
    std::string out = "serialized object";
    std::vector<std::string> seen;
    for (std::string_view cls : {"javax.naming.Reference", "com.sun.jndi.rmi.registry.ReferenceWrapper",
                                 "javax/naming/Reference"}) {
      if (text.find(cls) != std::string_view::npos) seen.emplace_back(cls);
    }
    size_t url = text.find("http");
    if (url != std::string_view::npos) {
      size_t e = url;
      while (e < text.size() && static_cast<unsigned char>(text[e]) > 0x20 && static_cast<unsigned char>(text[e]) < 0x7f) ++e;
      // A serialized String: TC_STRING (0x74) and a u16 length just before it.
      if (url >= 3 && static_cast<uint8_t>(text[url - 3]) == 0x74) {
        size_t len = net::load_be16(reinterpret_cast<const uint8_t*>(text.data()) + url - 2);
        e = std::min(e, url + len);
      }
      seen.push_back("codebase " + std::string(text.substr(url, std::min<size_t>(e - url, 256))));
    }
    for (size_t i = 0; i < seen.size(); ++i) out += (i ? ", " : " (") + seen[i];
    if (!seen.empty()) out += ")";
    return out;
  }
  if (d.size() >= 5 && d[1] == 0xca && d[2] == 0xfe && d[3] == 0xba && d[4] == 0xbe) return "class file";
  return "";
}

std::string printable(std::string_view bytes, size_t max) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    unsigned char c = bytes[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace l4s::pcap
