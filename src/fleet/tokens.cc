#include "fleet/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>

#include "core/sha256.h"
#include "fleet/status.h"

namespace l4s::fleet {
namespace {

constexpr std::string_view kPrefix = "l4s_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;

Result<std::string> random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return Error{"no random bytes from OpenSSL"};
  return out;
}

std::string hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// A date alone expires at the start of that day (UTC).
std::string full_time(const std::string& t) { return t.size() == 10 ? t + "T00:00:00Z" : t; }

TokenInfo info_of(const Row& r) {
  TokenInfo t;
  t.name = r[0].value_or("");
  auto role = role_from_string(r[1].value_or(""));
  t.role = role.ok() ? *role : Role::kRead;
  t.hosts = r[2].value_or("*");
  t.created = r[3].value_or("");
  t.expires = r[4].value_or("");
  t.revoked = r[5].value_or("");
  return t;
}

bool glob_match(std::string_view g, std::string_view s) {
  size_t gi = 0, si = 0, star = std::string_view::npos, mark = 0;
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  // One character class at g[gi] == '[': its end (past ']') and whether c is in it.
  auto in_class = [&](size_t at, char c, size_t* end) {
    size_t i = at + 1;
    bool negate = i < g.size() && (g[i] == '!' || g[i] == '^');
    if (negate) ++i;
    bool hit = false;
    for (bool first = true; i < g.size() && (first || g[i] != ']'); first = false) {
      char lo = lower(g[i]), hi = lo;
      if (i + 2 < g.size() && g[i + 1] == '-' && g[i + 2] != ']') {
        hi = lower(g[i + 2]);
        i += 3;
      } else {
        ++i;
      }
      if (lo <= c && c <= hi) hit = true;
    }
    if (i >= g.size()) return false;  // unterminated: matches nothing
    *end = i + 1;
    return hit != negate;
  };
  while (si < s.size()) {
    const char c = lower(s[si]);
    size_t end = 0;
    if (gi < g.size() && g[gi] == '*') {
      star = gi++;
      mark = si;
    } else if (gi < g.size() && g[gi] == '[' && in_class(gi, c, &end)) {
      gi = end;
      ++si;
    } else if (gi < g.size() && g[gi] != '[' && (g[gi] == '?' || lower(g[gi]) == c)) {
      ++gi;
      ++si;
    } else if (star != std::string_view::npos) {
      gi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (gi < g.size() && g[gi] == '*') ++gi;
  return gi == g.size();
}

}  // namespace

const char* to_string(Role role) {
  switch (role) {
    case Role::kUpload: return "upload";
    case Role::kRead: return "read";
    case Role::kAdmin: return "admin";
  }
  return "read";
}

Result<Role> role_from_string(std::string_view name) {
  if (name == "upload") return Role::kUpload;
  if (name == "read") return Role::kRead;
  if (name == "admin") return Role::kAdmin;
  return Error{"unknown role '" + std::string(name) + "' (upload, read, admin)"};
}

bool role_allows(Role role, Role needed) { return role == Role::kAdmin || role == needed; }

bool host_matches(std::string_view glob, std::string_view host) { return glob_match(glob, host); }

Result<std::string> create_token(Db& db, const std::string& name, Role role, const std::string& hosts,
                                 const std::string& expires, const std::string& now) {
  if (name.empty() || name.size() > 200) return Error{"a token name is 1 to 200 characters"};
  if (hosts.empty()) return Error{"--hosts is empty (use '*' for every host)"};
  if (!expires.empty() && !valid_since(expires))
    return Error{"--expires wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not " + expires};
  auto id = random_bytes(kIdBytes);
  auto secret = random_bytes(kSecretBytes);
  if (!id.ok()) return Error{id.error()};
  if (!secret.ok()) return Error{secret.error()};
  const std::string id_hex = hex(*id);
  const std::string secret_text = base64url(*secret);
  auto ins = db.query(
      "INSERT INTO tokens (name, token_id, secret_sha256, role, hosts, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (name) DO NOTHING RETURNING name",
      {name, id_hex, sha256_hex(secret_text), to_string(role), hosts, now,
       Value::text_or_null(expires.empty() ? "" : full_time(expires))});
  if (!ins.ok()) return Error{ins.error()};
  if (ins->empty()) return Error{"a token named '" + name + "' exists (revoke it, or choose another name)"};
  return std::string(kPrefix) + id_hex + "_" + secret_text;
}

Result<std::vector<TokenInfo>> list_tokens(Db& db) {
  auto rows = db.query("SELECT name, role, hosts, created, expires, revoked FROM tokens ORDER BY name");
  if (!rows.ok()) return Error{rows.error()};
  std::vector<TokenInfo> out;
  for (const Row& r : *rows) out.push_back(info_of(r));
  return out;
}

Result<bool> revoke_token(Db& db, const std::string& name, const std::string& now) {
  auto rows = db.query("UPDATE tokens SET revoked = COALESCE(revoked, ?) WHERE name = ? RETURNING name", {now, name});
  if (!rows.ok()) return Error{rows.error()};
  return !rows->empty();
}

Result<TokenInfo> authenticate(Db& db, std::string_view token, const std::string& now) {
  // l4s_<16 hex>_<43 base64url>
  const size_t id_len = 2 * kIdBytes;
  if (!token.starts_with(kPrefix) || token.size() < kPrefix.size() + id_len + 2 ||
      token[kPrefix.size() + id_len] != '_')
    return Error{"malformed token"};
  const std::string id(token.substr(kPrefix.size(), id_len));
  const std::string_view secret = token.substr(kPrefix.size() + id_len + 1);
  auto rows = db.query(
      "SELECT name, role, hosts, created, expires, revoked, secret_sha256 FROM tokens WHERE token_id = ?", {id});
  if (!rows.ok()) return Error{"token store: " + rows.error()};
  // Hash what was presented even for an unknown id, so both take as long.
  const std::string presented = sha256_hex(secret);
  const std::string stored = rows->empty() ? std::string(64, '0') : (*rows)[0][6].value_or("");
  const bool same = stored.size() == presented.size() &&
                    CRYPTO_memcmp(stored.data(), presented.data(), presented.size()) == 0;
  if (rows->empty() || !same) return Error{"unknown token"};
  TokenInfo t = info_of((*rows)[0]);
  if (!t.revoked.empty()) return Error{"token '" + t.name + "' was revoked at " + t.revoked};
  if (!t.expires.empty() && now >= t.expires) return Error{"token '" + t.name + "' expired at " + t.expires};
  return t;
}

Status record_upload(Db& db, const UploadRecord& u) {
  auto q = db.query(
      "INSERT INTO uploads (report, host, token, peer, received, outcome, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {u.report, u.host, u.token, u.peer, u.received, u.outcome, u.bytes});
  return q.ok() ? Status{} : Status::failure(q.error());
}

Result<std::vector<UploadRecord>> uploads_for_host(Db& db, const std::string& host, size_t limit) {
  auto rows = db.query(
      "SELECT report, host, token, peer, received, outcome, bytes FROM uploads WHERE host = ? "
      "ORDER BY received DESC LIMIT ?",
      {host, static_cast<int64_t>(limit)});
  if (!rows.ok()) return Error{rows.error()};
  std::vector<UploadRecord> out;
  for (const Row& r : *rows) {
    UploadRecord u{r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""),
                   r[4].value_or(""),  r[5].value_or(""), 0};
    if (r[6]) std::from_chars(r[6]->data(), r[6]->data() + r[6]->size(), u.bytes);
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace l4s::fleet
