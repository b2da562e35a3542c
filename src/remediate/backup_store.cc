#include "remediate/backup_store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "remediate/file_ops.h"
#include "remediate/sha256.h"

namespace l4s::remediate {
namespace {

std::string errno_text(const std::string& what, int err) { return what + ": " + strerror(err); }

Status make_dir(const std::string& dir, mode_t mode) {
  if (mkdir(dir.c_str(), mode) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Status::failure(dir + ": not a directory");
    return Status();
  }
  return Status::failure(errno_text("cannot create " + dir, errno));
}

// mkdir -p with mode for every created level.
Status make_dirs(const std::string& dir, mode_t mode) {
  if (dir.empty() || dir == "/" || dir == ".") return Status();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status() : Status::failure(dir + ": not a directory");
  }
  if (Status s = make_dirs(dir_name(dir), mode); !s.ok()) return s;
  return make_dir(dir, mode);
}

// Owns a gzip deflate/inflate stream.
struct ZStream {
  z_stream zs{};
  bool deflating;
  bool ok;
  explicit ZStream(bool deflate_mode) : deflating(deflate_mode) {
    // Raw deflate (negative window bits): no magic bytes at all, so no
    // scanner, ours included, unpacks a backed-up tar.gz and reports the
    // vulnerable original kept here.
    ok = deflating ? deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK
                   : inflateInit2(&zs, -15) == Z_OK;
  }
  ~ZStream() {
    if (ok) deflating ? deflateEnd(&zs) : inflateEnd(&zs);
  }
};

}  // namespace

Result<BackupStore> BackupStore::open(const std::string& dir, bool create) {
  using R = Result<BackupStore>;
  if (dir.empty()) return R::failure("no backup directory");
  if (create) {
    if (Status s = make_dirs(dir, 0700); !s.ok()) return R::failure(s.error());
    if (Status s = make_dir(dir + "/objects", 0700); !s.ok()) return R::failure(s.error());
    remove_stale_temps(dir + "/objects/incoming");  // left by a run killed mid-backup
  } else {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) return R::failure(errno_text(dir, errno));
  }
  return BackupStore(dir);
}

std::string BackupStore::object_path(const std::string& sha) const {
  return dir_ + "/objects/" + sha.substr(0, 2) + "/" + sha + ".deflate";
}

Result<std::string> BackupStore::put(const archive::ByteSource& src) {
  using R = Result<std::string>;
  const std::string objects = dir_ + "/objects";
  auto tmp = TempFile::create_beside(objects + "/incoming");
  if (!tmp.ok()) return R::failure(tmp.error());
  // Hash and gzip in one pass over the original.
  Sha256 hash;
  ZStream z(true);
  if (!z.ok) return R::failure("deflate init failed");
  std::vector<uint8_t> in(1 << 20), out(1 << 20);
  Status werr;
  auto drain = [&](int flush) {
    do {
      z.zs.next_out = out.data();
      z.zs.avail_out = static_cast<uInt>(out.size());
      deflate(&z.zs, flush);
      const size_t got = out.size() - z.zs.avail_out;
      if (got) werr = write_all(tmp->fd(), out.data(), got);
      if (!werr.ok()) return false;
    } while (z.zs.avail_out == 0);
    return true;
  };
  for (uint64_t pos = 0; pos < src.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), src.size() - pos));
    if (!src.read_at(pos, in.data(), n)) return R::failure("cannot read the original for backup");
    hash.update(in.data(), n);
    z.zs.next_in = in.data();
    z.zs.avail_in = static_cast<uInt>(n);
    if (!drain(Z_NO_FLUSH)) return R::failure("backup: " + werr.error());
    pos += n;
  }
  z.zs.next_in = nullptr;
  z.zs.avail_in = 0;
  if (!drain(Z_FINISH)) return R::failure("backup: " + werr.error());
  const std::string sha = hash.hex();
  const std::string dest = object_path(sha);
  struct stat st;
  if (stat(dest.c_str(), &st) == 0) return sha;  // already stored (verified when restored)
  if (Status s = make_dir(dir_name(dest), 0700); !s.ok()) return R::failure(s.error());
  if (fchmod(tmp->fd(), 0600) != 0) return R::failure(errno_text("backup chmod", errno));
  if (Status s = tmp->commit(dest); !s.ok()) return R::failure("backup: " + s.error());
  if (Status s = fsync_dir(objects); !s.ok()) return R::failure(s.error());
  crash_point("backup stored");
  return sha;
}

