#include "pcap/report.h"

#include <nlohmann/json.hpp>

namespace l4s::pcap {
namespace {

using nlohmann::json;

json flow_json(const FlowEndpoints& f) {
  return {{"protocol", f.protocol}, {"src_ip", f.src_ip}, {"src_port", f.src_port},
          {"dst_ip", f.dst_ip},     {"dst_port", f.dst_port}};
}

json event_json(const NetEvent& e) {
  return {{"type", e.served ? "payload_served" : is_context_event(e.kind) ? "context" : "callback"},
          {"kind", event_kind_name(e.kind)},
          {"frame", e.frame},
          {"timestamp", iso_time(e.time)},
          {"flow", flow_json(e.flow)},
          {"name", e.name},
          {"detail", e.detail},
          {"served", e.served},
          {"jndi_fingerprint", e.jndi_fingerprint}};
}

json incident_json(const CaptureResult& r, const Incident& inc) {
  const hunt::NetworkContext& nd = *r.detections[inc.detection].network;
  return {{"type", "incident"},
          {"file", r.path},
          {"summary", inc.summary},
          {"callback", inc.callback},
          {"server_ip", inc.server_ip},
          {"attacker_ip", nd.src_ip},
          {"same_host", inc.same_host},
          {"attempt", {{"frame", nd.frame}, {"timestamp", iso_time(nd.time)}, {"field", nd.field}}},
          {"evidence", event_json(r.events[inc.event])}};
}

std::string event_text(const NetEvent& e) {
  return std::string(event_kind_name(e.kind)) + " frame " + std::to_string(e.frame) + " " + e.flow.src_ip + " -> " +
         e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port) + (e.name.empty() ? "" : " \"" + e.name + "\"") +
         (e.detail.empty() ? "" : " (" + e.detail + ")") + (e.served ? " PAYLOAD SERVED" : "");
}

}  // namespace

void add_context_to_hunt_report(const CaptureResult& r, uint64_t file_size, hunt::HuntReport* report) {
  auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  report->stats.files++;
  report->stats.bytes_read += file_size;
  report->stats.bytes_text += r.stats.bytes;
  for (const NetEvent& e : r.events) {
    if (is_context_event(e.kind)) continue;
    json j = event_json(e);
    j["file"] = r.path;
    report->network_events.push_back({j["type"].get<std::string>(), r.path, event_text(e), dump(j)});
  }
  for (const Incident& inc : r.incidents)
    report->network_events.push_back({"incident", r.path, inc.summary + " [" + inc.callback + "]", dump(incident_json(r, inc))});
  for (const std::string& e : r.errors) report->errors.push_back({r.path, e});
}

void add_to_hunt_report(CaptureResult&& r, uint64_t file_size, hunt::HuntReport* report) {
  add_context_to_hunt_report(r, file_size, report);
  for (hunt::Detection& d : r.detections) report->detections.push_back(std::move(d));
}

}  // namespace l4s::pcap
