#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <streambuf>
#include <vector>

namespace l4s {
namespace {

// An output buffer over a file descriptor that keeps the errno of the first
// failed write (an ofstream would only say that something failed).
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd), buf_(64u << 10) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const char* p = pbase();
    while (p < pptr() && error_ == 0) {
      ssize_t n = ::write(fd_, p, static_cast<size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) error_ = n < 0 ? errno : EIO;
      else p += n;
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return error_ == 0;
  }

  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

// The directory holding `path` ("." for a bare name).
std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Makes a completed rename durable. Some filesystems refuse fsync on a
// directory (EINVAL); the rename has happened, so that is not a failure.
bool fsync_dir(const std::string& dir, std::string* error) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return true;  // e.g. a write-only directory: nothing more we can do
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) {
    *error = dir + ": " + std::strerror(err);
    return false;
  }
  return true;
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& content_writer,
                           std::string* error) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or pipe: write through it; renaming a temp file over it would
    // replace the device node.
    std::ofstream out(path, std::ios::binary);
    if (out) content_writer(out);
    if (!out) {
      *error = path + ": cannot write";
      return false;
    }
    return true;
  }
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  // Streamed straight to the temp file (a report may be larger than memory),
  // which goes away again if anything fails or throws on the way.
  FdStreambuf buf(fd);
  std::ostream out(&buf);
  try {
    content_writer(out);
    out.flush();
  } catch (...) {
    close(fd);
    unlink(tmp.c_str());
    throw;
  }
  if (!out || buf.error() != 0) {
    *error = path + ": cannot write: " + std::strerror(buf.error() != 0 ? buf.error() : EIO);
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  fchmod(fd, 0644);
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    *error = path + ": " + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return fsync_dir(parent_dir(path), error);
}

}  // namespace l4s
