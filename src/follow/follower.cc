#include "follow/follower.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include "core/sha256.h"
#include "hunt/reader.h"

namespace l4s::follow {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Follower::Tracked {
  uint64_t seq = 0;
  std::string path;
  int fd = -1;
  uint64_t dev = 0, ino = 0;
  uint64_t offset = 0;  // always just after a '\n' (or 0)
  uint64_t line = 0;
  std::string head;     // the first bytes read so far, up to kHeadBytes
  hunt::LogFormatHints hints;
  bool hints_known = false;
  bool ignored = false;  // compressed content: a rotated archive, not a live log
  // Whether the first line was seen and compared with the other files'.
  bool classified = false;
  // A copy of another followed file (copytruncate's copy, being made or
  // made before the truncation): not read while the original is, since its
  // bytes are the original's; it takes over at the original's offset when
  // the original is truncated (or let go).
  const Tracked* copy_of = nullptr;
  bool reachable = true;
  Clock::time_point unreachable_since{};
  ~Tracked() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {

constexpr size_t kChunk = 1u << 20;

bool compressed_name(const std::string& path) {
  static const char* const kExt[] = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4", ".Z"};
  for (const char* e : kExt) {
    size_t n = std::strlen(e);
    if (path.size() > n && path.compare(path.size() - n, n, e) == 0) return true;
  }
  return false;
}

std::string read_head(int fd, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

// The decompressed start of a file of any compression, up to `n` bytes.
std::string decompressed_head(const std::string& path, size_t n) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return {};
  std::string out;
  bool enough = false;
  // The reader stops feeding once the head is in (read_blocks then reports a
  // truncated stream, which does not matter here).
  hunt::ByteReader reader = [&](char* buf, size_t cap) -> Result<size_t> {
    if (enough) return size_t{0};
    ssize_t r = ::read(fd, buf, std::min(cap, size_t{64} << 10));
    if (r < 0) return Result<size_t>::failure(std::strerror(errno));
    return static_cast<size_t>(r);
  };
  hunt::ReadOptions ro;
  ro.block_size = 64u << 10;
  (void)hunt::read_blocks(
      reader,
      [&](std::string_view block, uint64_t) {
        if (out.size() < n) out.append(block.substr(0, n - out.size()));
        if (out.size() >= n) enough = true;
      },
      ro);
  ::close(fd);
  return out;
}

// Whether a compressed file decodes to its end: one still being written
// (gzip running while we start) does not, and is left to its source.
bool complete_archive(const std::string& path, const hunt::ReadOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  Status st = hunt::read_blocks(fd, [](std::string_view, uint64_t) {}, options);
  ::close(fd);
  return st.ok();
}

// Lines before `offset` (for files followed from their end).
uint64_t count_lines(int fd, uint64_t offset) {
  std::string buf(kChunk, '\0');
  uint64_t lines = 0;
  for (uint64_t pos = 0; pos < offset;) {
    ssize_t r = ::pread(fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(kChunk, offset - pos)),
                        static_cast<off_t>(pos));
    if (r <= 0) break;
    lines += static_cast<uint64_t>(std::count(buf.data(), buf.data() + r, '\n'));
    pos += static_cast<uint64_t>(r);
  }
  return lines;
}

}  // namespace

// The followed file whose content `head` starts with (its whole first line
// at least, and all the bytes both have): `head` is then a copy of it.
const Follower::Tracked* Follower::find_original(const std::string& head, const Tracked* self) const {
  for (const auto& o : tracked_) {
    // Only an older file can be the original: the copy comes after it.
    // (Not yet read is fine: the copy then waits at the original's offset.)
    if (o.get() == self || (self && o->seq > self->seq) || o->copy_of || o->ignored) continue;
    size_t first_line = o->head.find('\n');
    if (first_line == std::string::npos || head.size() <= first_line) continue;
    size_t n = std::min(head.size(), o->head.size());
    if (head.compare(0, n, o->head, 0, n) == 0) return o.get();
  }
  return nullptr;
}

void Follower::classify(Tracked& t) {
  if (t.classified || t.offset != 0 || t.ignored) return;
  if (t.head.find('\n') == std::string::npos && t.head.size() < kHeadBytes) return;
  t.classified = true;
  if (const Tracked* o = find_original(t.head, &t)) {
    t.copy_of = o;
    t.offset = o->offset;
    t.line = o->line;
  }
}

Follower::Follower(FollowOptions options, Emitter& emitter) : options_(std::move(options)), emitter_(emitter) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Follower::~Follower() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Follower::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

FollowStats Follower::stats() const {
  FollowStats s;
  s.files = files_.load();
  s.lines = lines_.load();
  s.bytes = bytes_.load();
  s.rotations = rotations_.load();
  return s;
}

std::vector<std::string> Follower::take_warnings() { return std::exchange(warnings_, {}); }

void Follower::watch_folder(const std::string& dir) {
  if (inotify_fd_ < 0 || watched_.count(dir)) return;
  int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                               IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
                                   IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
  if (wd >= 0) watched_.insert(dir);
}

std::vector<Follower::Found> Follower::discover() {
  std::vector<Found> found;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  auto add = [&](const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    if (options_.output_ino != 0 && static_cast<uint64_t>(st.st_ino) == options_.output_ino &&
        static_cast<uint64_t>(st.st_dev) == options_.output_dev)
      return;
    if (!state_name_.empty()) {
      stdfs::path p(path);
      std::error_code ec;
      if (p.filename().string().rfind(state_name_, 0) == 0 &&
          stdfs::weakly_canonical(p.has_parent_path() ? p.parent_path() : stdfs::path("."), ec).string() == state_dir_)
        return;
    }
    if (!seen.insert({st.st_dev, st.st_ino}).second) return;
    found.push_back({path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                     static_cast<uint64_t>(st.st_size)});
  };
  for (const std::string& root : options_.paths) {
    std::error_code ec;
    if (stdfs::is_directory(root, ec)) {
      watch_folder(root);
      for (stdfs::recursive_directory_iterator it(root, stdfs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_directory(ec2)) {
          if (!it->is_symlink(ec2)) watch_folder(it->path().string());
          continue;
        }
        add(it->path().string());
      }
    } else {
      // A single file: its folder shows its rotation; a symlink's target
      // folder shows the writes.
      stdfs::path p(root);
      watch_folder(p.has_parent_path() ? p.parent_path().string() : ".");
      stdfs::path real = stdfs::canonical(p, ec);
      if (!ec && real.has_parent_path()) watch_folder(real.parent_path().string());
      add(root);
      // Its rotated siblings (app.log.1, app.log-20211210.gz) are followed as
      // in a folder: a file renamed away stays known, so its compression
      // later (even while stopped) is recognised, and a file copytruncated
      // then renamed and compressed before we read its new lines is read
      // from its new start, not lost.
      const std::string base = p.filename().string();
      std::error_code ec2;
      for (stdfs::directory_iterator it(p.has_parent_path() ? p.parent_path() : stdfs::path("."), ec2), end;
           !ec2 && it != end; it.increment(ec2)) {
        std::string name = it->path().filename().string();
        if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0) continue;
        char sep = name[base.size()];
        std::error_code ec3;
        if ((sep != '.' && sep != '-' && sep != '_') || it->is_symlink(ec3)) continue;
        add(it->path().string());
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.path < b.path; });
  last_discover_ = Clock::now();
  return found;
}

bool Follower::track(const Found& f, uint64_t offset, uint64_t line) {
  int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_ino) != f.ino ||
      static_cast<uint64_t>(st.st_dev) != f.dev) {
    ::close(fd);  // replaced between the listing and the open: the next round sees it
    return false;
  }
  auto t = std::make_unique<Tracked>();
  t->seq = next_seq_++;
  t->path = f.path;
  t->fd = fd;
  t->dev = f.dev;
  t->ino = f.ino;
  t->offset = offset;
  t->line = line;
  t->head = read_head(fd, kHeadBytes);
  if (t->head.size() > offset && offset == 0) t->ignored = hunt::sniff_compression(t->head) != hunt::Compression::kNone;
  if (compressed_name(f.path)) t->ignored = true;
  t->classified = offset != 0;
  if (offset != 0 && line == 0) t->line = count_lines(fd, offset);
  tracked_.push_back(std::move(t));
  classify(*tracked_.back());
  files_.store(tracked_.size());
  state_dirty_ = true;
  return true;
}

