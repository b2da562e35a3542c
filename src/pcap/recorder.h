// Where the protocol parsers put what they find: detections (text Log4j
// would evaluate, examined with hunt's evaluator) and events (callbacks,
// served payloads, context), stamped with the current frame and time.
//
// Context events (connections, DNS queries, ClientHellos) are only worth
// keeping as contacts with a callback some attempt named, and a capture can
// hold millions of them: the recorder keeps those towards a callback host
// named so far and holds the others back for the clock slack, in case the
// attempt naming them comes a moment later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "pcap/analyzer.h"

namespace l4s::pcap {

// The HTTP request a detection came in (its network context).
struct HttpRequestInfo {
  std::string method, uri, host, user_agent;
};

class Recorder {
 public:
  // Detections and events go to `out` (which must outlive the recorder).
  Recorder(std::string capture_name, CaptureResult* out) : capture_name_(std::move(capture_name)), out_(out) {}

  // The frame being read: what follows is stamped with it.
  void next_frame(double time) {
    now_ = time;
    ++frame_;
  }
  double now() const { return now_; }

  // Records an event; returns its index in out->events, or SIZE_MAX for a
  // context event (kept aside until finish()).
  size_t emit(EventKind kind, FlowEndpoints flow, std::string name, std::string detail, bool served, bool fingerprint);
  // An event recorded earlier (to complete it), or nullptr.
  NetEvent* event(size_t index) { return index < out_->events.size() ? &out_->events[index] : nullptr; }

  // Examines one line-sized piece of text; records a detection when Log4j
  // would reach JNDI (or recurse) on it.
  void examine(std::string_view text, const FlowEndpoints& flow, std::string_view field, std::string_view header,
               const HttpRequestInfo* http);
  // Examines text holding several lines (bodies, raw payloads) line by line.
  void examine_lines(std::string_view text, const FlowEndpoints& flow, std::string_view field,
                     const HttpRequestInfo* http);

  // Appends the context events kept to out->events (unsorted).
  void finish();

 private:
  bool is_wanted(const NetEvent& e) const;

  std::string capture_name_;
  CaptureResult* out_;
  double now_ = 0;
  uint64_t frame_ = 0;
  std::vector<NetEvent> context_;          // towards a wanted host or name
  std::deque<NetEvent> recent_;            // the others, for the clock slack
  std::unordered_set<std::string> wanted_; // host_key of every remote callback host named so far
};

}  // namespace l4s::pcap
