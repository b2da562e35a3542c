// What `hunt --follow --state FILE` remembers across restarts: per followed
// file its identity (device, inode and a hash of its first bytes, so a
// reused inode is not taken for the old file) and how far it was read, plus
// how long the output file was when that was true.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace l4s::follow {

// The first bytes that identify a file's content (a rotated copy keeps them).
inline constexpr size_t kHeadBytes = 4096;

struct FileState {
  std::string path;       // where it was last seen (a label: identity decides)
  uint64_t dev = 0, ino = 0;
  uint64_t head_len = 0;  // bytes hashed (fewer than kHeadBytes while the file was shorter)
  std::string head_sha256;
  uint64_t offset = 0;    // bytes read, always just after a '\n'
  uint64_t line = 0;      // lines read
};

struct FollowState {
  std::string output;        // the -o file the detections went to ("" for stdout)
  uint64_t output_size = 0;  // its size when these offsets were saved
  std::vector<FileState> files;
};

// A missing file is an empty state (first run); a damaged one is an error.
Result<FollowState> load_follow_state(const std::string& path, bool* existed = nullptr);
// Atomically (temp file, fsync, rename, fsync of the folder).
Status save_follow_state(const std::string& path, const FollowState& state);

}  // namespace l4s::follow