void Follower::scan_lines(std::string_view block, uint64_t offset, uint64_t first_line, const std::string& name,
                          const hunt::LogFormatHints& hints, uint64_t* lines) {
  uint64_t n = hunt::hunt_lines(block, offset, first_line, name, hints, options_.hunt,
                                [&](hunt::Detection&& d) { emitter_.emit(d, Provenance{options_.host, ""}); });
  *lines += n;
  lines_ += n;
  bytes_ += block.size();
}

// The format hints come from the file's start, as in batch hunt, whatever
// offset we read from (a file followed from its end, resumed from the
// state, a copy taken over). While the start is only '#' lines and shorter
// than what batch looks at (a W3C header written before any data), the
// hints may still change: they are taken again on the next read.
void Follower::learn_hints(Tracked& t) {
  std::string head = read_head(t.fd, hunt::kFormatHeadBytes);
  bool whole = head.size() >= hunt::kFormatHeadBytes;
  if (!whole) head.resize(head.rfind('\n') == std::string::npos ? 0 : head.rfind('\n') + 1);  // whole lines only
  t.hints = hunt::file_format_hints(head);
  bool data_line = false;
  for (size_t pos = 0; pos < head.size() && !data_line;) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string::npos) break;
    data_line = head[pos] != '#';
    pos = nl + 1;
  }
  t.hints_known = whole || data_line || t.hints.syntax != hunt::LogSyntax::kUnknown;
}

