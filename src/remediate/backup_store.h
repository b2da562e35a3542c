// Backups of every file `fix` changes, and the journal that ties them to their
// paths. Objects are content-addressed (objects/ab/<sha256>.deflate, raw
// deflate without any magic bytes so that no scanner unpacks and flags the
// vulnerable originals kept here, even tar.gz ones), so two files
// never collide and a file fixed twice is stored once. The journal is JSON
// lines, appended under a lock and fsynced before the file is replaced; a torn
// last line (a crash mid-append) is skipped when read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "core/result.h"

namespace l4s::remediate {

inline constexpr const char kDefaultBackupDir[] = "/var/lib/log4shield/backups";

struct JournalRecord {
  // "fix" (file rewritten) | "remove" (file moved into the store, from an
  // exploded class folder) | "restore"
  std::string action;
  std::string time;             // ISO-8601 UTC
  std::string path;             // absolute, symlinks resolved
  std::string original_sha256;  // fix: content before; restore: content put back
  std::string fixed_sha256;     // fix: content after; restore: content it replaced
  uint64_t original_size = 0;
  uint64_t fixed_size = 0;
  unsigned mode = 0, uid = 0, gid = 0;
  std::optional<int64_t> mtime_ns;   // remove: the file's mtime, put back by restore
  std::vector<std::string> removed;  // fix: locations of the entries removed
  std::string tool_version;
};

class BackupStore {
 public:
  // Opens the store at dir; with create, makes it (mode 0700) when missing.
  static Result<BackupStore> open(const std::string& dir, bool create);

  const std::string& dir() const { return dir_; }
  std::string journal_path() const { return dir_ + "/journal.jsonl"; }
  std::string object_path(const std::string& sha256) const;

  // Copies src into the store unless an object with its hash is already
  // there; returns the sha256 of src. Durable (fsynced) on success.
  Result<std::string> put(const archive::ByteSource& src);
  // Writes object sha256's content to fd, checking it hashes to sha256.
  Status get(const std::string& sha256, int fd) const;

  Status append(const JournalRecord& record) const;

 private:
  explicit BackupStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// Appends one record to a journal file (created when missing).
Status append_journal(const std::string& journal_path, const JournalRecord& record);

// All readable records in order; unparseable lines become warnings.
Result<std::vector<JournalRecord>> read_journal(const std::string& journal_path, std::vector<std::string>* warnings);

std::string journal_line(const JournalRecord& record);

}  // namespace l4s::remediate
