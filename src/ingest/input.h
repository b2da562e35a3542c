// One input of `hunt`, whatever it holds: a log stream (plain or compressed),
// a packet capture, or a zip archive of those (collected evidence, zipped
// rotated logs, published datasets), zips nested in zips included. Each zip
// member is hunted as an input of its own, named like scan's locations:
// "bundle.zip!/var/log/app.log.gz", "outer.zip!/inner.zip!/trace.pcap".
//
// This layer sits above `hunt` (logs) and `pcap` (captures), which know
// nothing of each other's inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hunt/hunt_file.h"
#include "hunt/hunt_report.h"
#include "pcap/analyzer.h"

namespace l4s::ingest {

struct InputOptions {
  hunt::HuntOptions log;
  pcap::AnalyzerOptions capture;
  bool force_capture = false;  // a file that is not a zip is read as a capture (--pcap)
  int max_zip_depth = 8;       // zips inside zips; deeper ones are an error
  // Memory for inflated nested zips; past it they spill to a temp file.
  uint64_t nested_zip_memory = 64u << 20;
};

struct CaptureHunt {
  pcap::CaptureResult result;  // its detections have gone to the sink
  uint64_t bytes = 0;          // capture bytes read
};

struct InputHunt {
  std::vector<hunt::FileHunt> logs;         // in archive order for a zip
  std::vector<CaptureHunt> captures;        // in archive order for a zip
  std::vector<hunt::HuntError> errors;      // a zip or member that could not be opened
};

// Hunts `path` ("-" for stdin, read as one stream), giving detections to
// `sink` in input order.
InputHunt hunt_input(const std::string& path, const InputOptions& options, const hunt::DetectionSink& sink);

}  // namespace l4s::ingest