void Follower::read_tail_once(const std::string& path, uint64_t offset, uint64_t line) {
  tails_read_.insert(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return;
  hunt::LogFormatHints hints;
  bool first = true;
  uint64_t lines = line;
  Status st = hunt::read_blocks(
      fd,
      [&](std::string_view block, uint64_t block_offset) {
        if (first) {
          hints = hunt::file_format_hints(block);  // as batch hunt: from the first block
          first = false;
        }
        uint64_t end = block_offset + block.size();
        if (end <= offset) return;
        uint64_t skip = offset > block_offset ? offset - block_offset : 0;
        scan_lines(block.substr(skip), block_offset + skip, lines + 1, path, hints, &lines);
      },
      options_.hunt.read);
  ::close(fd);
  if (!st.ok()) warnings_.push_back(path + ": " + st.error());
  ++rotations_;
}

// Finds the file holding `head` (a copy made by copytruncate, a rotated file
// compressed meanwhile) in `dir` and reads it from `offset`. A plain copy in
// a followed folder is tracked from there on.
bool Follower::adopt_copy(const std::string& dir, const std::string& head, uint64_t offset, uint64_t line,
                          const std::string& name_for_tail, std::vector<Found>& fresh, const Found* exclude) {
  if (head.empty()) return false;
  // Fresh files under the roots first (they would otherwise be read from 0).
  for (auto it = fresh.begin(); it != fresh.end(); ++it) {
    if (exclude && it->dev == exclude->dev && it->ino == exclude->ino) continue;
    if (it->size < offset || it->size < head.size()) continue;
    int fd = ::open(it->path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    std::string h = read_head(fd, head.size());
    ::close(fd);
    if (h != head) continue;
    Found f = *it;
    fresh.erase(it);
    if (track(f, offset, line)) read_now(*tracked_.back());
    return true;
  }
  // Then the siblings, compressed ones included (not followed themselves).
  std::error_code ec;
  std::string base = stdfs::path(name_for_tail).filename().string();
  for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string p = it->path().string();
    if (it->path().filename().string().rfind(base, 0) != 0 || p == name_for_tail) continue;
    struct stat st;
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (exclude && static_cast<uint64_t>(st.st_ino) == exclude->ino && static_cast<uint64_t>(st.st_dev) == exclude->dev)
      continue;
    bool is_tracked = std::any_of(tracked_.begin(), tracked_.end(), [&](const auto& t) {
      return t->ino == static_cast<uint64_t>(st.st_ino) && t->dev == static_cast<uint64_t>(st.st_dev);
    });
    if (is_tracked) continue;
    if (decompressed_head(p, head.size()) != head) continue;
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    bool plain = fd >= 0 && hunt::sniff_compression(read_head(fd, 8)) == hunt::Compression::kNone;
    if (fd >= 0) ::close(fd);
    // A plain copy is followed from there (a later listing then knows it);
    // a compressed one is read once.
    if (plain && track(Found{p, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                             static_cast<uint64_t>(st.st_size)},
                       offset, line)) {
      read_now(*tracked_.back());
      return true;
    }
    read_tail_once(p, offset, line);
    return true;
  }
  return false;
}

// The unread tail of a rotated file comes before what replaced it.
void Follower::read_now(Tracked& t) {
  std::vector<Found> none;
  read_tracked(t, none, false);
}

void Follower::on_truncated(Tracked& t, std::vector<Found>& fresh) {
  ++rotations_;
  Found self{t.path, t.dev, t.ino, 0};
  std::string dir = stdfs::path(t.path).parent_path().string();
  // Lines written after our last read went to the copy only.
  bool handed_over = false;
  for (auto& c : tracked_) {
    if (c->copy_of != &t) continue;
    c->copy_of = nullptr;
    c->offset = t.offset;
    c->line = t.line;
    handed_over = true;
  }
  if (!handed_over && !adopt_copy(dir, t.head, t.offset, t.line, t.path, fresh, &self))
    warnings_.push_back(t.path + ": truncated; no copy of it found, lines written just before may be missed");
  t.offset = 0;
  t.line = 0;
  t.head.clear();
  t.hints_known = false;
  state_dirty_ = true;
}

void Follower::read_tracked(Tracked& t, std::vector<Found>& fresh, bool final) {
  if (t.ignored) return;
  if (t.copy_of) {
    t.head = read_head(t.fd, kHeadBytes);  // 4 KiB: cheap, and shows a rewrite
    const Tracked& o = *t.copy_of;
    size_t n = std::min(t.head.size(), o.head.size());
    if (t.head.compare(0, n, o.head, 0, n) == 0) {
      t.offset = o.offset;
      t.line = o.line;
      return;
    }
    // It only began like the other file (a banner line): a log of its own.
    t.copy_of = nullptr;
    t.offset = 0;
    t.line = 0;
  }
  std::string buf;
  for (;;) {
    struct stat st;
    if (::fstat(t.fd, &st) != 0) return;
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size < t.offset) {
      on_truncated(t, fresh);
      continue;
    }
    if (size == t.offset && t.head.size() >= kHeadBytes) return;
    // Truncated and written again past our offset between two looks: the
    // first bytes tell (4 KiB from the page cache, cheap).
    {
      std::string head = read_head(t.fd, kHeadBytes);
      if (head.compare(0, std::min(head.size(), t.head.size()), t.head, 0, std::min(head.size(), t.head.size())) != 0 ||
          head.size() < std::min<uint64_t>(t.head.size(), t.offset)) {
        on_truncated(t, fresh);
        continue;
      }
      if (head.size() > t.head.size()) {
        t.head = std::move(head);
        if (t.offset == 0 && hunt::sniff_compression(t.head) != hunt::Compression::kNone) {
          t.ignored = true;
          return;
        }
        classify(t);
        if (t.copy_of) return;
      }
    }
    if (size == t.offset) return;
    size_t want = static_cast<size_t>(std::min<uint64_t>(size - t.offset, kChunk));
    size_t end = 0;
    for (;;) {
      buf.resize(want);
      ssize_t r;
      do r = ::pread(t.fd, buf.data(), want, static_cast<off_t>(t.offset));
      while (r < 0 && errno == EINTR);
      if (r <= 0) return;
      buf.resize(static_cast<size_t>(r));
      size_t nl = buf.rfind('\n');
      if (nl != std::string::npos) {
        end = nl + 1;
        break;
      }
      // No whole line yet: a longer one, or a line still being written.
      if (buf.size() >= options_.hunt.read.max_line || final) {
        end = buf.size();  // over-long line in pieces; or the last line of a finished file
        break;
      }
      if (want >= size - t.offset) return;
      want = static_cast<size_t>(std::min<uint64_t>(size - t.offset, std::min<uint64_t>(want * 4, options_.hunt.read.max_line)));
    }
    std::string_view block(buf.data(), end);
    if (!t.hints_known) learn_hints(t);
    uint64_t line = t.line;
    scan_lines(block, t.offset, t.line + 1, t.path, t.hints, &line);
    t.line = line;
    t.offset += end;
    state_dirty_ = true;
  }
}

