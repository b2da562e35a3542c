// `hunt --follow`: files and folders watched live, each new line hunted by
// the same scan_block and log-field parsing as batch `hunt`.
//
// Files are known by identity (device, inode, first bytes), never by name,
// and each is read from an open descriptor, so rotation loses nothing:
//   rename and create   the old file (still open) is read to its end, then
//                       the new one from its start
//   copytruncate        the file shrinks: the copy (found by its first bytes
//                       among the siblings, compressed or not) is read from
//                       the old offset, then the file again from 0
//   deletion, symlink   the open file is read to its end; whatever the path
//   switched            names next is new and read from its start
//   compressed rotated  after a restart, a file that was rotated and
//                       compressed meanwhile is found among the siblings by
//                       its first bytes and its unread tail read first
// A single file is followed with its rotated siblings (same name, then '.',
// '-' or '_'), as in a folder: a copytruncated file renamed and compressed
// before its new lines were read, even while stopped, loses none of them.
// inotify wakes the follower on changes to the watched folders; a poll every
// `poll_interval` also runs, so filesystems without inotify (NFS, overlay
// lower layers) are followed too, just later.
//
// With a state file, offsets are saved (atomically) only after the
// detections before them are written and synced; on restart the detections
// written after the last save are read back from the output and not written
// again, so each is written exactly once (for a file output).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "follow/emitter.h"
#include "follow/follow_state.h"
#include "hunt/hunt_file.h"
#include "hunt/log_fields.h"

namespace l4s::follow {

struct FollowOptions {
  std::vector<std::string> paths;  // files and folders (recursive)
  bool use_inotify = true;
  std::chrono::milliseconds poll_interval{1000};
  // Files present at the first start are read from their start (default:
  // from their end, like tail -f). Files appearing later, and every file
  // not in an existing state, are always read from their start.
  bool from_start = false;
  std::string state_path;  // "" for none
  std::string output_path; // the output file recorded in the state ("" for stdout)
  std::chrono::milliseconds state_interval{200};  // saves at most this often
  // A file rotated out of reach (renamed away, deleted, symlink switched) is
  // still read this long, for writers that have not reopened yet.
  std::chrono::milliseconds rotated_grace{10000};
  std::string host;  // the detections' host
  // Our own output file (device, inode): never followed, or we would read
  // what we write. The state file and its temp files are skipped too.
  uint64_t output_dev = 0, output_ino = 0;
  hunt::HuntOptions hunt;
};

struct FollowStats {
  uint64_t files = 0;  // followed now
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t rotations = 0;  // files read to their end after rotation, truncations
};

class Follower {
 public:
  Follower(FollowOptions options, Emitter& emitter);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Loads the state, finds the files (reading rotated tails found through
  // the state) and sets up inotify. Fails only on an unreadable state.
  Status start();
  // Reads everything written so far (finding new and rotated files first)
  // and saves the state when due. Tests call it directly.
  void sync();
  // Runs until stop() (async-signal-safe): syncs on each inotify event and
  // every poll interval; `tick` runs after each round.
  void run(const std::function<void()>& tick = {});
  void stop();
  // Saves the state now (after syncing the output).
  Status save_state();

  FollowStats stats() const;
  // Problems worth a line on stderr (lost track of a file, state not saved).
  std::vector<std::string> take_warnings();
  bool using_inotify() const { return inotify_fd_ >= 0; }

 private:
  struct Tracked;
  struct Found {
    std::string path;
    uint64_t dev = 0, ino = 0, size = 0;
  };
  std::vector<Found> discover();
  void watch_folder(const std::string& dir);
  void drain_inotify(bool* need_discover);
  void read_tracked(Tracked& t, std::vector<Found>& fresh, bool final);
  void on_truncated(Tracked& t, std::vector<Found>& fresh);
  void read_now(Tracked& t);
  bool adopt_copy(const std::string& dir, const std::string& head, uint64_t offset, uint64_t line,
                  const std::string& name_for_tail, std::vector<Found>& fresh, const Found* exclude);
  void read_tail_once(const std::string& path, uint64_t offset, uint64_t line);
  bool track(const Found& f, uint64_t offset, uint64_t line);  // false: gone since the listing
  const Tracked* find_original(const std::string& head, const Tracked* self) const;
  void classify(Tracked& t);
  void learn_hints(Tracked& t);
  void scan_lines(std::string_view block, uint64_t offset, uint64_t first_line, const std::string& name,
                  const hunt::LogFormatHints& hints, uint64_t* lines);
  void maybe_save_state(bool force);

  FollowOptions options_;
  Emitter& emitter_;
  std::vector<std::unique_ptr<Tracked>> tracked_;  // oldest first: rotated tails before new files
  uint64_t next_seq_ = 0;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::set<std::string> watched_;
  std::string state_dir_, state_name_;  // canonical folder and name of the state file
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool state_dirty_ = false;
  std::optional<uint64_t> output_floor_;
  std::set<std::string> tails_read_;  // compressed files read by start()  // the loaded output_size, during the first round
  std::chrono::steady_clock::time_point last_save_{};
  std::chrono::steady_clock::time_point last_discover_{};
  mutable std::atomic<uint64_t> lines_{0}, bytes_{0}, rotations_{0}, files_{0};
  std::vector<std::string> warnings_;
};

// Cuts an incomplete last line (a write cut short by a kill) off an output
// file, so the next line does not run into it. `fd` must be readable (an
// error otherwise): open it with open_follow_output.
Status repair_output_tail(int fd);

// Opens (creates) the JSONL output of hunt --follow for appending, readable
// too so that repair_output_tail can see its last line; -1 and errno on
// failure.
int open_follow_output(const std::string& path);

}  // namespace l4s::follow
