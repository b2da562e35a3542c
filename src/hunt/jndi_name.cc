#include "hunt/jndi_name.h"

#include <cstdint>
#include <utility>

#include "hunt/java_case.h"

namespace l4s::hunt {
namespace {

// java.net.URI's character classes: bit c of (low, high) for ASCII c.
struct Mask {
  uint64_t low, high;
  constexpr Mask operator|(Mask o) const { return {low | o.low, high | o.high}; }
};

constexpr Mask chars(std::string_view s) {
  Mask m{0, 0};
  for (char c : s) {
    if (c < 64) {
      m.low |= uint64_t{1} << c;
    } else {
      m.high |= uint64_t{1} << (c - 64);
    }
  }
  return m;
}

constexpr Mask range(char a, char b) {
  Mask m{0, 0};
  for (char c = a; c <= b; ++c) m = m | chars(std::string_view(&c, 1));
  return m;
}

constexpr Mask kDigit = range('0', '9');
constexpr Mask kAlpha = range('a', 'z') | range('A', 'Z');
constexpr Mask kAlphaNum = kDigit | kAlpha;
constexpr Mask kHex = kDigit | range('a', 'f') | range('A', 'F');
constexpr Mask kEscaped{1, 0};  // Java's L_ESCAPED flag: '%XX' and non-ASCII "other" characters
constexpr Mask kUnreserved = kAlphaNum | chars("-_.!~*'()");
constexpr Mask kUric = chars(";/?:@&=+$,[]") | kUnreserved | kEscaped;
constexpr Mask kPchar = kUnreserved | kEscaped | chars(":@&=+$,");
constexpr Mask kPath = kPchar | chars(";/");
constexpr Mask kDash = chars("-");
constexpr Mask kDot = chars(".");
constexpr Mask kUserInfo = kUnreserved | kEscaped | chars(";:&=+$,");
constexpr Mask kRegName = kUnreserved | kEscaped | chars("$,;:@&=+");
constexpr Mask kServer = kUserInfo | kAlphaNum | kDash | chars(".:@[]");
constexpr Mask kServerPercent = kServer | chars("%");
constexpr Mask kScheme = kAlpha | kDigit | chars("+-.");
constexpr Mask kScopeId = kAlphaNum | chars("_.");

bool match(unsigned char c, Mask m) {
  if (c == 0 || c >= 128) return false;
  return c < 64 ? (m.low >> c) & 1 : (m.high >> (c - 64)) & 1;
}

// Character.isSpaceChar (Zs, Zl, Zp) for code points >= 0x80.
bool is_space_char(uint32_t cp) {
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// A port of JDK 17's java.net.URI.Parser over UTF-8. Everything structural is
// ASCII; a non-ASCII character is one "other" character (allowed where
// escapes are, unless it is a control or space character).
class UriParser {
 public:
  explicit UriParser(std::string_view s) : in_(s) {}

  JavaUri parse() {
    ok_ = true;
    parse_all();
    uri_.ok = ok_;
    if (!ok_) return JavaUri{};
    return std::move(uri_);  // parse() runs once per parser
  }

 private:
  void fail() { ok_ = false; }

  bool at(size_t p, size_t n, char c) const { return p < n && in_[p] == c; }
  bool at(size_t p, size_t n, std::string_view s) const { return s.size() <= n - p && in_.substr(p, s.size()) == s; }

  // scan(start, end, char): one occurrence of c.
  size_t scan_char(size_t p, size_t n, char c) const { return (p < n && in_[p] == c) ? p + 1 : p; }

  // scan(start, end, err, stop): npos if an `err` char comes before a `stop` char.
  // (The sets are ASCII without NUL, so a bit test is the same as a search
  // of the set, without a memchr per character.)
  size_t scan_stop(size_t p, size_t n, std::string_view err, std::string_view stop) const {
    const Mask err_set = chars(err), stop_set = chars(stop);
    for (; p < n; ++p) {
      if (match(in_[p], err_set)) return std::string_view::npos;
      if (match(in_[p], stop_set)) break;
    }
    return p;
  }

  size_t scan_stop(size_t p, size_t n, std::string_view stop) const {
    const Mask stop_set = chars(stop);
    while (p < n && !match(in_[p], stop_set)) ++p;
    return p;
  }

  // scanEscape: "%XX" or one allowed non-ASCII character; returns p when neither.
  size_t scan_escape(size_t p, size_t n) {
    unsigned char c = static_cast<unsigned char>(in_[p]);
    if (c == '%') {
      if (p + 3 <= n && match(in_[p + 1], kHex) && match(in_[p + 2], kHex)) return p + 3;
      fail();  // "Malformed escape pair"
      return p;
    }
    if (c < 0x80) return p;
    uint32_t cp;
    int len = decode_utf8(in_, p, &cp);
    if (len == 0) return p + 1;  // Java would see U+FFFD: allowed.
    if (cp <= 0x9F || is_space_char(cp)) return p;
    return p + len;
  }

  size_t Scan(size_t p, size_t n, Mask m) {
    while (p < n && ok_) {
      if (match(in_[p], m)) {
        ++p;
        continue;
      }
      if (m.low & kEscaped.low) {
        size_t q = scan_escape(p, n);
        if (q > p) {
          p = q;
          continue;
        }
      }
      break;
    }
    return p;
  }

  void check_chars(size_t p, size_t n, Mask m) {
    if (Scan(p, n, m) < n) fail();
  }

  void parse_all() {
    size_t n = in_.size();
    size_t p = scan_stop(0, n, "/?#", ":");
    if (p != std::string_view::npos && at(p, n, ':')) {
      if (p == 0) return fail();
      check_chars(0, 1, kAlpha);
      check_chars(1, p, kScheme);
      if (!ok_) return;
      uri_.scheme = std::string(in_.substr(0, p));
      ++p;
      if (at(p, n, '/')) {
        p = parse_hierarchical(p, n);
      } else {
        size_t q = scan_stop(p, n, "#");
        if (q <= p) return fail();  // Expected scheme-specific part
        check_chars(p, q, kUric);
        uri_.opaque = true;
        p = q;
      }
    } else {
      p = parse_hierarchical(0, n);
    }
    if (!ok_) return;
    if (at(p, n, '#')) {
      check_chars(p + 1, n, kUric);
      uri_.fragment = std::string(in_.substr(p + 1));
      p = n;
    }
    if (p < n) fail();
  }

  size_t parse_hierarchical(size_t p, size_t n) {
    if (at(p, n, '/') && at(p + 1, n, '/')) {
      p += 2;
      size_t q = scan_stop(p, n, "/?#");
      if (q > p) {
        p = parse_authority(p, q);
      } else if (q >= n) {
        fail();  // Expected authority
        return p;
      }
    }
    if (!ok_) return p;
    size_t q = scan_stop(p, n, "?#");
    check_chars(p, q, kPath);
    uri_.path = std::string(in_.substr(p, q - p));
    p = q;
    if (at(p, n, '?')) {
      ++p;
      q = scan_stop(p, n, "#");
      check_chars(p, q, kUric);
      uri_.query = std::string(in_.substr(p, q - p));
      p = q;
    }
    return p;
  }

  size_t parse_authority(size_t p, size_t n) {
    bool server_chars = scan_stop(p, n, "]") > p ? Scan(p, n, kServerPercent) == n : Scan(p, n, kServer) == n;
    if (!ok_) {  // A malformed escape while classifying is fatal, as in Java.
      return n;
    }
    bool reg_chars = Scan(p, n, kRegName) == n;
    if (!ok_) return n;
    if (reg_chars && !server_chars) {
      uri_.authority = std::string(in_.substr(p, n - p));
      return n;
    }
    size_t q = p;
    if (server_chars) {
      q = parse_server(p, n);
      if (ok_ && q < n) fail();  // Expected end of authority
      if (ok_) {
        uri_.authority = std::string(in_.substr(p, n - p));
      } else {
        // Not a server-based authority: Java resets and may take it as a registry name.
        ok_ = true;
        uri_.user_info.reset();
        uri_.host.reset();
        uri_.port = -1;
        q = p;
      }
    }
    if (q < n) {
      if (reg_chars) {
        uri_.authority = std::string(in_.substr(p, n - p));
      } else {
        fail();  // the server exception, or "Illegal character in authority"
      }
    }
    return n;
  }

  size_t parse_server(size_t p, size_t n) {
    size_t q = scan_stop(p, n, "/?#", "@");
    if (q != std::string_view::npos && at(q, n, '@')) {
      check_chars(p, q, kUserInfo);
      if (!ok_) return p;
      uri_.user_info = std::string(in_.substr(p, q - p));
      p = q + 1;
    }
    if (at(p, n, '[')) {
      ++p;
      q = scan_stop(p, n, "/?#", "]");
      if (q != std::string_view::npos && q > p && at(q, n, ']')) {
        size_t r = scan_stop(p, q, "%");
        if (r > p) {
          parse_ipv6(p, r);
          if (r + 1 == q) fail();  // scope id expected
          check_chars(r + 1, q, kScopeId);
        } else {
          parse_ipv6(p, q);
        }
        if (!ok_) return p;
        uri_.host = std::string(in_.substr(p - 1, q + 2 - p));
        p = q + 1;
      } else {
        fail();  // Expected closing bracket
        return p;
      }
    } else {
      q = parse_ipv4_address(p, n);
      if (q == std::string_view::npos || q <= p) q = parse_hostname(p, n);
      if (!ok_) return p;
      p = q;
    }
    if (at(p, n, ':')) {
      ++p;
      q = scan_stop(p, n, "/");
      if (q > p) {
        check_chars(p, q, kDigit);
        if (!ok_) return p;
        int64_t port = 0;
        for (size_t i = p; i < q; ++i) {
          port = port * 10 + (in_[i] - '0');
          if (port > INT32_MAX) {
            fail();  // Malformed port number
            return p;
          }
        }
        uri_.port = static_cast<int>(port);
        p = q;
      }
    }
    if (p < n) fail();  // Expected port number
    return p;
  }

  // scanByte: a decimal 0-255 (leading zeros allowed); returns p when none.
  size_t scan_byte(size_t p, size_t n) {
    size_t q = Scan(p, n, kDigit);
    if (q <= p) return q;
    size_t i = p;
    while (i < q && in_[i] == '0') ++i;
    size_t significant = q - i;
    if (significant < 3) return q;
    if (significant > 3) return p;
    int v = (in_[i] - '0') * 100 + (in_[i + 1] - '0') * 10 + (in_[i + 2] - '0');
    return v > 255 ? p : q;
  }

  // scanIPv4Address; npos for "not an address" (-1 in Java).
  size_t scan_ipv4(size_t p, size_t n, bool strict) {
    size_t m = Scan(p, n, kDigit | kDot);
    if (m <= p || (strict && m != n)) return std::string_view::npos;
    size_t q = p;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) {
        if ((q = scan_char(p, m, '.')) <= p) break;
        p = q;
      }
      if ((q = scan_byte(p, m)) <= p) break;
      p = q;
      if (part == 3) {
        if (q < m) break;
        return q;
      }
    }
    if (strict) fail();  // Malformed IPv4 address
    return std::string_view::npos;
  }

