#include "hunt/hunt_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hunt/log_fields.h"

namespace l4s::hunt {

LogFormatHints file_format_hints(std::string_view head) { return sniff_log_format(head.substr(0, kFormatHeadBytes)); }

uint64_t hunt_lines(std::string_view block, uint64_t offset, uint64_t first_line, const std::string& name,
                    const LogFormatHints& hints, const HuntOptions& options, const DetectionSink& sink) {
  return scan_block(
      block, offset, first_line,
      [&](Detection&& d) {
        d.file = name;
        LogFields fields = parse_log_fields(d.raw, hints);
        d.timestamp = std::move(fields.timestamp);
        d.timestamp_raw = std::move(fields.timestamp_raw);
        d.source_ip = std::move(fields.source_ip);
        d.forwarded_for = std::move(fields.forwarded_for);
        sink(std::move(d));
      },
      options.env, options.limits, hints);
}

namespace {

// Hunts the blocks that `read(on_block, stats)` delivers (read_blocks over
// some input) and returns what it says.
template <typename ReadFn>
FileHunt hunt_blocks(const ReadFn& read, const std::string& name, const HuntOptions& options,
                    const DetectionSink& sink) {
  FileHunt out;
  out.file = name;
  bool first = true;
  LogFormatHints hints;
  uint64_t complete_lines = 0;  // lines ended by '\n' so far
  bool open_line = false;       // the last block ended inside a line (an over-long one, or the end)
  ReadStats stats;
  out.status = read(
      [&](std::string_view block, uint64_t offset) {
        if (first) {
          hints = file_format_hints(block);
          first = false;
        }
        // A piece of an over-long line continues the line the previous block ended in.
        uint64_t counted = hunt_lines(block, offset, complete_lines + 1, name, hints, options, sink);
        open_line = !block.empty() && block.back() != '\n';
        complete_lines += counted - (open_line ? 1 : 0);
      },
      &stats);
  out.lines = complete_lines + (open_line ? 1 : 0);
  out.compression = stats.compression;
  out.bytes_in = stats.bytes_in;
  out.bytes_text = stats.bytes_out;
  return out;
}

}  // namespace

FileHunt hunt_stream(int fd, const std::string& name, const HuntOptions& options, const DetectionSink& sink) {
  return hunt_blocks([&](const BlockSink& on_block, ReadStats* stats) { return read_blocks(fd, on_block, options.read, stats); },
                    name, options, sink);
}

FileHunt hunt_reader(const ByteReader& reader, const std::string& name, const HuntOptions& options,
                    const DetectionSink& sink) {
  return hunt_blocks(
      [&](const BlockSink& on_block, ReadStats* stats) { return read_blocks(reader, on_block, options.read, stats); },
      name, options, sink);
}

FileHunt hunt_path(const std::string& path, const HuntOptions& options, const DetectionSink& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    FileHunt out;
    out.file = path;
    out.status = Status::failure(std::string("open: ") + std::strerror(errno));
    return out;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    FileHunt out;
    out.file = path;
    out.status = Status::failure(S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    return out;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  FileHunt out = hunt_stream(fd, path, options, sink);
  ::close(fd);
  return out;
}

FileHunt hunt_stream(int fd, const std::string& name, const HuntOptions& options) {
  std::vector<Detection> found;
  FileHunt out = hunt_stream(fd, name, options, [&](Detection&& d) { found.push_back(std::move(d)); });
  out.detections = std::move(found);
  return out;
}

FileHunt hunt_path(const std::string& path, const HuntOptions& options) {
  std::vector<Detection> found;
  FileHunt out = hunt_path(path, options, [&](Detection&& d) { found.push_back(std::move(d)); });
  out.detections = std::move(found);
  return out;
}

}  // namespace l4s::hunt
