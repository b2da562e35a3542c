#include "hunt/jndi_name.h"

#include <cstdint>

#include "hunt/java_case.h"

namespace l4s::hunt {
namespace {

// java.net.URI's character classes: bit c of (low, high) for ASCII c.
struct Mask {
  uint64_t low, high;
  constexpr Mask operator|(Mask o) const { return {low | o.low, high | o.high}; }
};

constexpr Mask Chars(std::string_view s) {
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

constexpr Mask Range(char a, char b) {
  Mask m{0, 0};
  for (char c = a; c <= b; ++c) m = m | Chars(std::string_view(&c, 1));
  return m;
}

constexpr Mask kDigit = Range('0', '9');
constexpr Mask kAlpha = Range('a', 'z') | Range('A', 'Z');
constexpr Mask kAlphaNum = kDigit | kAlpha;
constexpr Mask kHex = kDigit | Range('a', 'f') | Range('A', 'F');
constexpr Mask kEscaped{1, 0};  // Java's L_ESCAPED flag: '%XX' and non-ASCII "other" characters
constexpr Mask kUnreserved = kAlphaNum | Chars("-_.!~*'()");
constexpr Mask kUric = Chars(";/?:@&=+$,[]") | kUnreserved | kEscaped;
constexpr Mask kPchar = kUnreserved | kEscaped | Chars(":@&=+$,");
constexpr Mask kPath = kPchar | Chars(";/");
constexpr Mask kDash = Chars("-");
constexpr Mask kDot = Chars(".");
constexpr Mask kUserInfo = kUnreserved | kEscaped | Chars(";:&=+$,");
constexpr Mask kRegName = kUnreserved | kEscaped | Chars("$,;:@&=+");
constexpr Mask kServer = kUserInfo | kAlphaNum | kDash | Chars(".:@[]");
constexpr Mask kServerPercent = kServer | Chars("%");
constexpr Mask kScheme = kAlpha | kDigit | Chars("+-.");
constexpr Mask kScopeId = kAlphaNum | Chars("_.");

bool Match(unsigned char c, Mask m) {
  if (c == 0 || c >= 128) return false;
  return c < 64 ? (m.low >> c) & 1 : (m.high >> (c - 64)) & 1;
}

// Character.isSpaceChar (Zs, Zl, Zp) for code points >= 0x80.
bool IsSpaceChar(uint32_t cp) {
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// A port of JDK 17's java.net.URI.Parser over UTF-8. Everything structural is
// ASCII; a non-ASCII character is one "other" character (allowed where
// escapes are, unless it is a control or space character).
class UriParser {
 public:
  explicit UriParser(std::string_view s) : in_(s) {}

  JavaUri Parse() {
    ok_ = true;
    ParseAll();
    uri_.ok = ok_;
    if (!ok_) return JavaUri{};
    return uri_;
  }

 private:
  void Fail() { ok_ = false; }

  bool At(size_t p, size_t n, char c) const { return p < n && in_[p] == c; }
  bool At(size_t p, size_t n, std::string_view s) const { return s.size() <= n - p && in_.substr(p, s.size()) == s; }

  // scan(start, end, char): one occurrence of c.
  size_t ScanChar(size_t p, size_t n, char c) const { return (p < n && in_[p] == c) ? p + 1 : p; }

  // scan(start, end, err, stop): npos if an `err` char comes before a `stop` char.
  size_t ScanStop(size_t p, size_t n, std::string_view err, std::string_view stop) const {
    for (; p < n; ++p) {
      if (err.find(in_[p]) != std::string_view::npos) return std::string_view::npos;
      if (stop.find(in_[p]) != std::string_view::npos) break;
    }
    return p;
  }

  size_t ScanStop(size_t p, size_t n, std::string_view stop) const {
    while (p < n && stop.find(in_[p]) == std::string_view::npos) ++p;
    return p;
  }

  // scanEscape: "%XX" or one allowed non-ASCII character; returns p when neither.
  size_t ScanEscape(size_t p, size_t n) {
    unsigned char c = static_cast<unsigned char>(in_[p]);
    if (c == '%') {
      if (p + 3 <= n && Match(in_[p + 1], kHex) && Match(in_[p + 2], kHex)) return p + 3;
      Fail();  // "Malformed escape pair"
      return p;
    }
    if (c < 0x80) return p;
    uint32_t cp;
    int len = DecodeUtf8(in_, p, &cp);
    if (len == 0) return p + 1;  // Java would see U+FFFD: allowed.
    if (cp <= 0x9F || IsSpaceChar(cp)) return p;
    return p + len;
  }

  size_t Scan(size_t p, size_t n, Mask m) {
    while (p < n && ok_) {
      if (Match(in_[p], m)) {
        ++p;
        continue;
      }
      if (m.low & kEscaped.low) {
        size_t q = ScanEscape(p, n);
        if (q > p) {
          p = q;
          continue;
        }
      }
      break;
    }
    return p;
  }

  void CheckChars(size_t p, size_t n, Mask m) {
    if (Scan(p, n, m) < n) Fail();
  }

  void ParseAll() {
    size_t n = in_.size();
    size_t p = ScanStop(0, n, "/?#", ":");
    if (p != std::string_view::npos && At(p, n, ':')) {
      if (p == 0) return Fail();
      CheckChars(0, 1, kAlpha);
      CheckChars(1, p, kScheme);
      if (!ok_) return;
      uri_.scheme = std::string(in_.substr(0, p));
      ++p;
      if (At(p, n, '/')) {
        p = ParseHierarchical(p, n);
      } else {
        size_t q = ScanStop(p, n, "#");
        if (q <= p) return Fail();  // Expected scheme-specific part
        CheckChars(p, q, kUric);
        uri_.opaque = true;
        p = q;
      }
    } else {
      p = ParseHierarchical(0, n);
    }
    if (!ok_) return;
    if (At(p, n, '#')) {
      CheckChars(p + 1, n, kUric);
      uri_.fragment = std::string(in_.substr(p + 1));
      p = n;
    }
    if (p < n) Fail();
  }

  size_t ParseHierarchical(size_t p, size_t n) {
    if (At(p, n, '/') && At(p + 1, n, '/')) {
      p += 2;
      size_t q = ScanStop(p, n, "/?#");
      if (q > p) {
        p = ParseAuthority(p, q);
      } else if (q >= n) {
        Fail();  // Expected authority
        return p;
      }
    }
    if (!ok_) return p;
    size_t q = ScanStop(p, n, "?#");
    CheckChars(p, q, kPath);
    uri_.path = std::string(in_.substr(p, q - p));
    p = q;
    if (At(p, n, '?')) {
      ++p;
      q = ScanStop(p, n, "#");
      CheckChars(p, q, kUric);
      uri_.query = std::string(in_.substr(p, q - p));
      p = q;
    }
    return p;
  }

  size_t ParseAuthority(size_t p, size_t n) {
    bool server_chars = ScanStop(p, n, "]") > p ? Scan(p, n, kServerPercent) == n : Scan(p, n, kServer) == n;
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
      q = ParseServer(p, n);
      if (ok_ && q < n) Fail();  // Expected end of authority
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
        Fail();  // the server exception, or "Illegal character in authority"
      }
    }
    return n;
  }

  size_t ParseServer(size_t p, size_t n) {
    size_t q = ScanStop(p, n, "/?#", "@");
    if (q != std::string_view::npos && At(q, n, '@')) {
      CheckChars(p, q, kUserInfo);
      if (!ok_) return p;
      uri_.user_info = std::string(in_.substr(p, q - p));
      p = q + 1;
    }
    if (At(p, n, '[')) {
      ++p;
      q = ScanStop(p, n, "/?#", "]");
      if (q != std::string_view::npos && q > p && At(q, n, ']')) {
        size_t r = ScanStop(p, q, "%");
        if (r > p) {
          ParseIpv6(p, r);
          if (r + 1 == q) Fail();  // scope id expected
          CheckChars(r + 1, q, kScopeId);
        } else {
          ParseIpv6(p, q);
        }
        if (!ok_) return p;
        uri_.host = std::string(in_.substr(p - 1, q + 2 - p));
        p = q + 1;
      } else {
        Fail();  // Expected closing bracket
        return p;
      }
    } else {
      q = ParseIpv4Address(p, n);
      if (q == std::string_view::npos || q <= p) q = ParseHostname(p, n);
      if (!ok_) return p;
      p = q;
    }
    if (At(p, n, ':')) {
      ++p;
      q = ScanStop(p, n, "/");
      if (q > p) {
        CheckChars(p, q, kDigit);
        if (!ok_) return p;
        int64_t port = 0;
        for (size_t i = p; i < q; ++i) {
          port = port * 10 + (in_[i] - '0');
          if (port > INT32_MAX) {
            Fail();  // Malformed port number
            return p;
          }
        }
        uri_.port = static_cast<int>(port);
        p = q;
      }
    }
    if (p < n) Fail();  // Expected port number
    return p;
  }

  // scanByte: a decimal 0-255 (leading zeros allowed); returns p when none.
  size_t ScanByte(size_t p, size_t n) {
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
  size_t ScanIpv4(size_t p, size_t n, bool strict) {
    size_t m = Scan(p, n, kDigit | kDot);
    if (m <= p || (strict && m != n)) return std::string_view::npos;
    size_t q = p;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) {
        if ((q = ScanChar(p, m, '.')) <= p) break;
        p = q;
      }
      if ((q = ScanByte(p, m)) <= p) break;
      p = q;
      if (part == 3) {
        if (q < m) break;
        return q;
      }
    }
    if (strict) Fail();  // Malformed IPv4 address
    return std::string_view::npos;
  }

