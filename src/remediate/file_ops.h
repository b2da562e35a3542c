// Crash-safe file replacement: a temp file beside the target (same directory,
// so the rename is atomic), written and fsynced, given the target's owner,
// group, mode and extended attributes, renamed over it, then the directory
// fsynced. Killed at any instant, the target is either the old or the new file.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "remediate/sha256.h"
#include "remediate/zip_rewrite.h"

namespace l4s::remediate {

// Test hook for the crash-safety test: with L4S_TEST_CRASH_AT=N in the
// environment, the Nth call in this process raises SIGKILL. A no-op otherwise.
void crash_point(const char* what);

std::string dir_name(const std::string& path);   // "/a/b/c.jar" -> "/a/b"; "c.jar" -> "."
std::string base_name(const std::string& path);  // "/a/b/c.jar" -> "c.jar"

Status write_all(int fd, const void* data, size_t n);
Status fsync_dir(const std::string& dir);

// Owner, group, mode and extended attributes (ACLs and SELinux labels are
// xattrs) of a file, to carry over to its replacement.
struct FileMeta {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0644;
  std::vector<std::pair<std::string, std::string>> xattrs;
};
Result<FileMeta> read_meta(int fd);
// chown before chmod (chown may clear set-id bits). Failing to keep the owner,
// group, mode or an ACL is an error (the file would change hands or rights);
// other xattrs that cannot be set become warnings.
Status apply_meta(int fd, const FileMeta& meta, std::vector<std::string>* warnings);

// Same file, unchanged since `before` was taken (device, inode, size, mtime, ctime).
bool same_file_unchanged(const struct stat& before, const struct stat& now);

class TempFile {
 public:
  // Creates ".<base>.l4s-tmp-XXXXXX" (mode 0600, O_EXCL) in target's
  // directory, which stays open: the final rename is made relative to it, so
  // a directory swapped for a symlink meanwhile cannot redirect it.
  static Result<TempFile> create_beside(const std::string& target);
  TempFile(TempFile&& o) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();  // unlinks the temp file unless committed

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // fsync, then rename over the target it was created beside -- only if that
  // is still the file `before` describes (nullptr: only if it does not
  // exist) -- then fsync the directory.
  Status replace_target(const struct stat* before);
  // fsync, rename to any path on the same filesystem, fsync its directory.
  Status commit(const std::string& target);

 private:
  TempFile(int fd, int dir_fd, std::string path, std::string name, std::string target_base)
      : fd_(fd), dir_fd_(dir_fd), path_(std::move(path)), name_(std::move(name)),
        target_base_(std::move(target_base)) {}
  int fd_ = -1;
  int dir_fd_ = -1;
  std::string path_;
  std::string name_;
  std::string target_base_;
  bool committed_ = false;
};

// Removes temp files that a killed run left beside target. They are ours by
// name (".<base>.l4s-tmp-" + 6 characters); returns how many were removed.
int remove_stale_temps(const std::string& target);

// Buffered ZipSink over a descriptor that also hashes what it writes.
class FdSink : public ZipSink {
 public:
  explicit FdSink(int fd) : fd_(fd) { buf_.reserve(kBuffer); }
  bool write(const void* data, size_t n) override;
  uint64_t position() const override { return pos_; }
  std::string error() const override { return error_; }
  Status flush();
  std::string sha256() { return hash_.hex(); }  // after flush; once

 private:
  static constexpr size_t kBuffer = 1 << 20;
  int fd_;
  uint64_t pos_ = 0;
  std::vector<uint8_t> buf_;
  std::string error_;
  Sha256 hash_;
};

}  // namespace l4s::remediate
