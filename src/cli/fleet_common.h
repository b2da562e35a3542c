// Helpers shared by `fleet` and `report`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/store.h"

namespace l4s::cli {

struct ImportCounts {
  size_t added = 0, unchanged = 0, failed = 0;
  uint64_t rows = 0;
  bool db_error = false;
};

// Imports files ("-" = stdin) in batched transactions; prints per-file lines
// unless quiet.
ImportCounts import_files(fleet::Store& store, const std::vector<std::string>& files, const std::string& host,
                          bool quiet);

bool read_input(const std::string& file, std::string* text, std::string* error);
// YYYY-MM-DD[THH[:MM[:SS[.fff]]]][Z] or "".
bool valid_since(const std::string& since);
// The store spec with any password hidden.
std::string redact(const std::string& spec);

}  // namespace l4s::cli