Status BackupStore::get(const std::string& sha, int fd) const {
  if (!is_sha256_hex(sha)) return Status::failure("bad sha256 in journal");
  const std::string path = object_path(sha);
  int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::failure(errno_text("backup " + path, errno));
  std::unique_ptr<int, void (*)(int*)> guard(&in, [](int* f) { close(*f); });
  ZStream z(false);
  if (!z.ok) return Status::failure("inflate init failed");
  Sha256 hash;
  std::vector<uint8_t> ibuf(1 << 16), obuf(1 << 20);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    ssize_t n = read(in, ibuf.data(), ibuf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::failure(errno_text("backup read", errno));
    if (n == 0) return Status::failure("backup " + path + " is truncated");
    z.zs.next_in = ibuf.data();
    z.zs.avail_in = static_cast<uInt>(n);
    while (z.zs.avail_in > 0 && rc != Z_STREAM_END) {
      z.zs.next_out = obuf.data();
      z.zs.avail_out = static_cast<uInt>(obuf.size());
      rc = inflate(&z.zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) return Status::failure("backup " + path + " is damaged");
      const size_t got = obuf.size() - z.zs.avail_out;
      hash.update(obuf.data(), got);
      if (Status s = write_all(fd, obuf.data(), got); !s.ok()) return s;
    }
  }
  if (hash.hex() != sha) return Status::failure("backup " + path + " does not hash to its name");
  return Status();
}

std::string journal_line(const JournalRecord& r) {
  nlohmann::ordered_json j;
  j["action"] = r.action;
  j["time"] = r.time;
  j["path"] = r.path;
  j["original_sha256"] = r.original_sha256;
  j["fixed_sha256"] = r.fixed_sha256;
  j["original_size"] = r.original_size;
  j["fixed_size"] = r.fixed_size;
  j["mode"] = r.mode;
  j["uid"] = r.uid;
  j["gid"] = r.gid;
  if (r.mtime_ns) j["mtime_ns"] = *r.mtime_ns;
  j["removed"] = r.removed;
  j["tool_version"] = r.tool_version;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Status append_journal(const std::string& journal_path, const JournalRecord& record) {
  const std::string line = journal_line(record);
  int fd = ::open(journal_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::failure(errno_text("journal " + journal_path, errno));
  if (flock(fd, LOCK_EX) != 0) {
    int err = errno;
    close(fd);
    return Status::failure(errno_text("journal lock", err));
  }
  // A previous writer killed mid-line leaves no newline at the end: start on a fresh line.
  std::string data = line;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') data = "\n" + line;
  }
  Status s = write_all(fd, data.data(), data.size());
  if (s.ok() && fdatasync(fd) != 0) s = Status::failure(errno_text("journal fsync", errno));
  close(fd);  // releases the lock
  if (s.ok()) s = fsync_dir(dir_name(journal_path));
  crash_point("journal appended");
  return s;
}

Status BackupStore::append(const JournalRecord& record) const { return append_journal(journal_path(), record); }

Result<std::vector<JournalRecord>> read_journal(const std::string& path, std::vector<std::string>* warnings) {
  using R = Result<std::vector<JournalRecord>>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(errno_text("journal " + path, errno));
  std::vector<JournalRecord> out;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    auto num = [&](const char* k) -> uint64_t {
      return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<uint64_t>() : 0;
    };
    if (j.is_discarded() || !j.is_object() || str("path").empty() || str("action").empty()) {
      if (warnings) warnings->push_back(path + ":" + std::to_string(lineno) + ": unreadable journal line skipped");
      continue;
    }
    JournalRecord r;
    r.action = str("action");
    r.time = str("time");
    r.path = str("path");
    r.original_sha256 = str("original_sha256");
    r.fixed_sha256 = str("fixed_sha256");
    r.original_size = num("original_size");
    r.fixed_size = num("fixed_size");
    r.mode = static_cast<unsigned>(num("mode"));
    r.uid = static_cast<unsigned>(num("uid"));
    r.gid = static_cast<unsigned>(num("gid"));
    r.tool_version = str("tool_version");
    if (j.contains("mtime_ns") && j["mtime_ns"].is_number_integer()) r.mtime_ns = j["mtime_ns"].get<int64_t>();
    if (j.contains("removed") && j["removed"].is_array()) {
      for (const auto& v : j["removed"])
        if (v.is_string()) r.removed.push_back(v.get<std::string>());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace l4s::remediate
