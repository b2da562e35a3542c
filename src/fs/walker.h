// Parallel filesystem walker: N threads share a LIFO queue of directories and
// batches of files, so a huge directory never stalls the others. Skips
// network and pseudo filesystems unless asked, never follows symlinks unless
// asked (and then loop-safe), and only hands out regular files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace l4s::fs {

struct WalkOptions {
  std::vector<std::string> roots;       // files or directories
  std::vector<std::string> excludes;    // fnmatch globs on the full path or the base name
  unsigned threads = 0;                 // 0: all cores (see worker_threads)
  bool follow_symlinks = false;
  bool one_file_system = false;         // stay on each root's device
  bool all_filesystems = false;         // also walk network/pseudo filesystems
};

struct FileVisit {
  std::string path;
  uint64_t size = 0;
  bool is_root = false;   // given explicitly by the user
  unsigned worker = 0;    // index of the calling thread, < thread count
};

struct WalkCallbacks {
  // Called concurrently from worker threads for every regular file.
  std::function<void(const FileVisit&)> on_file;
  // Called (possibly concurrently) for every location that cannot be walked.
  std::function<void(const std::string& location, const std::string& reason)> on_error;
  // Called for every directory entered, before its entries (optional); return
  // false to not descend into it.
  std::function<bool(const std::string& dir)> on_directory;
};

// `threads`, or every core when it is 0: the one rule for --threads.
unsigned worker_threads(unsigned threads);

// Walks everything; returns the number of worker threads used.
unsigned walk(const WalkOptions& options, const WalkCallbacks& callbacks);

// Filesystem types skipped by default: network (nfs, cifs, smb, afs, sshfs,
// ...), pseudo (proc, sysfs, devtmpfs, cgroup, ...) and overlay mounts (their
// layers are walked where they live on the host filesystem).
bool is_skipped_fs_type(const std::string& fstype);

// Mount points of this machine with their filesystem types, from
// /proc/self/mountinfo (empty when unavailable).
struct Mount {
  std::string mount_point;
  std::string fstype;
  uint64_t device = 0;  // st_dev of the mounted filesystem
};
std::vector<Mount> read_mounts(const std::string& mountinfo_path = "/proc/self/mountinfo");

// The roots `scan` uses when no path is given: "/" plus every mounted local
// filesystem (the walk crosses into them anyway; listing them makes the
// report show what was covered).
std::vector<std::string> local_roots();

}  // namespace l4s::fs
