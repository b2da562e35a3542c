// Hunting one log stream end to end: read (decompressing by content), find
// the attempts, and give each the log-format fields of its line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "hunt/detection.h"
#include "hunt/reader.h"

namespace l4s::hunt {

struct HuntOptions {
  ReadOptions read;
  LookupEnvironment env;
  EvalLimits limits;
};

struct FileHunt {
  std::string file;
  std::vector<Detection> detections;  // in stream order
  Compression compression = Compression::kNone;
  uint64_t bytes_in = 0;    // read from the file
  uint64_t bytes_text = 0;  // decompressed text searched
  uint64_t lines = 0;
  // Failure to open, read or decompress, with the reason. Everything read
  // before the failure has still been searched.
  Status status;
};

// Hunts an open descriptor, reported as `name` ("-" for stdin).
FileHunt HuntStream(int fd, const std::string& name, const HuntOptions& options = {});

// Opens `path` (never blocking on FIFOs) and hunts it.
FileHunt HuntPath(const std::string& path, const HuntOptions& options = {});

}  // namespace l4s::hunt
