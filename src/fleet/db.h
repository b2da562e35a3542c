// Db: the one interface the fleet store talks to, with two engines behind it:
// an embedded SQLite file (the default) and a PostgreSQL server (libpq) for a
// shared, multi-user deployment. Statements are written once in the SQL both
// understand, with `?` placeholders (rewritten to $1.. for PostgreSQL).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace l4s::fleet {

// A bound parameter: NULL, integer or text.
struct Value {
  enum Kind { kNull, kInt, kText } kind = kNull;
  int64_t i = 0;
  std::string s;
  Value() = default;
  Value(std::nullptr_t) {}                                            // NOLINT
  Value(int64_t v) : kind(kInt), i(v) {}                              // NOLINT
  Value(int v) : kind(kInt), i(v) {}                                  // NOLINT
  Value(std::string v) : kind(kText), s(std::move(v)) {}              // NOLINT
  Value(const char* v) : kind(kText), s(v) {}                         // NOLINT
  static Value text_or_null(const std::string& v) { return v.empty() ? Value() : Value(v); }
};

// A result row; NULL columns are nullopt, everything else as text.
using Row = std::vector<std::optional<std::string>>;

class Db {
 public:
  virtual ~Db() = default;
  // "sqlite" or "postgresql".
  virtual std::string engine() const = 0;
  // Runs statements without parameters or results (schema, BEGIN, COMMIT).
  virtual Status exec(std::string_view sql) = 0;
  // Runs one statement with parameters; returns its rows (none for INSERT
  // without RETURNING).
  virtual Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
};

// `spec` is "postgresql://..." / "postgres://..." (libpq URI) or a file path
// (SQLite; ":memory:" for a throwaway store).
Result<std::unique_ptr<Db>> open_db(const std::string& spec);

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Db>> open_postgresql(const std::string& conninfo);

// "?" placeholders to "$1", "$2", ... outside quoted strings.
std::string to_dollar_placeholders(std::string_view sql);

}  // namespace l4s::fleet
