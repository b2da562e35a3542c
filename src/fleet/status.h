// What the fleet store says about the estate: the answers of `fleet status`
// and the content of `report`. Pure: a Fleet in, an Analysis out.
//
// A host's current state comes from replaying its scan and fix reports in
// time order: each finding replaces the previous one at the same location;
// a scan (or a fix run over paths) that covers a location's path under its
// roots but no longer lists it means the copy is gone. A location that goes
// from vulnerable to anything else is a fix, dated by the first report that
// shows it ("fix" when `log4shield fix` did it, "rescan" when a later scan
// saw it mitigated or upgraded, "removed" when it disappeared).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "fleet/model.h"
#include "report/scan_report.h"

namespace l4s::fleet {

struct HostState {
  std::string host;
  std::string first_scan, last_scan;  // "" when never scanned
  int64_t scans = 0;                  // scan and fix reports
  std::vector<Finding> current;       // current copies, by location
  std::vector<std::string> open_cves; // open CVEs of current copies
  Severity severity = Severity::kNone;
  bool exposed = false;               // a current copy is vulnerable (not mitigated)
  int64_t vulnerable = 0, mitigated = 0, safe = 0, fixed = 0;
  int64_t attempts = 0, attempts_reaching_jndi = 0;
  std::string first_attempt, last_attempt;
  std::vector<std::string> attack_sources;  // distinct source IPs
  int64_t confirmed_callbacks = 0;          // probe injections into this host that called back
};

struct FixEvent {
  std::string host, location, component, version;
  std::string fixed_at;  // time of the report that first showed it
  std::string how;       // "fix" | "rescan" | "removed"
  std::string now;       // status after: "mitigated" | "safe" | "removed"
};

struct Count {
  std::string key;
  int64_t n = 0;
};

struct Analysis {
  std::string generated, since;
  std::vector<HostState> hosts;                                    // by name
  std::map<std::string, std::vector<std::string>> exposed_by_cve;  // CVE -> hosts with it open
  std::map<std::string, int64_t> hosts_by_severity;                // severity name -> hosts (worst copy)
  std::vector<Count> exposed_by_version;                           // "component version" -> current vulnerable copies
  std::vector<FixEvent> fixed;                                     // by time
  std::vector<std::string> not_scanned_since;                      // hosts with no scan at or after `since`
  struct ProgressPoint {
    std::string day;
    int64_t scanned = 0, exposed = 0, vulnerable_copies = 0;
  };
  std::vector<ProgressPoint> progress;  // per day with a scan, state at the end of the day
  // Attacks (hunt detections at or after `since`).
  int64_t attempts = 0, attempts_reaching_jndi = 0;
  std::vector<Count> attempts_by_hour;  // "YYYY-MM-DDTHH" in time order
  std::vector<Count> top_sources, top_callback_hosts, decoded_commands;
  // Canary and probe confirmations.
  std::vector<CallbackRow> callbacks;  // at or after `since`
  std::vector<ProbeRow> confirmed_targets;
  int64_t reports = 0;
  int64_t hosts_exposed = 0;
};

// `since`: "" or an ISO-8601 date/time; `now` stamps the analysis.
Analysis analyze(const Fleet& fleet, const std::string& since, const std::string& now);

// A --since value: "" or YYYY-MM-DD[THH[:MM[:SS[.fff]]]][Z].
bool valid_since(const std::string& since);

void write_status_text(const Analysis& a, std::ostream& out);
void write_status_json(const Analysis& a, std::ostream& out);
// One host (`fleet serve`'s /api/v1/hosts/NAME): its state as in the status,
// every report about it, its newest `max_attempts` attempts and its uploads.
// False when the store knows no such host.
bool write_host_json(const Fleet& fleet, const Analysis& a, const std::string& host,
                     const std::vector<UploadRecord>& uploads, size_t max_attempts, std::ostream& out);
// One row per host, for spreadsheets.
void write_status_csv(const Analysis& a, std::ostream& out);

// The current state of each host as scan reports (for SARIF / CycloneDX).
std::vector<report::ScanReport> current_reports(const Fleet& fleet, const Analysis& a);

}  // namespace l4s::fleet
