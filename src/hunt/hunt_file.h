// Hunting one log stream end to end: read (decompressing by content), find
// the attempts, and give each the log-format fields of its line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "hunt/detection.h"
#include "hunt/log_fields.h"
#include "hunt/reader.h"

namespace l4s::hunt {

struct HuntOptions {
  ReadOptions read;
  LookupEnvironment env;
  EvalLimits limits;
};

struct FileHunt {
  std::string file;
  std::vector<Detection> detections;  // in stream order (unless a sink took them)
  Compression compression = Compression::kNone;
  uint64_t bytes_in = 0;    // read from the file
  uint64_t bytes_text = 0;  // decompressed text searched
  uint64_t lines = 0;
  // Failure to open, read or decompress, with the reason. Everything read
  // before the failure has still been searched.
  Status status;
};

// Receives each detection as it is found, in stream order.
using DetectionSink = std::function<void(Detection&&)>;

// How much of a log's start its format hints are taken from.
inline constexpr size_t kFormatHeadBytes = 64 * 1024;

// A log's format hints (W3C/IIS "#Fields:", Zeek "#fields", a CSV header)
// from its first bytes; only the first kFormatHeadBytes are looked at.
// Batch hunt and `hunt --follow` both take them from here.
LogFormatHints file_format_hints(std::string_view head);

// Hunts `block` (whole lines of the log `name`, at stream offset `offset`,
// the first being line `first_line`) with the log's format hints: each
// detection gets its line's fields (time, client, X-Forwarded-For) and goes
// to `sink`. Returns the number of lines in the block.
uint64_t hunt_lines(std::string_view block, uint64_t offset, uint64_t first_line, const std::string& name,
                    const LogFormatHints& hints, const HuntOptions& options, const DetectionSink& sink);

// Hunts an open descriptor, reported as `name` ("-" for stdin). Detections
// go to `sink` as they are found, so memory does not grow with the hits;
// the result's `detections` stays empty.
FileHunt hunt_stream(int fd, const std::string& name, const HuntOptions& options, const DetectionSink& sink);

// The same over any byte stream (a zip member, say), reported as `name`.
FileHunt hunt_reader(const ByteReader& reader, const std::string& name, const HuntOptions& options,
                    const DetectionSink& sink);

// Opens `path` (never blocking on FIFOs) and hunts it, the same way.
FileHunt hunt_path(const std::string& path, const HuntOptions& options, const DetectionSink& sink);

// The same, keeping the detections in the result (for small inputs and tests).
FileHunt hunt_stream(int fd, const std::string& name, const HuntOptions& options = {});
FileHunt hunt_path(const std::string& path, const HuntOptions& options = {});

}  // namespace l4s::hunt
