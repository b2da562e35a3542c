// CallbackStore: an embedded SQLite file shared by `canary` (writes callbacks)
// and `probe` (writes what it sent, reads callbacks), so nothing is lost across
// restarts and the two commands can run as separate processes.
//
// WAL mode lets the prober read while the canary writes; synchronous=NORMAL
// makes every committed callback survive a crash of either process (only a
// power loss can drop the last few). The schema carries a version number; a
// newer file than this build understands is refused rather than misread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/callback.h"

struct sqlite3;

namespace l4s::net {

inline constexpr int kStoreSchemaVersion = 1;

// One payload sent by `probe`, keyed by its token.
struct SentProbe {
  std::string token;
  std::string run;       // identifies one probe invocation
  int64_t time_ms = 0;   // when it was sent
  std::string target;    // URL as given
  std::string point;     // injection point, e.g. "header:User-Agent", "query:q", "path"
  std::string variant;   // payload variant id, e.g. "ldap", "rmi", "dns"
  std::string payload;   // the exact string injected
  int http_status = 0;   // 0: no response
  std::string error;     // transport error, "" if none
};

class CallbackStore {
 public:
  // Opens (creating if needed) the database at `path`.
  static Result<std::unique_ptr<CallbackStore>> open(const std::string& path);
  ~CallbackStore();
  CallbackStore(const CallbackStore&) = delete;
  CallbackStore& operator=(const CallbackStore&) = delete;

  // Appends a callback and sets its id.
  Status add(Callback* cb);
  // Callbacks with id > after_id, oldest first.
  Result<std::vector<Callback>> list(int64_t after_id = 0);
  // Callbacks whose token equals `token` (any case) or whose name contains it.
  Result<std::vector<Callback>> find(const std::string& token);

  // Records sent probes in one transaction (replacing same-token rows).
  Status add_probes(const std::vector<SentProbe>& probes);
  Result<std::vector<SentProbe>> probes(const std::string& run);

  int schema_version() const { return kStoreSchemaVersion; }

 private:
  explicit CallbackStore(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Status migrate();
  // Runs a SELECT of callback columns with one parameter: text_arg if set, else int_arg.
  Result<std::vector<Callback>> query_callbacks(const char* sql, const std::string* text_arg, int64_t int_arg);

  sqlite3* db_;
  std::mutex mu_;  // one statement at a time per connection
};

}  // namespace l4s::net
