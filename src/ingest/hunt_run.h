// A whole `hunt` run over many inputs: the walk that finds them, the
// parallel workers that hunt them (largest first), and one writer that gets
// their detections in input order while they are found, so memory stays
// flat however many there are. Live watching and uploads plug in here.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "fs/walker.h"
#include "hunt/hunt_writer.h"
#include "ingest/input.h"

namespace l4s::ingest {

struct HuntRunOptions {
  std::vector<std::string> paths;  // files and folders; "-" is stdin (at most once)
  fs::WalkOptions walk;            // its roots are taken from `paths`
  InputOptions input;
  bool keep_iocs = false;          // the tally keeps indicators for an IOC export
};

class HuntRun {
 public:
  // Walks the paths for inputs; walk errors become report errors.
  explicit HuntRun(HuntRunOptions options);

  // Hunts every input, writing the report through `writer` (which this
  // begins and ends): `report` brings the header (tool, host, started,
  // roots) and gets the stats, errors, network events and finish time.
  // `copy`, when given, gets the same report in its own format (the JSON an
  // upload sends while the user reads text), in the same order.
  void run(hunt::HuntWriter& writer, hunt::HuntReport* report, hunt::HuntWriter* copy = nullptr);

  const hunt::HuntTally& tally() const { return tally_; }
  // Detections lost on their way to the writer (the spill file failed), and
  // why; the report is then incomplete.
  bool output_lost() const { return output_lost_; }
  // A problem of the output spool worth a warning even when nothing was lost.
  const std::string& output_error() const { return output_error_; }
  // The same for the copy: it misses detections, so it must not be sent.
  bool copy_lost() const { return copy_lost_; }

 private:
  struct Input {
    std::string path;  // "-" for stdin
    uint64_t size = 0;
  };
  HuntRunOptions options_;
  std::vector<Input> inputs_;  // in path order
  std::vector<hunt::HuntError> walk_errors_;
  hunt::HuntTally tally_;
  bool output_lost_ = false;
  bool copy_lost_ = false;
  std::string output_error_;
  std::chrono::steady_clock::time_point started_;  // the walk counts in the run's seconds
};

}  // namespace l4s::ingest