Status Follower::start() {
  if (!options_.state_path.empty()) {
    stdfs::path sp(options_.state_path);
    std::error_code ec;
    state_name_ = sp.filename().string();
    state_dir_ = stdfs::weakly_canonical(sp.has_parent_path() ? sp.parent_path() : stdfs::path("."), ec).string();
  }
  if (options_.use_inotify) inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  bool state_existed = false;
  FollowState state;
  if (!options_.state_path.empty()) {
    Result<FollowState> loaded = load_follow_state(options_.state_path, &state_existed);
    if (!loaded.ok()) return Status::failure(loaded.error());
    state = std::move(loaded.value());
    // Detections written after the last save will be found again: the
    // output already has them.
    if (!options_.output_path.empty() && state.output == options_.output_path) {
      emitter_.skip_once(Emitter::written_keys(options_.output_path, state.output_size));
      output_floor_ = state.output_size;
    }
  }
  std::vector<Found> found = discover();
  std::vector<bool> matched(state.files.size(), false);
  std::vector<Found> fresh;
  for (const Found& f : found) {
    bool resumed = false;
    for (size_t i = 0; i < state.files.size() && !resumed; ++i) {
      const FileState& e = state.files[i];
      if (matched[i] || e.dev != f.dev || e.ino != f.ino || f.size < e.offset) continue;
      int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) continue;
      std::string head = read_head(fd, e.head_len);
      ::close(fd);
      if (head.size() != e.head_len || sha256_hex(head) != e.head_sha256) continue;  // inode reused, or rewritten
      // Gone since the listing (compressed away, say): the search below finds it.
      if (!track(f, e.offset, e.line)) break;
      matched[i] = true;
      resumed = true;
    }
    if (!resumed && ::access(f.path.c_str(), F_OK) == 0) fresh.push_back(f);
  }
  // The unread tail of a file found again by the search below: a plain
  // file is followed (known from now on, still written maybe), a compressed
  // one read once.
  auto resume_at = [&](const std::string& path, uint64_t offset, uint64_t line) {
    struct stat st;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    bool plain = fd >= 0 && ::fstat(fd, &st) == 0 && hunt::sniff_compression(read_head(fd, 8)) == hunt::Compression::kNone;
    if (fd >= 0) ::close(fd);
    if (plain) {
      if (std::any_of(tracked_.begin(), tracked_.end(), [&](const auto& t) {
            return t->dev == static_cast<uint64_t>(st.st_dev) && t->ino == static_cast<uint64_t>(st.st_ino);
          }))
        return;  // already followed from its own entry
      std::erase_if(fresh, [&](const Found& f) {
        return f.dev == static_cast<uint64_t>(st.st_dev) && f.ino == static_cast<uint64_t>(st.st_ino);
      });
      if (track(Found{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size)},
                offset, line))
        return;
    }
    read_tail_once(path, offset, line);
  };
  // Files rotated while stopped: their unread tails come before new files.
  for (size_t i = 0; i < state.files.size(); ++i) {
    if (matched[i]) continue;
    const FileState& e = state.files[i];
    std::string dir = stdfs::path(e.path).parent_path().string();
    bool found_it = false;
    // Renamed out of the followed paths (same inode and first bytes).
    std::error_code ec;
    for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end && !found_it;
         it.increment(ec)) {
      struct stat st;
      std::string p = it->path().string();
      if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_ino) != e.ino ||
          static_cast<uint64_t>(st.st_dev) != e.dev || static_cast<uint64_t>(st.st_size) < e.offset)
        continue;
      int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) continue;
      std::string head = read_head(fd, e.head_len);
      ::close(fd);
      if (sha256_hex(head) != e.head_sha256) continue;
      // Followed from there, not read once: it may be under the followed
      // paths after all (created after the listing, with the inode of the
      // state's file reused), and would then be read again as a new file.
      resume_at(p, e.offset, e.line);
      found_it = true;
    }
    if (!found_it && e.head_len > 0) {
      // Copied (copytruncate) or compressed: find it by its first bytes.
      std::string base = stdfs::path(e.path).filename().string();
      for (auto it = fresh.begin(); it != fresh.end() && !found_it; ++it) {
        if (it->size < e.offset) continue;
        int fd = ::open(it->path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue;
        std::string head = read_head(fd, e.head_len);
        ::close(fd);
        if (head.size() != e.head_len || sha256_hex(head) != e.head_sha256) continue;
        Found f = *it;
        fresh.erase(it);
        track(f, e.offset, e.line);
        found_it = true;
        break;
      }
      for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !found_it && !ec && it != end;
           it.increment(ec)) {
        std::string p = it->path().string();
        if (it->path().filename().string().rfind(base, 0) != 0) continue;
        std::string head = decompressed_head(p, e.head_len);
        if (head.size() != e.head_len || sha256_hex(head) != e.head_sha256) continue;
        struct stat st;
        if (::stat(p.c_str(), &st) == 0 && std::any_of(tracked_.begin(), tracked_.end(), [&](const auto& t) {
              return t->ino == static_cast<uint64_t>(st.st_ino) && t->dev == static_cast<uint64_t>(st.st_dev);
            }))
          continue;
        resume_at(p, e.offset, e.line);
        found_it = true;
      }
    }
    if (!found_it && e.offset > 0)
      warnings_.push_back(e.path + ": not found since the last run; lines after offset " + std::to_string(e.offset) +
                          " may be missed");
  }
  const bool from_start = state_existed || options_.from_start;
  // Returns whether a listed file was gone before it could be opened.
  auto take_fresh = [&](const std::vector<Found>& files) {
    bool vanished = false;
    for (const Found& f : files) {
      uint64_t offset = 0;
      int probe = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (probe < 0) {
        vanished = true;
        continue;
      }
      bool archive = compressed_name(f.path) || hunt::sniff_compression(read_head(probe, 8)) != hunt::Compression::kNone;
      ::close(probe);
      if (archive) {
        // Rotated and compressed while we were not running (or before the
        // first start, with --from-start): read whole, once. Not when it is
        // a file we follow being compressed right now, nor a tail read above.
        // One still being written is not read: its source is still there
        // (the compressor removes it last) and followed.
        if (from_start && !tails_read_.count(f.path) && complete_archive(f.path, options_.hunt.read)) {
          std::string head = decompressed_head(f.path, kHeadBytes);
          bool copy = find_original(head, nullptr) != nullptr;
          if (!copy) read_tail_once(f.path, 0, 0);
        }
        if (!track(f, 0, 0)) vanished = true;  // known from now on (and never read again)
        continue;
      }
      if (!from_start) {
        // tail -f: from the end of the last whole line.
        int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
          vanished = true;
          continue;
        }
        uint64_t pos = f.size;
        char c = 0;
        while (pos > 0 && ::pread(fd, &c, 1, static_cast<off_t>(pos - 1)) == 1 && c != '\n') --pos;
        ::close(fd);
        offset = pos;
      }
      if (!track(f, offset, 0)) vanished = true;
    }
    return vanished;
  };
  // Logrotate may be running while we start: a file renamed during the
  // listing is missed by it, one renamed and compressed after it is gone
  // when opened. The folders are listed again until a listing shows nothing
  // new, and what it shows is taken as above: an archive born meanwhile
  // holds lines written while we were stopped (as a live rotation it would
  // be skipped, and its lines lost).
  bool vanished = take_fresh(fresh);
  for (int round = 0; round < 16; ++round) {
    std::vector<Found> more;
    for (const Found& f : discover()) {
      bool known = std::any_of(tracked_.begin(), tracked_.end(),
                               [&](const auto& t) { return t->dev == f.dev && t->ino == f.ino; });
      if (!known) more.push_back(f);
    }
    if (more.empty() && !vanished) break;
    vanished = take_fresh(more);
  }
  started_ = true;
  state_dirty_ = true;
  // Where each file starts is saved before anything is read: a run killed
  // before its first save then still leaves what the next one must know.
  maybe_save_state(true);
  sync();
  // Everything the last run wrote and could be found again has been: from
  // here the output's size is ours to record.
  output_floor_.reset();
  emitter_.skip_once({});
  state_dirty_ = true;
  maybe_save_state(true);
  return {};
}