  size_t take_ipv4(size_t p, size_t n) {
    size_t q = scan_ipv4(p, n, true);
    if (q == std::string_view::npos || q <= p) fail();
    return q;
  }

  size_t parse_ipv4_address(size_t start, size_t n) {
    size_t p = scan_ipv4(start, n, false);
    if (p == std::string_view::npos) return p;
    if (p > start && p < n && in_[p] != ':') return std::string_view::npos;
    if (p > start) uri_.host = std::string(in_.substr(start, p - start));
    return p;
  }

  size_t parse_hostname(size_t start, size_t n) {
    size_t p = start;
    size_t last_label = std::string_view::npos;
    do {
      size_t q = Scan(p, n, kAlphaNum);
      if (q <= p) break;
      last_label = p;
      p = q;
      q = Scan(p, n, kAlphaNum | kDash);
      if (q > p) {
        if (in_[q - 1] == '-') {
          fail();
          return p;
        }
        p = q;
      }
      q = scan_char(p, n, '.');
      if (q <= p) break;
      p = q;
    } while (p < n);
    if (p < n && !at(p, n, ':')) {
      fail();  // Illegal character in hostname
      return p;
    }
    if (last_label == std::string_view::npos) {
      fail();  // Expected hostname
      return p;
    }
    if (last_label > start && !match(in_[last_label], kAlpha)) {
      fail();
      return p;
    }
    uri_.host = std::string(in_.substr(start, p - start));
    return p;
  }

