// What a hunt run adds up while detections stream past it: the counts of
// the summary and, when asked for, the indicators to share.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "hunt/detection.h"
#include "hunt/hunt_report.h"

namespace l4s::hunt {

struct HuntSummary {
  uint64_t attempts = 0;
  std::string first_seen;  // smallest ISO-8601 timestamp, "" if none
  std::string last_seen;
  std::vector<std::pair<std::string, uint64_t>> top_source_ips;      // by count, then value
  std::vector<std::pair<std::string, uint64_t>> top_callback_hosts;  // remote JNDI hosts
  std::vector<std::pair<std::string, uint64_t>> verdicts;            // verdict name -> count
};

// One indicator for sharing, aggregated over the detections naming it.
struct Ioc {
  std::string type;  // "url", "domain", "ipv4", "ipv6" (callbacks), "source-ip", "command"
  std::string value;
  int port = -1;     // callbacks: the port Log4j would connect to
  uint64_t count = 0;
  uint64_t reaching = 0;  // of those, the detections Log4j would act on (not "inert")
  std::string first_seen, last_seen;  // ISO-8601 UTC ("...Z") only, "" when unknown
};

// What the summary and the IOC exports need, gathered one detection at a
// time: a run keeps this, never its detections, so memory grows with the
// distinct sources and callback hosts, not with the attempts. Indicators
// are kept only when asked for: attackers often put a unique token in every
// callback URL, and one entry per distinct indicator (about 1 KiB) would
// otherwise grow with the attempts after all.
class HuntTally {
 public:
  explicit HuntTally(bool keep_iocs = true) : keep_iocs_(keep_iocs) {}
  void add(const Detection& d);
  void merge(const HuntTally& other);
  uint64_t attempts() const { return attempts_; }
  // The attempts Log4j would act on (every verdict but "inert").
  uint64_t effective_attempts() const { return effective_; }
  HuntSummary summary(size_t top = 10) const;
  // Callback URLs (remote JNDI names), their hosts, the sources and the
  // decoded commands, in a stable order (type, then value).
  std::vector<Ioc> iocs() const;

 private:
  bool keep_iocs_;
  uint64_t attempts_ = 0, effective_ = 0;
  std::string first_seen_, last_seen_;
  std::map<std::string, uint64_t> sources_, hosts_, verdicts_;
  std::map<std::tuple<std::string, std::string, int>, Ioc> iocs_;
};

HuntSummary summarize(const HuntReport& report, size_t top = 10);
std::vector<Ioc> collect_iocs(const HuntReport& r);

// The JNDI target a detection is reported by: the first remote one, else the
// first; nullptr when the line reaches no JNDI name (DoS only).
const JndiTarget* primary_target(const Detection& d);

}  // namespace l4s::hunt