  size_t TakeIpv4(size_t p, size_t n) {
    size_t q = ScanIpv4(p, n, true);
    if (q == std::string_view::npos || q <= p) Fail();
    return q;
  }

  size_t ParseIpv4Address(size_t start, size_t n) {
    size_t p = ScanIpv4(start, n, false);
    if (p == std::string_view::npos) return p;
    if (p > start && p < n && in_[p] != ':') return std::string_view::npos;
    if (p > start) uri_.host = std::string(in_.substr(start, p - start));
    return p;
  }

  size_t ParseHostname(size_t start, size_t n) {
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
          Fail();
          return p;
        }
        p = q;
      }
      q = ScanChar(p, n, '.');
      if (q <= p) break;
      p = q;
    } while (p < n);
    if (p < n && !At(p, n, ':')) {
      Fail();  // Illegal character in hostname
      return p;
    }
    if (last_label == std::string_view::npos) {
      Fail();  // Expected hostname
      return p;
    }
    if (last_label > start && !Match(in_[last_label], kAlpha)) {
      Fail();
      return p;
    }
    uri_.host = std::string(in_.substr(start, p - start));
    return p;
  }

  size_t ParseIpv6(size_t start, size_t n) {
    ipv6_bytes_ = 0;
    size_t p = start;
    bool compressed = false;
    size_t q = ScanHexSeq(p, n);
    if (!ok_) return p;
    if (q != std::string_view::npos && q > p) {
      p = q;
      if (At(p, n, "::")) {
        compressed = true;
        p = ScanHexPost(p + 2, n);
      } else if (At(p, n, ':')) {
        p = TakeIpv4(p + 1, n);
        ipv6_bytes_ += 4;
      }
    } else if (At(p, n, "::")) {
      compressed = true;
      p = ScanHexPost(p + 2, n);
    }
    if (!ok_) return p;
    if (p < n || ipv6_bytes_ > 16 || (!compressed && ipv6_bytes_ < 16) || (compressed && ipv6_bytes_ == 16)) {
      Fail();
    }
    return p;
  }

  size_t ScanHexPost(size_t p, size_t n) {
    if (p == n) return p;
    size_t q = ScanHexSeq(p, n);
    if (!ok_) return p;
    if (q != std::string_view::npos && q > p) {
      p = q;
      if (At(p, n, ':')) {
        p = TakeIpv4(p + 1, n);
        ipv6_bytes_ += 4;
      }
    } else {
      p = TakeIpv4(p, n);
      ipv6_bytes_ += 4;
    }
    return p;
  }

  size_t ScanHexSeq(size_t p, size_t n) {
    size_t q = Scan(p, n, kHex);
    if (q <= p) return std::string_view::npos;
    if (At(q, n, '.')) return std::string_view::npos;  // An IPv4 address starts here.
    if (q > p + 4) {
      Fail();
      return p;
    }
    ipv6_bytes_ += 2;
    p = q;
    while (p < n) {
      if (!At(p, n, ':') || At(p + 1, n, ':')) break;
      ++p;
      q = Scan(p, n, kHex);
      if (q <= p) {
        Fail();
        return p;
      }
      if (At(q, n, '.')) {
        --p;
        break;
      }
      if (q > p + 4) {
        Fail();
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

int DefaultPort(std::string_view scheme) {
  if (scheme == "ldap") return 389;
  if (scheme == "ldaps") return 636;
  if (scheme == "rmi") return 1099;
  if (scheme == "dns") return 53;
  if (scheme == "iiop" || scheme == "iiopname" || scheme == "corbaname") return 900;
  return -1;
}

}  // namespace

JavaUri ParseJavaUri(std::string_view text) { return UriParser(text).Parse(); }

JndiTarget AnalyzeJndiName(std::string_view name, std::string_view local_host_name) {
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
  if (t.port < 0) t.port = DefaultPort(t.scheme);

  static constexpr std::string_view kRemoteSchemes[] = {"ldap", "ldaps", "rmi", "dns", "iiop", "iiopname",
                                                        "corbaname"};
  for (std::string_view s : kRemoteSchemes) {
    if (t.scheme == s) t.remote = has_authority && !t.host.empty();
  }

  JavaUri uri = ParseJavaUri(name);
  if (uri.ok && uri.scheme) {
    std::string scheme = JavaToLowerCase(*uri.scheme);
    if (scheme == "ldap" || scheme == "ldaps") {
      const std::optional<std::string>& h = uri.host;
      t.passes_2_15 = h && (*h == "localhost" || *h == "127.0.0.1" || (!local_host_name.empty() && *h == local_host_name));
    }
  }
  if (uri.ok && uri.host && JavaToLowerCase(*uri.host) != t.host) t.allowlist_trick = true;
  return t;
}

}  // namespace l4s::hunt