  size_t parse_ipv6(size_t start, size_t n) {
    ipv6_bytes_ = 0;
    size_t p = start;
    bool compressed = false;
    size_t q = scan_hex_seq(p, n);
    if (!ok_) return p;
    if (q != std::string_view::npos && q > p) {
      p = q;
      if (at(p, n, "::")) {
        compressed = true;
        p = scan_hex_post(p + 2, n);
      } else if (at(p, n, ':')) {
        p = take_ipv4(p + 1, n);
        ipv6_bytes_ += 4;
      }
    } else if (at(p, n, "::")) {
      compressed = true;
      p = scan_hex_post(p + 2, n);
    }
    if (!ok_) return p;
    if (p < n || ipv6_bytes_ > 16 || (!compressed && ipv6_bytes_ < 16) || (compressed && ipv6_bytes_ == 16)) {
      fail();
    }
    return p;
  }

  size_t scan_hex_post(size_t p, size_t n) {
    if (p == n) return p;
    size_t q = scan_hex_seq(p, n);
    if (!ok_) return p;
    if (q != std::string_view::npos && q > p) {
      p = q;
      if (at(p, n, ':')) {
        p = take_ipv4(p + 1, n);
        ipv6_bytes_ += 4;
      }
    } else {
      p = take_ipv4(p, n);
      ipv6_bytes_ += 4;
    }
    return p;
  }

