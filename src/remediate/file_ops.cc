#include "remediate/file_ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <cstdlib>

namespace l4s::remediate {
namespace {

std::string errno_text(const std::string& what, int err) { return what + ": " + strerror(err); }

constexpr const char kTempMarker[] = ".l4s-tmp-";

bool is_acl(const std::string& name) { return name.rfind("system.posix_acl_", 0) == 0; }

}  // namespace

void crash_point(const char* /*what*/) {
  static const long target = [] {
    const char* v = getenv("L4S_TEST_CRASH_AT");
    return v ? strtol(v, nullptr, 10) : 0L;
  }();
  static std::atomic<long> calls{0};
  if (target > 0 && ++calls == target) raise(SIGKILL);
}

std::string dir_name(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string base_name(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

Status write_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::failure(errno_text("write", errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status();
}

Status fsync_dir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::failure(errno_text(dir, errno));
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  // Some filesystems refuse fsync on directories; the rename is still atomic.
  if (rc != 0 && err != EINVAL && err != EROFS) return Status::failure(errno_text("fsync " + dir, err));
  return Status();
}

Result<FileMeta> read_meta(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Result<FileMeta>::failure(errno_text("fstat", errno));
  FileMeta m;
  m.uid = st.st_uid;
  m.gid = st.st_gid;
  m.mode = st.st_mode & 07777;
  ssize_t len = flistxattr(fd, nullptr, 0);
  if (len > 0) {
    std::string names(static_cast<size_t>(len), '\0');
    len = flistxattr(fd, names.data(), names.size());
    for (size_t p = 0; len > 0 && p < static_cast<size_t>(len);) {
      std::string name(names.c_str() + p);
      p += name.size() + 1;
      if (name.empty()) continue;
      ssize_t vlen = fgetxattr(fd, name.c_str(), nullptr, 0);
      if (vlen < 0) continue;
      std::string value(static_cast<size_t>(vlen), '\0');
      vlen = fgetxattr(fd, name.c_str(), value.data(), value.size());
      if (vlen < 0) continue;
      value.resize(static_cast<size_t>(vlen));
      m.xattrs.emplace_back(std::move(name), std::move(value));
    }
  }
  return m;
}

Status apply_meta(int fd, const FileMeta& meta, std::vector<std::string>* warnings) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::failure(errno_text("fstat", errno));
  if ((st.st_uid != meta.uid || st.st_gid != meta.gid) && fchown(fd, meta.uid, meta.gid) != 0) {
    return Status::failure(errno_text("cannot keep owner " + std::to_string(meta.uid) + ":" +
                                          std::to_string(meta.gid),
                                      errno));
  }
  if (fchmod(fd, meta.mode) != 0) return Status::failure(errno_text("cannot keep mode", errno));
  for (const auto& [name, value] : meta.xattrs) {
    if (fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) == 0) continue;
    const int err = errno;
    if (is_acl(name)) return Status::failure(errno_text("cannot keep ACL " + name, err));
    if (warnings) warnings->push_back(errno_text("extended attribute " + name + " not kept", err));
  }
  return Status();
}

bool same_file_unchanged(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

Result<TempFile> TempFile::create_beside(const std::string& target) {
  const std::string dir = dir_name(target);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Result<TempFile>::failure(errno_text("cannot create a temp file in " + dir, errno));
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = "." + base_name(target) + kTempMarker;
    for (int i = 0; i < 6; ++i) name.push_back(kChars[rd() % (sizeof kChars - 1)]);
    int fd = openat(dir_fd, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) return TempFile(fd, dir_fd, dir + "/" + name, name, base_name(target));
    if (errno != EEXIST) {
      const int err = errno;
      close(dir_fd);
      return Result<TempFile>::failure(errno_text("cannot create a temp file in " + dir, err));
    }
  }
  close(dir_fd);
  return Result<TempFile>::failure("cannot create a temp file in " + dir + ": no free name");
}

TempFile::TempFile(TempFile&& o) noexcept
    : fd_(o.fd_), dir_fd_(o.dir_fd_), path_(std::move(o.path_)), name_(std::move(o.name_)),
      target_base_(std::move(o.target_base_)), committed_(o.committed_) {
  o.fd_ = -1;
  o.dir_fd_ = -1;
  o.committed_ = true;
}

TempFile::~TempFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_ && dir_fd_ >= 0 && !name_.empty()) unlinkat(dir_fd_, name_.c_str(), 0);
  if (dir_fd_ >= 0) close(dir_fd_);
}

Status TempFile::replace_target(const struct stat* before) {
  if (fsync(fd_) != 0) return Status::failure(errno_text("fsync " + path_, errno));
  crash_point("temp fsynced");
  struct stat now;
  const bool exists = fstatat(dir_fd_, target_base_.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0;
  if (before ? !(exists && same_file_unchanged(*before, now)) : exists) {
    return Status::failure("the file changed meanwhile; left alone");
  }
  if (renameat(dir_fd_, name_.c_str(), dir_fd_, target_base_.c_str()) != 0) {
    return Status::failure(errno_text("rename over " + target_base_, errno));
  }
  committed_ = true;
  crash_point("renamed");
  if (fsync(dir_fd_) != 0 && errno != EINVAL && errno != EROFS) {
    return Status::failure(errno_text("fsync of the directory", errno));
  }
  return Status();
}

Status TempFile::commit(const std::string& target) {
  if (fsync(fd_) != 0) return Status::failure(errno_text("fsync " + path_, errno));
  crash_point("temp fsynced");
  if (renameat(dir_fd_, name_.c_str(), AT_FDCWD, target.c_str()) != 0) {
    return Status::failure(errno_text("rename over " + target, errno));
  }
  committed_ = true;
  crash_point("renamed");
  return fsync_dir(dir_name(target));
}

int remove_stale_temps(const std::string& target) {
  const std::string dir = dir_name(target);
  const std::string prefix = "." + base_name(target) + kTempMarker;
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  while (struct dirent* de = readdir(d)) {
    std::string name = de->d_name;
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st;
    const std::string full = dir + "/" + name;
    if (lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && unlink(full.c_str()) == 0) ++removed;
  }
  closedir(d);
  return removed;
}

bool FdSink::write(const void* data, size_t n) {
  if (!error_.empty()) return false;
  hash_.update(data, n);
  pos_ += n;
  const auto* p = static_cast<const uint8_t*>(data);
  if (buf_.size() + n > kBuffer) {
    if (!flush().ok()) return false;
    if (n >= kBuffer) {
      Status s = write_all(fd_, p, n);
      if (!s.ok()) error_ = s.error();
      return s.ok();
    }
  }
  buf_.insert(buf_.end(), p, p + n);
  return true;
}

Status FdSink::flush() {
  if (!error_.empty()) return Status::failure(error_);
  Status s = write_all(fd_, buf_.data(), buf_.size());
  buf_.clear();
  if (!s.ok()) error_ = s.error();
  return s;
}

}  // namespace l4s::remediate
