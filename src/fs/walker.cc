#include "fs/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace l4s::fs {
namespace {

// A unit of work: a directory to list, or a batch of files to visit.
struct Work {
  std::string dir;                 // non-empty: directory to list
  dev_t root_dev = 0;              // device of the root it came from
  std::vector<std::pair<std::string, uint64_t>> files;  // otherwise: files
  bool is_root = false;
};

constexpr size_t kFileBatch = 64;

std::string join(const std::string& dir, const char* name) {
  std::string p = dir;
  if (p.empty() || p.back() != '/') p += '/';
  p += name;
  return p;
}

std::string base_name(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::string unescape_mountinfo(const std::string& s) {
  // mountinfo escapes space, tab, newline and backslash as \ooo.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (int k = 1; k <= 3; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '7') { ok = false; break; }
        v = v * 8 + (c - '0');
      }
      if (ok) { out += static_cast<char>(v); i += 3; continue; }
    }
    out += s[i];
  }
  return out;
}

class Walker {
 public:
  Walker(const WalkOptions& o, const WalkCallbacks& cb) : opt_(o), cb_(cb) {
    for (const Mount& m : read_mounts()) fstype_by_dev_[m.device] = m.fstype;
  }

  unsigned run() {
    unsigned n = worker_threads(opt_.threads);
    for (const std::string& root : opt_.roots) seed(root);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < n; ++i) pool.emplace_back([this, i] { work(i); });
    work(0);
    for (auto& t : pool) t.join();
    return n;
  }

 private:
  void error(const std::string& where, const std::string& why) {
    if (cb_.on_error) cb_.on_error(where, why);
  }

  bool excluded(const std::string& path) const {
    std::string base = base_name(path);
    for (const std::string& g : opt_.excludes) {
      if (fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
      if (fnmatch(g.c_str(), base.c_str(), 0) == 0) return true;
    }
    return false;
  }

  void seed(const std::string& root) {
    struct stat st;
    if (stat(root.c_str(), &st) != 0) {
      error(root, std::strerror(errno));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      if (opt_.follow_symlinks) mark_visited(st);
      push(Work{root, st.st_dev, {}, true});
    } else if (S_ISREG(st.st_mode)) {
      Work w;
      w.files.emplace_back(root, static_cast<uint64_t>(st.st_size));
      w.is_root = true;
      push(std::move(w));
    } else {
      error(root, "not a regular file or directory");
    }
  }

  bool mark_visited(const struct stat& st) {
    std::lock_guard<std::mutex> lock(visited_mu_);
    return visited_.insert({st.st_dev, st.st_ino}).second;
  }

  // True when a directory on a newly entered device must be skipped.
  bool skip_device(dev_t dev, dev_t root_dev) {
    if (dev == root_dev) return false;
    if (opt_.one_file_system) return true;
    if (opt_.all_filesystems) return false;
    auto it = fstype_by_dev_.find(dev);
    return it != fstype_by_dev_.end() && is_skipped_fs_type(it->second);
  }

  void push(Work w) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(w));
    }
    cv_.notify_one();
  }

  void work(unsigned worker) {
    for (;;) {
      Work w;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || busy_ == 0; });
        if (queue_.empty()) {
          cv_.notify_all();
          return;
        }
        w = std::move(queue_.back());  // LIFO keeps the queue small (depth first)
        queue_.pop_back();
        ++busy_;
      }
      if (!w.dir.empty()) list_directory(w);
      for (auto& [path, size] : w.files) cb_.on_file(FileVisit{path, size, w.is_root, worker});
      {
        std::lock_guard<std::mutex> lock(mu_);
        --busy_;
      }
      cv_.notify_all();
    }
  }

  void list_directory(const Work& w) {
    if (cb_.on_directory && !cb_.on_directory(w.dir)) return;
    DIR* d = opendir(w.dir.c_str());
    if (!d) {
      error(w.dir, std::strerror(errno));
      return;
    }
    int dfd = dirfd(d);
    Work batch;
    while (struct dirent* e = readdir(d)) {
      const char* name = e->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      std::string path = join(w.dir, name);
      if (!opt_.excludes.empty() && excluded(path)) continue;
      struct stat st;
      int flags = opt_.follow_symlinks ? 0 : AT_SYMLINK_NOFOLLOW;
      if (fstatat(dfd, name, &st, flags) != 0) {
        // A dangling symlink is not an error worth reporting when following.
        if (errno != ENOENT) error(path, std::strerror(errno));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        if (skip_device(st.st_dev, w.root_dev)) continue;
        if (opt_.follow_symlinks && !mark_visited(st)) continue;  // loop or seen twice
        push(Work{path, w.root_dev, {}, false});
      } else if (S_ISREG(st.st_mode)) {
        if (opt_.follow_symlinks && !mark_visited(st)) continue;  // reached twice via links
        batch.files.emplace_back(std::move(path), static_cast<uint64_t>(st.st_size));
        if (batch.files.size() >= kFileBatch) {
          push(std::move(batch));
          batch = Work{};
        }
      }
      // FIFOs, sockets, devices and (unfollowed) symlinks are never opened.
    }
    closedir(d);
    if (!batch.files.empty()) push(std::move(batch));
  }

  const WalkOptions& opt_;
  const WalkCallbacks& cb_;
  std::unordered_map<uint64_t, std::string> fstype_by_dev_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Work> queue_;
  unsigned busy_ = 0;

  struct DevIno {
    dev_t dev;
    ino_t ino;
    bool operator<(const DevIno& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
  };
  std::mutex visited_mu_;
  std::set<DevIno> visited_;
};

}  // namespace

bool is_skipped_fs_type(const std::string& t) {
  static const std::unordered_set<std::string> kSkipped = {
      // network
      "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "fuse.sshfs", "sshfs", "ncpfs",
      "9p", "ceph", "glusterfs", "fuse.glusterfs", "lustre", "davfs", "fuse.s3fs", "fuse.rclone",
      "autofs",
      // pseudo
      "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs",
      "securityfs", "bpf", "pstore", "mqueue", "hugetlbfs", "configfs", "fusectl", "binfmt_misc",
      "efivarfs", "nsfs", "rpc_pipefs", "selinuxfs", "ramfs",
      // merged views whose layers are walked on the host filesystem
      "overlay", "aufs"};
  return kSkipped.count(t) > 0;
}

std::vector<Mount> read_mounts(const std::string& mountinfo_path) {
  std::vector<Mount> mounts;
  std::ifstream in(mountinfo_path);
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options [optional...] - fstype source super
    std::istringstream ss(line);
    std::string id, parent, majmin, root, point;
    ss >> id >> parent >> majmin >> root >> point;
    std::string tok;
    while (ss >> tok && tok != "-") {}
    std::string fstype;
    ss >> fstype;
    unsigned maj = 0, min = 0;
    if (std::sscanf(majmin.c_str(), "%u:%u", &maj, &min) != 2 || fstype.empty()) continue;
    mounts.push_back(Mount{unescape_mountinfo(point), fstype, static_cast<uint64_t>(makedev(maj, min))});
  }
  return mounts;
}

std::vector<std::string> local_roots() {
  // The root mount is always walked, even when it is an overlay (inside a
  // container); other mounts are reached by crossing into them.
  return {"/"};
}

unsigned worker_threads(unsigned threads) {
  return threads ? threads : std::max(1u, std::thread::hardware_concurrency());
}

unsigned walk(const WalkOptions& options, const WalkCallbacks& callbacks) {
  return Walker(options, callbacks).run();
}

}  // namespace l4s::fs
