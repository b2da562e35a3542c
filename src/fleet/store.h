// Store: the fleet database, on either engine behind Db. Opening it applies
// the schema migrations it lacks (in order, each in a transaction; a store
// newer than this build is refused). Reports are keyed by their content hash,
// so importing one twice changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "fleet/db.h"
#include "fleet/model.h"

namespace l4s::fleet {

// What an import of many report files did.
struct ImportCounts {
  size_t added = 0, unchanged = 0, failed = 0;  // reports
  uint64_t rows = 0;                            // rows written
  bool db_error = false;                        // the store failed: the import stopped
};

struct ImportOptions {
  std::string host;         // host the reports are about (overrides theirs)
  std::string now;          // import time, ISO-8601
  size_t batch = 500;       // reports per transaction
  // Each report read: the file, its rows, and whether it was new.
  std::function<void(const std::string& file, const Parsed& parsed, bool added)> on_report;
  // Each file that could not be read or parsed, and store failures ("FILE: why").
  std::function<void(const std::string& message)> on_error;
};

// Reads a report file, or standard input for "-".
Result<std::string> read_report_input(const std::string& file);

// The store spec with any password hidden (postgresql://u:***@h/db).
std::string redact_spec(const std::string& spec);

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

  // Reads, parses and adds each file ("-": stdin) in transactions of
  // options.batch reports. A file that cannot be read or parsed is counted as
  // failed and skipped; a store error rolls back the open batch and stops.
  ImportCounts import_files(const std::vector<std::string>& files, const ImportOptions& options);

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
