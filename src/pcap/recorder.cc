// Stamping and keeping detections and events (see recorder.h).
#include "pcap/recorder.h"

#include <optional>

#include "hunt/prefilter.h"
#include "pcap/correlate.h"

namespace l4s::pcap {
namespace {

constexpr size_t kMaxLine = hunt::Detection::kMaxRaw;

}  // namespace

size_t Recorder::emit(EventKind kind, FlowEndpoints flow, std::string name, std::string detail, bool served,
                      bool fingerprint) {
  NetEvent e;
  e.kind = kind;
  e.time = now_;
  e.frame = frame_;
  e.flow = std::move(flow);
  e.name = std::move(name);
  e.detail = std::move(detail);
  e.served = served;
  e.jndi_fingerprint = fingerprint;
  if (is_context_event(kind)) {
    if (is_wanted(e)) {
      context_.push_back(std::move(e));
    } else {
      recent_.push_back(std::move(e));
      while (!recent_.empty() && (recent_.front().time < now_ - 2 * kCorrelationSlack || recent_.size() > 100000))
        recent_.pop_front();
    }
    return SIZE_MAX;
  }
  out_->events.push_back(std::move(e));
  return out_->events.size() - 1;
}

bool Recorder::is_wanted(const NetEvent& e) const {
  if (wanted_.empty()) return false;
  if (wanted_.count(host_key(e.flow.dst_ip))) return true;
  return !e.name.empty() && wanted_.count(host_key(e.name));
}

namespace {

// What the server hands the application: the request target and a form
// body percent-decoded (getParameter), a JSON body parsed, headers as sent.
std::vector<hunt::LogMessage> messages_of(std::string_view text, std::string_view field) {
  bool form = field == "body" && text.find('=') != std::string_view::npos &&
              text.find_first_of(" \t\"{") == std::string_view::npos;
  if (!form) return hunt::split_log_line(text);
  return {{std::string(text), "body",
           static_cast<hunt::LayerSet>(hunt::kRequestTargetLayers | hunt::layer_bit(hunt::Layer::kBasicAuth))}};
}

}  // namespace

void Recorder::examine(std::string_view text, const FlowEndpoints& flow, std::string_view field,
                       std::string_view header, const HttpRequestInfo* http) {
  if (text.size() > kMaxLine) text = text.substr(0, kMaxLine);
  if (!hunt::has_trigger(text)) return;
  std::optional<hunt::Detection> d = hunt::examine_messages(text, messages_of(text, field));
  if (!d) return;
  hunt::Detection& det = *d;
  det.file = capture_name_;
  det.line = frame_;
  det.timestamp = iso_time(now_);
  det.source_ip = flow.src_ip;
  hunt::NetworkContext net;
  net.protocol = flow.protocol;
  net.src_ip = flow.src_ip;
  net.src_port = flow.src_port;
  net.dst_ip = flow.dst_ip;
  net.dst_port = flow.dst_port;
  net.frame = frame_;
  net.time = now_;
  net.field = std::string(field);
  net.header = std::string(header);
  if (http) {
    net.http_method = http->method;
    net.http_uri = http->uri;
    net.http_host = http->host;
    net.http_user_agent = http->user_agent;
  }
  det.network = std::move(net);
  out_->detections.push_back(std::move(det));
  // A new callback host: the context events held back that contacted it are kept.
  size_t before = wanted_.size();
  for (const hunt::JndiTarget& t : out_->detections.back().jndi)
    if (t.remote && !t.host.empty()) wanted_.insert(host_key(t.host));
  if (wanted_.size() != before) {
    std::deque<NetEvent> rest;
    for (NetEvent& e : recent_) {
      if (e.time >= now_ - kCorrelationSlack && is_wanted(e)) context_.push_back(std::move(e));
      else rest.push_back(std::move(e));
    }
    recent_.swap(rest);
  }
}

void Recorder::examine_lines(std::string_view text, const FlowEndpoints& flow, std::string_view field,
                             const HttpRequestInfo* http) {
  if (!hunt::has_trigger(text)) return;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (size_t off = 0; off < line.size(); off += kMaxLine) examine(line.substr(off, kMaxLine), flow, field, "", http);
    pos = end + 1;
  }
}

void Recorder::finish() {
  for (NetEvent& e : context_) out_->events.push_back(std::move(e));
  context_.clear();
  recent_.clear();
}

}  // namespace l4s::pcap
