// Access tokens for `fleet serve`: each host (or group of hosts) uploads with
// its own token, readers see the status with theirs. A token is
// "l4s_<id>_<secret>": the id (8 random bytes, hex) finds its row, the secret
// (32 random bytes, base64url) is stored only as its SHA-256 and compared in
// constant time. Tokens live in the fleet store, so every `fleet serve` on one
// PostgreSQL sees a revocation at once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fleet/db.h"
#include "fleet/model.h"

namespace l4s::fleet {

enum class Role { kUpload, kRead, kAdmin };

const char* to_string(Role role);
// "upload" | "read" | "admin".
Result<Role> role_from_string(std::string_view name);

struct TokenInfo {
  std::string name;
  Role role = Role::kUpload;
  std::string hosts = "*";  // glob of the hosts an upload token may report
  std::string created, expires, revoked;  // ISO-8601; "" when none
};

// May a token of `role` do what `needed` stands for? Admin may do everything.
bool role_allows(Role role, Role needed);

// Shell-style glob (`*`, `?`, `[...]`) over a whole host name, case-insensitive
// (DNS names are).
bool host_matches(std::string_view glob, std::string_view host);

// Creates a token and returns it: the only time it is ever shown. A name is
// unique; `expires` is "" or an ISO-8601 date/time.
Result<std::string> create_token(Db& db, const std::string& name, Role role, const std::string& hosts,
                                 const std::string& expires, const std::string& now);

Result<std::vector<TokenInfo>> list_tokens(Db& db);

// Marks a token revoked (kept for the record of its uploads). False when no
// token has that name.
Result<bool> revoke_token(Db& db, const std::string& name, const std::string& now);

// Who presents `token`: an error (unknown, malformed, revoked, expired) says
// why it is refused.
Result<TokenInfo> authenticate(Db& db, std::string_view token, const std::string& now);

// Every accepted upload is recorded, stored or duplicate.
Status record_upload(Db& db, const UploadRecord& upload);
// A host's uploads, newest first, at most `limit`.
Result<std::vector<UploadRecord>> uploads_for_host(Db& db, const std::string& host, size_t limit);

}  // namespace l4s::fleet
