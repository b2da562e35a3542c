// A whole `hunt` run and the sinks that format it: text, json, jsonl, csv
// for people and tools, and IOC exports (STIX 2.1, MISP CSV, plain CSV) for
// sharing. Sinks only format; they decide nothing about detections.
//
// The JSON detection object (also each jsonl "detection" line) is a stable
// schema read by other tools (`hunt --pcap`, the fleet store); see README.md.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "hunt/detection.h"

namespace l4s::hunt {

struct HuntError {
  std::string file;
  std::string reason;
};

struct HuntStats {
  uint64_t files = 0;
  uint64_t bytes_read = 0;  // from the files (compressed size for compressed logs)
  uint64_t bytes_text = 0;  // decompressed text searched
  uint64_t lines = 0;
  uint64_t errors = 0;
  double seconds = 0;
};

// What a capture shows beyond inbound attempts (`hunt --pcap`): JNDI
// callbacks leaving a host, payloads served to it, and incidents tying an
// attempt to its callback. Formatted by the capture library; sinks only
// place them.
struct NetworkEvent {
  std::string type;  // "callback", "payload_served", "incident"
  std::string file;  // the capture
  std::string text;  // one line for people
  std::string json;  // the object, serialised on one line (its "type" included)
};

struct HuntReport {
  std::string tool_version;
  std::string host;
  std::string started;  // ISO-8601 UTC
  std::string finished;
  std::vector<std::string> roots;
  HuntStats stats;
  std::vector<Detection> detections;  // sorted by file, then offset
  std::vector<HuntError> errors;      // sorted by file
  std::vector<NetworkEvent> network_events;  // captures only, in file then capture order
};

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
  void Add(const Detection& d);
  void Merge(const HuntTally& other);
  uint64_t attempts() const { return attempts_; }
  HuntSummary Summary(size_t top = 10) const;
  // Callback URLs (remote JNDI names), their hosts, the sources and the
  // decoded commands, in a stable order (type, then value).
  std::vector<Ioc> Iocs() const;

 private:
  bool keep_iocs_;
  uint64_t attempts_ = 0;
  std::string first_seen_, last_seen_;
  std::map<std::string, uint64_t> sources_, hosts_, verdicts_;
  std::map<std::tuple<std::string, std::string, int>, Ioc> iocs_;
};

HuntSummary Summarize(const HuntReport& report, size_t top = 10);
std::vector<Ioc> CollectIocs(const HuntReport& r);

// The JNDI target a detection is reported by: the first remote one, else the
// first; nullptr when the line reaches no JNDI name (DoS only).
const JndiTarget* PrimaryTarget(const Detection& d);

enum class HuntFormat { kText, kJson, kJsonl, kCsv };
bool ParseHuntFormat(const std::string& name, HuntFormat* out);  // text|json|jsonl|csv

// Writes a run while it goes: Begin with the report's header fields, then
// the detections in order, then End with the rest (stats, errors, network
// events) and the tally. Format is const and thread-safe, so workers format
// their detections in parallel and hand over only bytes; Write takes the
// concatenation of Format's outputs, in order, cut into pieces anywhere.
class HuntWriter {
 public:
  HuntWriter(HuntFormat format, std::ostream& out, bool color = false)
      : format_(format), out_(out), color_(color) {}
  void Begin(const HuntReport& head);
  std::string Format(const Detection& d) const;
  void Write(std::string_view formatted);
  void End(const HuntReport& tail, const HuntTally& tally);

 private:
  HuntFormat format_;
  std::ostream& out_;
  bool color_;
  bool wrote_detection_ = false;
};

// A whole report held in memory, through the same writer (text: one line per
// attempt, then errors and the summary).
void WriteHunt(const HuntReport& r, HuntFormat format, std::ostream& out, bool color = false);

enum class IocFormat { kStix, kMispCsv, kCsv };
bool ParseIocFormat(const std::string& name, IocFormat* out);  // stix|misp-csv|csv

// Writes indicators for sharing; `now` (ISO-8601 UTC) stamps the objects and
// dates what has no sighting time.
//   stix: a STIX 2.1 bundle: the producer identity, the CVE-2021-44228
//     vulnerability, one indicator per callback URL/domain/IP (related-to the
//     vulnerability) and a sighting of each. Ids are UUIDv5 of their content,
//     so a re-export of the same findings gives the same ids.
//   misp-csv: MISP attribute CSV (uuid,event_id,category,type,value,comment,to_ids,date,...).
//   csv: type,value,port,count,first_seen,last_seen
void WriteIocs(IocFormat format, const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out);

// RFC 4122 version-5 UUID of `name` in the log4shield namespace.
std::string Uuid5(const std::string& name);

}  // namespace l4s::hunt
