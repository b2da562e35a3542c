#include "pcap/report.h"

#include <nlohmann/json.hpp>

namespace l4s::pcap {
namespace {

using nlohmann::json;

json FlowJson(const FlowEndpoints& f) {
  return {{"protocol", f.protocol}, {"src_ip", f.src_ip}, {"src_port", f.src_port},
          {"dst_ip", f.dst_ip},     {"dst_port", f.dst_port}};
}

json DetectionJson(const CaptureResult& r, const NetDetection& nd) {
  const hunt::Detection& d = nd.detection;
  json j = {{"type", "detection"},
            {"source", "pcap"},
            {"file", d.file},
            {"frame", nd.frame},
            {"timestamp", d.timestamp},
            {"source_ip", d.source_ip},
            {"flow", FlowJson(nd.flow)},
            {"field", nd.field},
            {"raw", d.raw},
            {"resolved", d.resolved},
            {"verdict", hunt::VerdictName(d.verdict)},
            {"severity", hunt::SeverityName(d.severity)},
            {"techniques", d.techniques},
            {"exfiltrates", d.exfiltrates}};
  if (!nd.header.empty()) j["header"] = nd.header;
  if (!nd.http_method.empty() || !nd.http_uri.empty())
    j["http"] = {{"method", nd.http_method}, {"uri", nd.http_uri}, {"host", nd.http_host},
                 {"user_agent", nd.http_user_agent}};
  json layers = json::array();
  for (hunt::Layer l : d.layers) layers.push_back(hunt::LayerName(l));
  j["layers"] = layers;
  json jndi = json::array();
  for (const hunt::JndiTarget& t : d.jndi)
    jndi.push_back({{"name", t.name}, {"scheme", t.scheme}, {"host", t.host}, {"port", t.port}, {"path", t.path},
                    {"remote", t.remote}});
  j["jndi"] = jndi;
  if (!d.decoded_command.empty()) j["decoded_command"] = d.decoded_command;
  (void)r;
  return j;
}

json EventJson(const NetEvent& e) {
  return {{"type", e.served ? "payload_served" : IsContextEvent(e.kind) ? "context" : "callback"},
          {"kind", EventKindName(e.kind)},
          {"frame", e.frame},
          {"timestamp", IsoTime(e.time)},
          {"flow", FlowJson(e.flow)},
          {"name", e.name},
          {"detail", e.detail},
          {"served", e.served},
          {"jndi_fingerprint", e.jndi_fingerprint}};
}

json IncidentJson(const CaptureResult& r, const Incident& inc) {
  const NetDetection& nd = r.detections[inc.detection];
  return {{"type", "incident"},
          {"file", r.path},
          {"summary", inc.summary},
          {"callback", inc.callback},
          {"server_ip", inc.server_ip},
          {"attacker_ip", nd.flow.src_ip},
          {"same_host", inc.same_host},
          {"attempt", {{"frame", nd.frame}, {"timestamp", IsoTime(nd.time)}, {"field", nd.field}}},
          {"evidence", EventJson(r.events[inc.event])}};
}

std::string EventText(const NetEvent& e) {
  return std::string(EventKindName(e.kind)) + " frame " + std::to_string(e.frame) + " " + e.flow.src_ip + " -> " +
         e.flow.dst_ip + ":" + std::to_string(e.flow.dst_port) + (e.name.empty() ? "" : " \"" + e.name + "\"") +
         (e.detail.empty() ? "" : " (" + e.detail + ")") + (e.served ? " PAYLOAD SERVED" : "");
}

}  // namespace

void WriteCaptureJsonl(const CaptureResult& r, std::ostream& out) {
  auto line = [&](const json& j) { out << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n'; };
  for (const NetDetection& nd : r.detections) line(DetectionJson(r, nd));
  for (const NetEvent& e : r.events)
    if (!IsContextEvent(e.kind) || e.kind == EventKind::kJavaClassFetch) line(EventJson(e));
  for (const Incident& inc : r.incidents) line(IncidentJson(r, inc));
  for (const std::string& err : r.errors) line({{"type", "error"}, {"file", r.path}, {"reason", err}});
  const CaptureStats& s = r.stats;
  line({{"type", "summary"},
        {"file", r.path},
        {"link_type", r.link_type},
        {"frames", s.frames},
        {"bytes", s.bytes},
        {"truncated_frames", s.truncated_frames},
        {"malformed", s.malformed},
        {"tcp_flows", s.tcp_flows},
        {"udp_datagrams", s.udp_datagrams},
        {"tcp_gaps", s.gaps},
        {"detections", r.detections.size()},
        {"incidents", r.incidents.size()},
        {"errors", r.errors.size()}});
}

void AddToHuntReport(CaptureResult&& r, uint64_t file_size, hunt::HuntReport* report) {
  for (NetDetection& nd : r.detections) report->detections.push_back(std::move(nd.detection));
  AddContextToHuntReport(std::move(r), file_size, report);
}

void AddContextToHuntReport(CaptureResult&& r, uint64_t file_size, hunt::HuntReport* report) {
  auto dump = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  report->stats.files++;
  report->stats.bytes_read += file_size;
  report->stats.bytes_text += r.stats.bytes;
  for (const NetEvent& e : r.events) {
    if (IsContextEvent(e.kind)) continue;
    json j = EventJson(e);
    j["file"] = r.path;
    report->network_events.push_back({j["type"].get<std::string>(), r.path, EventText(e), dump(j)});
  }
  for (const Incident& inc : r.incidents)
    report->network_events.push_back({"incident", r.path, inc.summary + " [" + inc.callback + "]", dump(IncidentJson(r, inc))});
  for (std::string& e : r.errors) report->errors.push_back({r.path, std::move(e)});
}

void WriteCaptureText(const CaptureResult& r, std::ostream& out) {
  for (const Incident& inc : r.incidents) out << r.path << ": INCIDENT: " << inc.summary << " [" << inc.callback << "]\n";
  for (const NetDetection& nd : r.detections) {
    out << r.path << ": frame " << nd.frame << " " << nd.flow.src_ip << ":" << nd.flow.src_port << " -> "
        << nd.flow.dst_ip << ":" << nd.flow.dst_port << " " << nd.field << (nd.header.empty() ? "" : " " + nd.header)
        << ": " << hunt::VerdictName(nd.detection.verdict);
    for (const hunt::JndiTarget& t : nd.detection.jndi) out << " " << t.name;
    out << "\n";
  }
  for (const NetEvent& e : r.events) {
    if (IsContextEvent(e.kind)) continue;
    out << r.path << ": frame " << e.frame << " " << EventKindName(e.kind) << " " << e.flow.src_ip << " -> "
        << e.flow.dst_ip << ":" << e.flow.dst_port << (e.name.empty() ? "" : " \"" + e.name + "\"")
        << (e.detail.empty() ? "" : " (" + e.detail + ")") << (e.served ? " PAYLOAD SERVED" : "") << "\n";
  }
  for (const std::string& err : r.errors) out << r.path << ": error: " << err << "\n";
}

}  // namespace l4s::pcap
