// Store: the fleet database, on either engine behind Db. Opening it applies
// the schema migrations it lacks (in order, each in a transaction; a store
// newer than this build is refused). Reports are keyed by their content hash,
// so importing one twice changes nothing.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "fleet/db.h"
#include "fleet/model.h"

namespace l4s::fleet {

// Number of the newest migration this build knows.
int latest_schema_version();

class Store {
 public:
  // `spec`: SQLite file path (":memory:" for a throwaway) or postgresql:// URI.
  static Result<std::unique_ptr<Store>> open(const std::string& spec);

  std::string engine() const { return db_->engine(); }
  Result<int> schema_version();

  // Group several add() calls into one transaction (faster); add() alone is
  // atomic per report either way.
  Status begin();
  Status commit();
  void rollback();

  // Stores one parsed report; false when that report (same hash) is already
  // there. Callbacks seen in an earlier dump are kept once.
  Result<bool> add(const Parsed& p);

  // Everything in the store. Without evidence, findings' evidence lists stay
  // empty (they are most of the bytes; status and report do not show them).
  Result<Fleet> load(bool with_evidence = true);

  Db& db() { return *db_; }

 private:
  explicit Store(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  Status migrate();
  const char* begin_sql() const;
  // Inserts values.size() / columns rows, several per statement.
  Status insert_rows(const char* head, size_t columns, const std::vector<Value>& values);
  Result<bool> add_rows(const Parsed& p);

  std::unique_ptr<Db> db_;
  bool in_batch_ = false;
};

}  // namespace l4s::fleet