void Follower::sync() {
  std::vector<Found> found = discover();
  std::map<std::pair<uint64_t, uint64_t>, size_t> by_id;
  for (size_t i = 0; i < found.size(); ++i) by_id[{found[i].dev, found[i].ino}] = i;
  std::vector<bool> known(found.size(), false);
  const auto now = Clock::now();
  for (auto& t : tracked_) {
    auto it = by_id.find({t->dev, t->ino});
    if (it != by_id.end()) {
      known[it->second] = true;
      if (t->path != found[it->second].path) state_dirty_ = true;
      t->path = found[it->second].path;
      t->reachable = true;
    } else if (t->reachable) {
      t->reachable = false;
      t->unreachable_since = now;
    }
  }
  std::vector<Found> fresh;
  for (size_t i = 0; i < found.size(); ++i)
    if (!known[i]) fresh.push_back(found[i]);
  // Oldest first: a rotated file's tail before the file that replaced it.
  for (size_t i = 0; i < tracked_.size(); ++i) read_tracked(*tracked_[i], fresh, false);
  for (const Found& f : fresh) {
    size_t before = tracked_.size();
    track(f, 0, 0);  // a copy of a followed file is recognised by its first line
    std::vector<Found> none;  // `fresh` is being walked
    if (tracked_.size() > before) read_tracked(*tracked_.back(), none, false);
  }
  // A new file is known to the state at once, so a restart finds it even
  // after it has been rotated and compressed meanwhile.
  if (!fresh.empty()) maybe_save_state(true);
  // Files out of reach: read to the end, then let go once nothing can come.
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    Tracked& t = **it;
    struct stat st;
    bool gone = ::fstat(t.fd, &st) != 0 || st.st_nlink == 0;
    if (!t.reachable && (gone || now - t.unreachable_since >= options_.rotated_grace)) {
      read_tracked(t, fresh, true);
      ++rotations_;
      for (auto& c : tracked_) {
        if (c->copy_of != &t) continue;
        c->copy_of = nullptr;
        c->offset = std::min<uint64_t>(t.offset, c->offset);
      }
      it = tracked_.erase(it);
      files_.store(tracked_.size());
      state_dirty_ = true;
    } else {
      ++it;
    }
  }
  maybe_save_state(false);
}

