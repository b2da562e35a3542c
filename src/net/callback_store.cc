#include "net/callback_store.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace l4s::net {
namespace {

// Version 1. Names are stored as BLOBs: LDAP, RMI and DNS names are arbitrary
// bytes, not necessarily UTF-8, and must come back exactly.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE schema_version(version INTEGER NOT NULL);
CREATE TABLE callbacks(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  peer TEXT NOT NULL,
  listener TEXT NOT NULL,
  token TEXT NOT NULL,
  name BLOB NOT NULL,
  extras TEXT NOT NULL,   -- JSON array of strings
  detail TEXT NOT NULL);
CREATE INDEX callbacks_token ON callbacks(token COLLATE NOCASE);
CREATE TABLE probes(
  token TEXT PRIMARY KEY COLLATE NOCASE,
  run TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  target TEXT NOT NULL,
  point TEXT NOT NULL,
  variant TEXT NOT NULL,
  payload TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL);
CREATE INDEX probes_run ON probes(run);
INSERT INTO schema_version(version) VALUES(1);
)sql";

// Finalizes a statement on every path.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void text(int i, const std::string& s) { sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void blob(int i, const std::string& s) { sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void integer(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string column(int i) {
    const void* p = sqlite3_column_blob(stmt_, i);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string error_of(sqlite3* db, const std::string& what) { return what + ": " + sqlite3_errmsg(db); }

std::string extras_json(const std::vector<std::string>& extras) {
  return nlohmann::json(extras).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> extras_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

}  // namespace

Result<std::unique_ptr<CallbackStore>> CallbackStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error{"cannot open " + path + ": " + msg};
  }
  std::unique_ptr<CallbackStore> store(new CallbackStore(db));
  sqlite3_busy_timeout(db, 5000);  // the other command may hold the write lock briefly
  if (Status s = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s.ok())
    return Error{path + ": " + s.error()};
  if (Status s = store->migrate(); !s.ok()) return Error{path + ": " + s.error()};
  return store;
}

CallbackStore::~CallbackStore() { sqlite3_close(db_); }

Status CallbackStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Status::failure(msg);
  }
  return {};
}

Status CallbackStore::migrate() {
  std::lock_guard<std::mutex> lock(mu_);
  // IMMEDIATE: two processes creating the same new file must not both run v1.
  if (Status s = exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  int version = 0;
  {
    Statement exists(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'");
    if (exists.ok() && sqlite3_step(exists.get()) == SQLITE_ROW) {
      Statement v(db_, "SELECT MAX(version) FROM schema_version");
      if (v.ok() && sqlite3_step(v.get()) == SQLITE_ROW) version = sqlite3_column_int(v.get(), 0);
    }
  }
  Status s;
  if (version > kStoreSchemaVersion)
    s = Status::failure("written by a newer log4shield (schema " + std::to_string(version) + ", this build knows " +
                        std::to_string(kStoreSchemaVersion) + ")");
  else if (version == 0)
    s = exec(kSchemaV1);
  // Future versions: `if (version < 2) s = exec(kMigrateTo2);` and so on.
  if (!s.ok()) {
    (void)exec("ROLLBACK");
    return s;
  }
  return exec("COMMIT");
}

Status CallbackStore::add(Callback* cb) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement st(db_,
               "INSERT INTO callbacks(time_ms, protocol, peer, listener, token, name, extras, detail) "
               "VALUES(?,?,?,?,?,?,?,?)");
  if (!st.ok()) return Status::failure(error_of(db_, "prepare insert"));
  st.integer(1, cb->time_ms);
  st.text(2, to_string(cb->protocol));
  st.text(3, cb->peer);
  st.text(4, cb->listener);
  st.text(5, cb->token);
  st.blob(6, cb->name);
  st.text(7, extras_json(cb->extras));
  st.text(8, cb->detail);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return Status::failure(error_of(db_, "insert callback"));
  cb->id = sqlite3_last_insert_rowid(db_);
  return {};
}

Result<std::vector<Callback>> CallbackStore::query_callbacks(const char* sql, const std::string* text_arg,
                                                             int64_t int_arg) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement st(db_, sql);
  if (!st.ok()) return Error{error_of(db_, "prepare select")};
  if (text_arg) st.text(1, *text_arg);
  else st.integer(1, int_arg);
  std::vector<Callback> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    Callback cb;
    cb.id = sqlite3_column_int64(st.get(), 0);
    cb.time_ms = sqlite3_column_int64(st.get(), 1);
    cb.protocol = parse_protocol(st.column(2)).value_or(Protocol::kLdap);
    cb.peer = st.column(3);
    cb.listener = st.column(4);
    cb.token = st.column(5);
    cb.name = st.column(6);
    cb.extras = extras_from_json(st.column(7));
    cb.detail = st.column(8);
    out.push_back(std::move(cb));
  }
  if (rc != SQLITE_DONE) return Error{error_of(db_, "select callbacks")};
  return out;
}

#define L4S_CALLBACK_COLUMNS "id, time_ms, protocol, peer, listener, token, name, extras, detail"

Result<std::vector<Callback>> CallbackStore::list(int64_t after_id) {
  return query_callbacks("SELECT " L4S_CALLBACK_COLUMNS " FROM callbacks WHERE id > ? ORDER BY id", nullptr, after_id);
}

Result<std::vector<Callback>> CallbackStore::find(const std::string& token) {
  // instr() on lower(): tokens are lowercase, DNS names may arrive 0x20-cased.
  return query_callbacks("SELECT " L4S_CALLBACK_COLUMNS " FROM callbacks WHERE token = ?1 COLLATE NOCASE "
                         "OR instr(lower(CAST(name AS TEXT)), lower(?1)) > 0 ORDER BY id",
                         &token, 0);
}

Status CallbackStore::add_probes(const std::vector<SentProbe>& probes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Status s = exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Statement st(db_,
               "INSERT OR REPLACE INTO probes(token, run, time_ms, target, point, variant, payload, http_status, "
               "error) VALUES(?,?,?,?,?,?,?,?,?)");
  Status status;
  if (!st.ok()) status = Status::failure(error_of(db_, "prepare insert probe"));
  for (size_t i = 0; status.ok() && i < probes.size(); ++i) {
    const SentProbe& p = probes[i];
    sqlite3_reset(st.get());
    st.text(1, p.token);
    st.text(2, p.run);
    st.integer(3, p.time_ms);
    st.text(4, p.target);
    st.text(5, p.point);
    st.text(6, p.variant);
    st.text(7, p.payload);
    st.integer(8, p.http_status);
    st.text(9, p.error);
    if (sqlite3_step(st.get()) != SQLITE_DONE) status = Status::failure(error_of(db_, "insert probe"));
  }
  (void)exec(status.ok() ? "COMMIT" : "ROLLBACK");
  return status;
}

Result<std::vector<SentProbe>> CallbackStore::probes(const std::string& run) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement st(db_,
               "SELECT token, run, time_ms, target, point, variant, payload, http_status, error FROM probes "
               "WHERE run = ? ORDER BY time_ms, rowid");
  if (!st.ok()) return Error{error_of(db_, "prepare select probes")};
  st.text(1, run);
  std::vector<SentProbe> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    SentProbe p;
    p.token = st.column(0);
    p.run = st.column(1);
    p.time_ms = sqlite3_column_int64(st.get(), 2);
    p.target = st.column(3);
    p.point = st.column(4);
    p.variant = st.column(5);
    p.payload = st.column(6);
    p.http_status = sqlite3_column_int(st.get(), 7);
    p.error = st.column(8);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return Error{error_of(db_, "select probes")};
  return out;
}

}  // namespace l4s::net