  size_t scan_hex_seq(size_t p, size_t n) {
    size_t q = Scan(p, n, kHex);
    if (q <= p) return std::string_view::npos;
    if (at(q, n, '.')) return std::string_view::npos;  // An IPv4 address starts here.
    if (q > p + 4) {
      fail();
      return p;
    }
    ipv6_bytes_ += 2;
    p = q;
    while (p < n) {
      if (!at(p, n, ':') || at(p + 1, n, ':')) break;
      ++p;
      q = Scan(p, n, kHex);
      if (q <= p) {
        fail();
        return p;
      }
      if (at(q, n, '.')) {
        --p;
        break;
      }
      if (q > p + 4) {
        fail();
        return p;
      }
      ipv6_bytes_ += 2;
      p = q;
    }
    return p;
  }

  std::string_view in_;
  JavaUri uri_;
  bool ok_ = true;
  int ipv6_bytes_ = 0;
};

int default_port(std::string_view scheme) {
  if (scheme == "ldap") return 389;
  if (scheme == "ldaps") return 636;
  if (scheme == "rmi") return 1099;
  if (scheme == "dns") return 53;
  if (scheme == "iiop" || scheme == "iiopname" || scheme == "corbaname") return 900;
  return -1;
}

}  // namespace

JavaUri parse_java_uri(std::string_view text) { return UriParser(text).parse(); }

JndiTarget analyze_jndi_name(std::string_view name, std::string_view local_host_name) {
  JndiTarget t;
  t.name = std::string(name);
  // The JDK picks the URL context by the text before the first ':' if it comes before any '/'.
  size_t colon = name.find(':');
  size_t slash = name.find('/');
  if (colon != std::string_view::npos && colon > 0 && (slash == std::string_view::npos || colon < slash)) {
    t.scheme = std::string(name.substr(0, colon));
  }
  // Read host, port and path the way a human (and most LDAP/RMI URL parsers)
  // would: the authority is what follows "//" up to the next '/' or '?'.
  std::string_view rest = t.scheme.empty() ? name : name.substr(colon + 1);
  bool has_authority = rest.starts_with("//");
  if (has_authority) {
    rest.remove_prefix(2);
    size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    t.path = end == std::string_view::npos ? "" : std::string(rest.substr(end));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host = authority;
    if (host.starts_with('[')) {
      size_t close = host.find(']');
      host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
    } else if (size_t c = host.rfind(':'); c != std::string_view::npos) {
      host = host.substr(0, c);
    }
    std::string_view after = authority.substr(host.size());
    std::string_view digits = after.starts_with(':') ? after.substr(1) : std::string_view();
    if (!digits.empty() && digits.size() <= 5 &&
        digits.find_first_not_of("0123456789") == std::string_view::npos) {
      t.port = std::stoi(std::string(digits));
    }
    t.host = std::string(host);
    // Host names are case-insensitive; IOCs compare better in one case.
    for (char& c : t.host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  } else if (size_t s = rest.find('/'); s != std::string_view::npos) {
    t.path = std::string(rest.substr(s));
  }
  if (t.port < 0) t.port = default_port(t.scheme);

  static constexpr std::string_view kRemoteSchemes[] = {"ldap", "ldaps", "rmi", "dns", "iiop", "iiopname",
                                                        "corbaname"};
  for (std::string_view s : kRemoteSchemes) {
    if (t.scheme == s) t.remote = has_authority && !t.host.empty();
  }

  JavaUri uri = parse_java_uri(name);
  if (uri.ok && uri.scheme) {
    std::string scheme = java_to_lower_case(*uri.scheme);
    if (scheme == "ldap" || scheme == "ldaps") {
      const std::optional<std::string>& h = uri.host;
      t.passes_2_15 = h && (*h == "localhost" || *h == "127.0.0.1" || (!local_host_name.empty() && *h == local_host_name));
    }
  }
  if (uri.ok && uri.host && java_to_lower_case(*uri.host) != t.host) t.allowlist_trick = true;
  return t;
}

}  // namespace l4s::hunt
