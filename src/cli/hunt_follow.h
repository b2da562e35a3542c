// `log4shield hunt --follow`: the flags of live hunting, and the run that
// wires the follower, the syslog listeners and the outputs together.
#pragma once

#include <string>
#include <vector>

#include "cli/upload_flags.h"

namespace l4s::cli {

struct FollowFlags {
  bool follow = false;
  std::string state = "/var/lib/log4shield/follow-state.json";
  bool no_state = false;
  bool from_start = false;
  bool no_inotify = false;
  double poll_interval = 1.0;
  std::vector<std::string> listen_syslog;
  std::vector<std::string> syslog_out;
  double upload_interval = 10;  // seconds between batches sent to fleet serve
};

// Runs until SIGINT or SIGTERM; returns the exit code. With `upload`
// enabled, the detections written to `output` (a file) also go to fleet
// serve in batches; `host_name` overrides this machine's name.
int run_follow(const std::vector<std::string>& paths, const std::string& output, const FollowFlags& flags,
               const UploadFlags& upload, const std::string& host_name);

}  // namespace l4s::cli
