// `restore`: puts back the originals `fix` saved, byte for byte, from the
// backup store and its journal. A file is only overwritten while it still is
// what `fix` wrote (its sha256 equals the journal's fixed_sha256) unless
// forced; one fixed twice (say log4j 2 first, then --log4j1) goes back to the
// original of the first fix. A class `fix` removed from an exploded class
// folder comes back with its mode, owner and mtime where nothing has taken
// its place since (unless forced).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace l4s::remediate {

struct RestoreOptions {
  std::string backup_dir;          // the store: objects/ and journal.jsonl
  std::string journal;             // another journal; its directory is its store
  bool force = false;              // restore even when the file changed since the fix
  bool dry_run = false;
  std::vector<std::string> paths;  // files or directories; empty: every journaled file
  std::string tool_version;
};

enum class RestoreOutcome { kRestored, kWouldRestore, kAlreadyOriginal, kRefused, kFailed };
const char* to_string(RestoreOutcome o);
// Restored, would be (dry run), or already the original: nothing left to do.
bool restored_or_original(RestoreOutcome o);

struct RestoreItem {
  std::string path;
  RestoreOutcome outcome = RestoreOutcome::kFailed;
  std::string reason;
  std::string sha256;  // the content put (or to be put) back
};

// Fails only when the journal cannot be read; per-file problems are items.
Result<std::vector<RestoreItem>> restore(const RestoreOptions& options, std::vector<std::string>* warnings);

}  // namespace l4s::remediate
