#include "remediate/restore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>

#include "core/clock.h"
#include "remediate/backup_store.h"
#include "remediate/file_ops.h"
#include "remediate/sha256.h"

namespace l4s::remediate {
namespace {

// Absolute, symlinks resolved when the path exists, trailing '/' dropped.
std::string normalize(const std::string& p) {
  if (char* rp = realpath(p.c_str(), nullptr)) {
    std::string s = rp;
    free(rp);
    return s;
  }
  std::string s = p;
  if (!s.empty() && s[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) s = std::string(cwd) + "/" + s;
  }
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool selected(const std::string& path, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const std::string& f : filters) {
    if (path == f || (path.size() > f.size() && path.compare(0, f.size(), f) == 0 &&
                      (f == "/" || path[f.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

// The original at the start of the chain of fixes ending with fixes[k]: each
// earlier fix that produced what the next one started from.
size_t chain_start(const std::vector<const JournalRecord*>& fixes, size_t k) {
  while (k > 0 && fixes[k - 1]->fixed_sha256 == fixes[k]->original_sha256) --k;
  return k;
}

// The backed-up original `sha256` written beside `path` with `meta`, ready
// to replace it.
Result<TempFile> stage_original(const BackupStore& store, const std::string& path, const std::string& sha256,
                                const FileMeta& meta) {
  auto tmp = TempFile::create_beside(path);
  if (!tmp.ok()) return Error{tmp.error()};
  std::vector<std::string> warnings;
  if (Status s = apply_meta(tmp->fd(), meta, &warnings); !s.ok()) return Error{s.error()};
  if (Status s = store.get(sha256, tmp->fd()); !s.ok()) return Error{s.error()};
  return std::move(*tmp);
}

// The journal line of a restore: `fixed`'s original put back over `current`.
JournalRecord restore_record(const JournalRecord& fixed, const std::string& path, const std::string& current,
                             const FileMeta& meta, const RestoreOptions& opt) {
  JournalRecord rec;
  rec.action = "restore";
  rec.time = now_iso8601();
  rec.path = path;
  rec.original_sha256 = fixed.original_sha256;
  rec.fixed_sha256 = current;
  rec.original_size = fixed.original_size;
  rec.mode = meta.mode;
  rec.uid = meta.uid;
  rec.gid = meta.gid;
  rec.tool_version = opt.tool_version;
  return rec;
}

RestoreItem restore_one(const BackupStore& store, const std::string& journal_path, const std::string& path,
                        const std::vector<const JournalRecord*>& fixes, const RestoreOptions& opt) {
  RestoreItem item;
  item.path = path;
  if (!opt.dry_run) remove_stale_temps(path);  // left by a fix or restore killed mid-way
  struct stat st0;
  const bool exists = stat(path.c_str(), &st0) == 0;
  std::string current;
  if (exists) {
    auto h = sha256_of_file(path);
    if (!h.ok()) {
      item.reason = h.error();
      return item;
    }
    current = *h;
  }
  std::optional<size_t> k;
  for (size_t i = fixes.size(); i-- > 0;) {
    if (fixes[i]->fixed_sha256 == current) {
      k = i;
      break;
    }
  }
  if (!k) {
    for (const JournalRecord* f : fixes) {
      if (f->original_sha256 == current) {
        item.outcome = RestoreOutcome::kAlreadyOriginal;
        item.sha256 = current;
        return item;
      }
    }
    if (!opt.force) {
      item.outcome = RestoreOutcome::kRefused;
      item.reason = exists ? "changed since it was fixed (sha256 " + current + ", fix wrote " +
                                 fixes.back()->fixed_sha256 + "); --force restores the original anyway"
                           : "missing; --force recreates the original";
      return item;
    }
    k = fixes.size() - 1;
  }
  const JournalRecord& base = *fixes[chain_start(fixes, *k)];
  item.sha256 = base.original_sha256;
  if (opt.dry_run) {
    item.outcome = RestoreOutcome::kWouldRestore;
    return item;
  }

  FileMeta meta;
  meta.mode = base.mode ? base.mode : 0644;
  meta.uid = base.uid;
  meta.gid = base.gid;
  if (exists) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd >= 0) {
      auto m = read_meta(fd);
      close(fd);
      if (m.ok()) meta = *m;
    }
  }
  auto tmp = stage_original(store, path, base.original_sha256, meta);
  if (!tmp.ok()) {
    item.reason = tmp.error();
    return item;
  }
  crash_point("restore written");
  if (Status s = tmp->replace_target(exists ? &st0 : nullptr); !s.ok()) {
    item.reason = s.error();
    return item;
  }
  if (Status s = append_journal(journal_path, restore_record(base, path, current, meta, opt)); !s.ok()) {
    item.reason = "restored, but the journal could not record it: " + s.error();
    item.outcome = RestoreOutcome::kRestored;
    return item;
  }
  item.outcome = RestoreOutcome::kRestored;
  return item;
}

// A file `fix` moved out of a class folder: put back from the store, with its
// mode, owner and mtime, only where nothing has taken its place (unless forced).
RestoreItem restore_removed(const BackupStore& store, const std::string& journal_path, const std::string& path,
                            const JournalRecord& rec, const RestoreOptions& opt) {
  RestoreItem item;
  item.path = path;
  item.sha256 = rec.original_sha256;
  if (!opt.dry_run) remove_stale_temps(path);
  struct stat st0;
  const bool exists = lstat(path.c_str(), &st0) == 0;
  std::string current;
  if (exists) {
    auto h = S_ISREG(st0.st_mode) ? sha256_of_file(path) : Result<std::string>::failure(path + ": not a regular file");
    if (h.ok() && *h == rec.original_sha256) {
      item.outcome = RestoreOutcome::kAlreadyOriginal;
      return item;
    }
    if (!opt.force) {
      item.outcome = RestoreOutcome::kRefused;
      item.reason = "something else is there since the fix removed it (" +
                    (h.ok() ? "sha256 " + *h : h.error()) + "); --force puts the original back over it";
      return item;
    }
    if (!h.ok()) {
      item.reason = h.error();
      return item;
    }
    current = *h;
  }
  struct stat dst;
  if (stat(dir_name(path).c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    item.reason = "its folder " + dir_name(path) + " is gone";
    return item;
  }
  if (opt.dry_run) {
    item.outcome = RestoreOutcome::kWouldRestore;
    return item;
  }
  FileMeta meta;
  meta.mode = rec.mode ? rec.mode : 0644;
  meta.uid = rec.uid;
  meta.gid = rec.gid;
  auto tmp = stage_original(store, path, rec.original_sha256, meta);
  if (!tmp.ok()) {
    item.reason = tmp.error();
    return item;
  }
  if (rec.mtime_ns) {
    // After the content is written (writing sets the mtime); the rename keeps it.
    // Floor division: an mtime before 1970 is negative.
    const int64_t ns = *rec.mtime_ns, sec = ns / 1000000000 - (ns % 1000000000 < 0 ? 1 : 0);
    const struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(sec), static_cast<long>(ns - sec * 1000000000)}};
    if (futimens(tmp->fd(), times) != 0) {
      item.reason = std::string("cannot set the mtime: ") + strerror(errno);
      return item;
    }
  }
  crash_point("restore written");
  if (Status s = tmp->replace_target(exists ? &st0 : nullptr); !s.ok()) {
    item.reason = s.error();
    return item;
  }
  JournalRecord out = restore_record(rec, path, current, meta, opt);
  out.mtime_ns = rec.mtime_ns;
  item.outcome = RestoreOutcome::kRestored;
  if (Status s = append_journal(journal_path, out); !s.ok())
    item.reason = "restored, but the journal could not record it: " + s.error();
  return item;
}

}  // namespace

bool restored_or_original(RestoreOutcome o) {
  return o == RestoreOutcome::kRestored || o == RestoreOutcome::kWouldRestore || o == RestoreOutcome::kAlreadyOriginal;
}

const char* to_string(RestoreOutcome o) {
  switch (o) {
    case RestoreOutcome::kRestored: return "restored";
    case RestoreOutcome::kWouldRestore: return "would restore";
    case RestoreOutcome::kAlreadyOriginal: return "already original";
    case RestoreOutcome::kRefused: return "refused";
    case RestoreOutcome::kFailed: return "failed";
  }
  return "?";
}

Result<std::vector<RestoreItem>> restore(const RestoreOptions& opt, std::vector<std::string>* warnings) {
  using R = Result<std::vector<RestoreItem>>;
  const std::string journal = opt.journal.empty() ? opt.backup_dir + "/journal.jsonl" : opt.journal;
  const std::string store_dir = opt.journal.empty() ? opt.backup_dir : dir_name(opt.journal);
  auto store = BackupStore::open(store_dir, false);
  if (!store.ok()) return R::failure(store.error());
  struct stat jst;
  if (stat(journal.c_str(), &jst) != 0 && errno == ENOENT) {
    // A store whose first fix was interrupted before journaling: nothing was replaced.
    if (warnings) warnings->push_back(journal + ": no journal yet, nothing to restore");
    return std::vector<RestoreItem>{};
  }
  auto records = read_journal(journal, warnings);
  if (!records.ok()) return R::failure(records.error());

  std::vector<std::string> filters;
  for (const std::string& p : opt.paths) filters.push_back(normalize(p));
  std::map<std::string, std::vector<const JournalRecord*>> by_path;
  std::map<std::string, const JournalRecord*> last_removal;  // set while the path's last record is a removal
  std::vector<std::string> order;
  for (const JournalRecord& r : *records) {
    const bool fix = r.action == "fix" && is_sha256_hex(r.fixed_sha256);
    const bool removal = r.action == "remove";
    if ((!fix && !removal) || !is_sha256_hex(r.original_sha256)) continue;
    if (!selected(r.path, filters)) continue;
    if (!by_path.count(r.path) && !last_removal.count(r.path)) order.push_back(r.path);
    if (removal) {
      last_removal[r.path] = &r;
    } else {
      by_path[r.path].push_back(&r);
      last_removal.erase(r.path);
    }
  }
  std::vector<RestoreItem> items;
  for (const std::string& p : filters) {
    bool any = std::any_of(order.begin(), order.end(), [&](const std::string& o) { return selected(o, {p}); });
    if (!any && warnings) warnings->push_back(p + ": nothing in the journal");
  }
  for (const std::string& path : order) {
    auto removal = last_removal.find(path);
    items.push_back(removal != last_removal.end() ? restore_removed(*store, journal, path, *removal->second, opt)
                                                  : restore_one(*store, journal, path, by_path[path], opt));
  }
  return items;
}

}  // namespace l4s::remediate