void Follower::maybe_save_state(bool force) {
  if (options_.state_path.empty() || !state_dirty_) return;
  auto now = Clock::now();
  if (!force && now - last_save_ < options_.state_interval) return;
  Status st = save_state();
  if (!st.ok()) warnings_.push_back("cannot save the state: " + st.error());
}

Status Follower::save_state() {
  if (options_.state_path.empty()) return {};
  // The detections before these offsets must be durable first.
  Result<uint64_t> size = emitter_.sync();
  if (!size.ok()) return Status::failure(size.error());
  FollowState s;
  s.output = options_.output_path;
  // Until the first round after a restart is over, the detections past the
  // old size are not all accounted for by offsets: keep pointing at them.
  s.output_size = output_floor_ ? std::min(*output_floor_, size.value()) : size.value();
  for (const auto& t : tracked_) {
    // A copy not yet taken over is found again as one after a restart.
    if (t->copy_of) continue;
    FileState f;
    f.path = t->path;
    f.dev = t->dev;
    f.ino = t->ino;
    // Only bytes already read identify the file (the rest may still change).
    f.head_len = std::min<uint64_t>(t->head.size(), t->offset);
    f.head_sha256 = sha256_hex(std::string_view(t->head).substr(0, f.head_len));
    f.offset = t->offset;
    f.line = t->line;
    s.files.push_back(std::move(f));
  }
  Status st = save_follow_state(options_.state_path, s);
  if (st.ok()) {
    state_dirty_ = false;
    last_save_ = Clock::now();
  }
  return st;
}

