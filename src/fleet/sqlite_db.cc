// The SQLite engine: one connection, WAL, a cache of prepared statements.
#include <sqlite3.h>

#include <map>

#include "fleet/db.h"

namespace l4s::fleet {
namespace {

class SqliteDb final : public Db {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  std::string engine() const override { return "sqlite"; }

  Status exec(std::string_view sql) override {
    char* err = nullptr;
    std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Status::failure("sqlite: " + msg);
    }
    return {};
  }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params) override {
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
        return Error{"sqlite: " + std::string(sqlite3_errmsg(db_)) + " in: " + sql};
      cache_.emplace(sql, stmt);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      int idx = static_cast<int>(i + 1);
      if (v.kind == Value::kInt) sqlite3_bind_int64(stmt, idx, v.i);
      else if (v.kind == Value::kText) sqlite3_bind_text(stmt, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
      else sqlite3_bind_null(stmt, idx);
    }
    std::vector<Row> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_reset(stmt);
        return Error{"sqlite: " + msg};
      }
      Row row(sqlite3_column_count(stmt));
      for (int c = 0; c < static_cast<int>(row.size()); ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) continue;
        const unsigned char* t = sqlite3_column_text(stmt, c);
        row[c] = std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt, c));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rows;
  }

 private:
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{msg};  // Store::open names the file
  }
  sqlite3_busy_timeout(db, 10000);
  auto out = std::make_unique<SqliteDb>(db);
  if (path != ":memory:") {
    if (Status s = out->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s.ok()) return Error{s.error()};
  }
  if (Status s = out->exec("PRAGMA foreign_keys=ON;"); !s.ok()) return Error{s.error()};
  return std::unique_ptr<Db>(std::move(out));
}

Result<std::unique_ptr<Db>> open_db(const std::string& spec) {
  if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0) return open_postgresql(spec);
  return open_sqlite(spec);
}

std::string to_dollar_placeholders(std::string_view sql) {
  std::string out;
  int n = 0;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace l4s::fleet
