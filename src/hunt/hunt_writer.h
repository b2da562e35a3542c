// The sinks of a `hunt` run: text, json, jsonl and csv, for people and
// tools. Sinks only format; they decide nothing about detections.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "hunt/hunt_report.h"
#include "hunt/tally.h"

namespace l4s::hunt {

enum class HuntFormat { kText, kJson, kJsonl, kCsv };
bool parse_hunt_format(const std::string& name, HuntFormat* out);  // text|json|jsonl|csv

// Writes a run while it goes: Begin with the report's header fields, then
// the detections in order, then End with the rest (stats, errors, network
// events) and the tally. Format is const and thread-safe, so workers format
// their detections in parallel and hand over only bytes; Write takes the
// concatenation of Format's outputs, in order, cut into pieces anywhere.
class HuntWriter {
 public:
  HuntWriter(HuntFormat format, std::ostream& out, bool color = false)
      : format_(format), out_(out), color_(color) {}
  void begin(const HuntReport& head);
  std::string format(const Detection& d) const;
  void format_to(const Detection& d, std::string* out) const;  // appends what format returns
  void write(std::string_view formatted);
  void end(const HuntReport& tail, const HuntTally& tally);

 private:
  HuntFormat format_;
  std::ostream& out_;
  bool color_;
  bool wrote_detection_ = false;
};

// A whole report held in memory, through the same writer (text: one line per
// attempt, then errors and the summary).
void write_hunt(const HuntReport& r, HuntFormat format, std::ostream& out, bool color = false);

}  // namespace l4s::hunt