void Follower::drain_inotify(bool* need_discover) {
  alignas(struct inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) return;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->mask & ~(IN_MODIFY | IN_CLOSE_WRITE)) *need_discover = true;
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
}

void Follower::run(const std::function<void()>& tick) {
  while (!stopping_.load()) {
    auto now = Clock::now();
    auto next_poll = last_discover_ + options_.poll_interval;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - now);
    if (state_dirty_ && !options_.state_path.empty())
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(last_save_ + options_.state_interval - now));
    int timeout = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 60000));
    struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int r = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, timeout);
    if (stopping_.load()) break;
    bool need_discover = Clock::now() >= next_poll;
    if (r > 0 && inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) drain_inotify(&need_discover);
    if (need_discover) {
      sync();
    } else {
      // Only writes: read the followed files, no listing.
      std::vector<Found> none;
      for (size_t i = 0; i < tracked_.size(); ++i) read_tracked(*tracked_[i], none, false);
      maybe_save_state(false);
    }
    if (tick) tick();
  }
  maybe_save_state(true);
}

Status repair_output_tail(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return {};
  off_t pos = st.st_size;
  char c = 0;
  for (; pos > 0; --pos) {
    ssize_t r = ::pread(fd, &c, 1, pos - 1);
    if (r < 0 && errno == EINTR) {
      ++pos;
      continue;
    }
    if (r != 1) return Status::failure(std::string("cannot read the output back: ") + std::strerror(r < 0 ? errno : EIO));
    if (c == '\n') break;
  }
  if (pos == st.st_size) return {};
  if (::ftruncate(fd, pos) != 0) return Status::failure(std::string("ftruncate: ") + std::strerror(errno));
  return {};
}

int open_follow_output(const std::string& path) {
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

}  // namespace l4s::follow
