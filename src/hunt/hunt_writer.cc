#include "hunt/hunt_writer.h"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/json_writer.h"

namespace l4s::hunt {
namespace {

using nlohmann::ordered_json;

std::string dump(const ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json or_null(const std::string& s) { return s.empty() ? ordered_json(nullptr) : ordered_json(s); }

void write_target(JsonWriter& w, const JndiTarget& t) {
  w.begin_object();
  w.key("name").string(t.name).key("scheme").string(t.scheme).key("host").string_or_null(t.host).key("port");
  if (t.port < 0) w.null();
  else w.integer(t.port);
  w.key("path").string(t.path).key("remote").boolean(t.remote).key("passes_2_15").boolean(t.passes_2_15);
  w.key("allowlist_trick").boolean(t.allowlist_trick).end_object();
}

// The detection object's members (the caller opens and closes the object).
void write_detection_members(JsonWriter& w, const Detection& d) {
  w.key("file").string(d.file).key("line").uint(d.line).key("offset").uint(d.offset);
  w.key("timestamp").string_or_null(d.timestamp).key("timestamp_raw").string_or_null(d.timestamp_raw);
  w.key("source_ip").string_or_null(d.source_ip).key("forwarded_for").string_or_null(d.forwarded_for);
  w.key("raw").string(d.raw).key("field").string_or_null(d.field).key("layers").begin_array();
  for (Layer l : d.layers) w.string(layer_name(l));
  w.end_array().key("resolved").string(d.resolved).key("jndi");
  if (const JndiTarget* primary = primary_target(d)) write_target(w, *primary);
  else w.null();
  w.key("jndi_targets").begin_array();
  for (const JndiTarget& t : d.jndi) write_target(w, t);
  w.end_array().key("techniques").Strings(d.techniques).key("exfiltrates").Strings(d.exfiltrates);
  w.key("decoded_command").string_or_null(d.decoded_command).key("verdict").string(verdict_name(d.verdict));
  w.key("severity").string(severity_name(d.severity));
  if (d.network) {
    const NetworkContext& n = *d.network;
    w.key("network").begin_object().key("protocol").string(n.protocol).key("src_ip").string(n.src_ip);
    w.key("src_port").uint(n.src_port).key("dst_ip").string(n.dst_ip).key("dst_port").uint(n.dst_port);
    w.key("frame").uint(n.frame).key("field").string(n.field).key("header").string_or_null(n.header);
    if (!n.http_method.empty() || !n.http_uri.empty()) {
      w.key("http").begin_object().key("method").string(n.http_method).key("uri").string(n.http_uri);
      w.key("host").string_or_null(n.http_host).key("user_agent").string_or_null(n.http_user_agent).end_object();
    }
    w.end_object();
  }
}

// The jsonl detection line without a JsonWriter: the members are fixed, so
// their keys and separators are literals, appended as they are. Byte for byte
// what write_detection_members prints compactly (hunt_writer_test checks it).
class CompactDetection {
 public:
  explicit CompactDetection(std::string* out) : out_(out) {}

  void write(const Detection& d) {
    lit("{\"type\":\"detection\",\"file\":");
    str(d.file);
    lit(",\"line\":");
    num(d.line);
    lit(",\"offset\":");
    num(d.offset);
    lit(",\"timestamp\":");
    str_or_null(d.timestamp);
    lit(",\"timestamp_raw\":");
    str_or_null(d.timestamp_raw);
    lit(",\"source_ip\":");
    str_or_null(d.source_ip);
    lit(",\"forwarded_for\":");
    str_or_null(d.forwarded_for);
    lit(",\"raw\":");
    str(d.raw);
    lit(",\"field\":");
    str_or_null(d.field);
    lit(",\"layers\":[");
    for (size_t i = 0; i < d.layers.size(); ++i) {
      if (i > 0) out_->push_back(',');
      str(layer_name(d.layers[i]));
    }
    lit("],\"resolved\":");
    str(d.resolved);
    lit(",\"jndi\":");
    if (const JndiTarget* primary = primary_target(d)) target(*primary);
    else lit("null");
    lit(",\"jndi_targets\":[");
    for (size_t i = 0; i < d.jndi.size(); ++i) {
      if (i > 0) out_->push_back(',');
      target(d.jndi[i]);
    }
    lit("],\"techniques\":");
    strings(d.techniques);
    lit(",\"exfiltrates\":");
    strings(d.exfiltrates);
    lit(",\"decoded_command\":");
    str_or_null(d.decoded_command);
    lit(",\"verdict\":");
    str(verdict_name(d.verdict));
    lit(",\"severity\":");
    str(severity_name(d.severity));
    if (d.network) {
      const NetworkContext& n = *d.network;
      lit(",\"network\":{\"protocol\":");
      str(n.protocol);
      lit(",\"src_ip\":");
      str(n.src_ip);
      lit(",\"src_port\":");
      num(n.src_port);
      lit(",\"dst_ip\":");
      str(n.dst_ip);
      lit(",\"dst_port\":");
      num(n.dst_port);
      lit(",\"frame\":");
      num(n.frame);
      lit(",\"field\":");
      str(n.field);
      lit(",\"header\":");
      str_or_null(n.header);
      if (!n.http_method.empty() || !n.http_uri.empty()) {
        lit(",\"http\":{\"method\":");
        str(n.http_method);
        lit(",\"uri\":");
        str(n.http_uri);
        lit(",\"host\":");
        str_or_null(n.http_host);
        lit(",\"user_agent\":");
        str_or_null(n.http_user_agent);
        out_->push_back('}');
      }
      out_->push_back('}');
    }
    lit("}\n");
  }

 private:
  void lit(std::string_view s) { out_->append(s); }
  void str(std::string_view s) { append_json_string(out_, s); }
  void str_or_null(std::string_view s) {
    if (s.empty()) lit("null");
    else str(s);
  }
  void num(int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_->append(buf, end);
  }
  void num(uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_->append(buf, end);
  }
  void num(uint16_t v) { num(static_cast<uint64_t>(v)); }
  void strings(const std::vector<std::string>& values) {
    out_->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_->push_back(',');
      str(values[i]);
    }
    out_->push_back(']');
  }
  void target(const JndiTarget& t) {
    lit("{\"name\":");
    str(t.name);
    lit(",\"scheme\":");
    str(t.scheme);
    lit(",\"host\":");
    str_or_null(t.host);
    lit(",\"port\":");
    if (t.port < 0) lit("null");
    else num(static_cast<int64_t>(t.port));
    lit(",\"path\":");
    str(t.path);
    lit(t.remote ? ",\"remote\":true" : ",\"remote\":false");
    lit(t.passes_2_15 ? ",\"passes_2_15\":true" : ",\"passes_2_15\":false");
    lit(t.allowlist_trick ? ",\"allowlist_trick\":true}" : ",\"allowlist_trick\":false}");
  }

  std::string* out_;
};

// `value` printed as the member `key` of an object indented by 2 at depth 1.
void append_member(std::string* out, const char* key, const ordered_json& value) {
  *out += ",\n  \"";
  *out += key;
  *out += "\": ";
  std::string v = dump(value, 2);
  for (char c : v) {
    *out += c;
    if (c == '\n') *out += "  ";
  }
}

ordered_json tool_json(const HuntReport& r) { return {{"name", "log4shield"}, {"version", r.tool_version}}; }

ordered_json stats_json(const HuntStats& s) {
  return {{"files", s.files}, {"bytes_read", s.bytes_read}, {"bytes_text", s.bytes_text},
          {"lines", s.lines}, {"errors", s.errors},         {"seconds", s.seconds}};
}

ordered_json counts_json(const std::vector<std::pair<std::string, uint64_t>>& v, const char* key) {
  ordered_json a = ordered_json::array();
  for (const auto& [value, count] : v) a.push_back({{key, value}, {"count", count}});
  return a;
}

ordered_json summary_json(const HuntSummary& s) {
  ordered_json verdicts = ordered_json::object();
  for (const auto& [name, count] : s.verdicts) verdicts[name] = count;
  return {{"attempts", s.attempts},
          {"first_seen", or_null(s.first_seen)},
          {"last_seen", or_null(s.last_seen)},
          {"top_source_ips", counts_json(s.top_source_ips, "ip")},
          {"top_callback_hosts", counts_json(s.top_callback_hosts, "host")},
          {"verdicts", verdicts}};
}

std::string join(const std::vector<std::string>& v, char sep = ';') {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Printable form of a log line for the terminal: control bytes escaped.
std::string printable(std::string_view s, size_t max) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string paint(const std::string& s, const char* code, bool color) {
  return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
}

}  // namespace

bool parse_hunt_format(const std::string& name, HuntFormat* out) {
  if (name == "text") *out = HuntFormat::kText;
  else if (name == "json") *out = HuntFormat::kJson;
  else if (name == "jsonl") *out = HuntFormat::kJsonl;
  else if (name == "csv") *out = HuntFormat::kCsv;
  else return false;
  return true;
}

void HuntWriter::begin(const HuntReport& r) {
  switch (format_) {
    case HuntFormat::kJson: {
      // Members come in the order they are known: the detections stream
      // out before the stats and summary exist.
      std::string head = "{";
      append_member(&head, "tool", tool_json(r));
      head.erase(1, 1);  // no comma before the first member
      append_member(&head, "host", r.host);
      append_member(&head, "started", r.started);
      append_member(&head, "roots", r.roots);
      head += ",\n  \"detections\": [";
      out_ << head;
      break;
    }
    case HuntFormat::kCsv:
      out_ << "file,line,offset,timestamp,source_ip,forwarded_for,verdict,severity,jndi_name,scheme,host,port,path,"
              "decoded_command,exfiltrates,techniques,layers,raw\n";
      break;
    case HuntFormat::kJsonl:
    case HuntFormat::kText: break;
  }
}

std::string HuntWriter::format(const Detection& d) const {
  std::string out;
  format_to(d, &out);
  return out;
}

void HuntWriter::format_to(const Detection& d, std::string* to) const {
  if (format_ == HuntFormat::kJsonl) {  // the hot path: straight into the caller's buffer
    CompactDetection(to).write(d);
    return;
  }
  std::string out;
  out.reserve(1024 + d.file.size() + 2 * (d.raw.size() + d.resolved.size()));
  switch (format_) {
    case HuntFormat::kJson: {
      out = ",\n    ";  // Write drops the first comma
      JsonWriter w(&out, 2, 2);
      w.begin_object();
      write_detection_members(w, d);
      w.end_object();
      break;
    }
    case HuntFormat::kJsonl: break;  // above
    case HuntFormat::kCsv: {
      const JndiTarget* t = primary_target(d);
      std::vector<std::string> layers;
      for (Layer l : d.layers) layers.emplace_back(layer_name(l));
      std::string raw = printable(d.raw, Detection::kMaxRaw);
      out = csv_field(d.file) + ',' + std::to_string(d.line) + ',' + std::to_string(d.offset) + ',' +
            csv_field(d.timestamp) + ',' + csv_field(d.source_ip) + ',' + csv_field(d.forwarded_for) + ',' +
            std::string(verdict_name(d.verdict)) + ',' + std::string(severity_name(d.severity)) + ',' +
            csv_field(t ? t->name : "") + ',' + csv_field(t ? t->scheme : "") + ',' + csv_field(t ? t->host : "") +
            ',' + (t && t->port >= 0 ? std::to_string(t->port) : "") + ',' + csv_field(t ? t->path : "") + ',' +
            csv_field(d.decoded_command) + ',' + csv_field(join(d.exfiltrates)) + ',' + csv_field(join(d.techniques)) +
            ',' + csv_field(join(layers)) + ',' + csv_field(raw) + "\n";
      break;
    }
    case HuntFormat::kText: {
      const JndiTarget* t = primary_target(d);
      const char* code = d.severity == Severity::kCritical ? "1;31" : d.severity == Severity::kHigh ? "31" : "33";
      if (d.network) {
        const NetworkContext& n = *d.network;
        out = d.file + " frame " + std::to_string(n.frame) + " " + n.src_ip + ":" + std::to_string(n.src_port) +
              " -> " + n.dst_ip + ":" + std::to_string(n.dst_port) + " " + n.field +
              (n.header.empty() ? "" : " " + printable(n.header, 64)) + ": ";
      } else {
        out = d.file + ":" + std::to_string(d.line) + ": ";
      }
      out += paint(std::string(severity_name(d.severity)), code, color_) + " " + std::string(verdict_name(d.verdict)) +
             " " + (t ? printable(t->name, 200) : "-");
      if (!d.timestamp.empty()) out += " at " + d.timestamp;
      if (!d.source_ip.empty()) out += " from " + d.source_ip;
      if (!d.forwarded_for.empty()) out += " (X-Forwarded-For " + d.forwarded_for + ")";
      if (!d.decoded_command.empty()) out += " command: " + printable(d.decoded_command, 200);
      out += "\n";
      break;
    }
  }
  to->append(out);
}

void HuntWriter::write(std::string_view formatted) {
  if (formatted.empty()) return;
  if (format_ == HuntFormat::kJson && !wrote_detection_) formatted.remove_prefix(1);  // the first comma
  wrote_detection_ = true;
  out_ << formatted;
}

void HuntWriter::end(const HuntReport& r, const HuntTally& tally) {
  HuntSummary s = tally.summary();
  switch (format_) {
    case HuntFormat::kJson: {
      std::string tail = wrote_detection_ ? "\n  ]" : "]";
      ordered_json errors = ordered_json::array();
      for (const HuntError& e : r.errors) errors.push_back({{"file", e.file}, {"reason", e.reason}});
      append_member(&tail, "errors", errors);
      if (!r.network_events.empty()) {
        ordered_json events = ordered_json::array();
        for (const NetworkEvent& e : r.network_events) events.push_back(ordered_json::parse(e.json, nullptr, false));
        append_member(&tail, "network_events", events);
      }
      append_member(&tail, "finished", r.finished);
      append_member(&tail, "stats", stats_json(r.stats));
      append_member(&tail, "summary", summary_json(s));
      out_ << tail << "\n}\n";
      break;
    }
    case HuntFormat::kJsonl: {
      for (const NetworkEvent& e : r.network_events) out_ << e.json << "\n";
      for (const HuntError& e : r.errors)
        out_ << dump(ordered_json{{"type", "error"}, {"file", e.file}, {"reason", e.reason}}) << "\n";
      ordered_json j{{"type", "summary"},      {"tool", tool_json(r)},    {"host", r.host},
                     {"started", r.started},   {"finished", r.finished}, {"roots", r.roots},
                     {"stats", stats_json(r.stats)}};
      j.update(summary_json(s));
      out_ << dump(j) << "\n";
      break;
    }
    case HuntFormat::kCsv: break;
    case HuntFormat::kText: {
      for (const NetworkEvent& e : r.network_events)
        out_ << e.file << ": " << (e.type == "incident" ? paint("INCIDENT", "1;31", color_) : e.type) << ": " << e.text
             << "\n";
      for (const HuntError& e : r.errors) out_ << paint("error", "35", color_) << ": " << e.file << ": " << e.reason << "\n";
      out_ << "\n" << s.attempts << " attempt(s) in " << r.stats.files << " file(s), " << r.stats.lines << " lines, "
           << r.stats.bytes_text << " bytes of text; " << r.errors.size() << " error(s)\n";
      if (!s.first_seen.empty()) out_ << "first seen: " << s.first_seen << "\nlast seen:  " << s.last_seen << "\n";
      auto list = [&](const char* title, const auto& v) {
        if (v.empty()) return;
        out_ << title << ":";
        for (const auto& [value, count] : v) out_ << " " << value << " (" << count << ")";
        out_ << "\n";
      };
      list("top source IPs", s.top_source_ips);
      list("top callback hosts", s.top_callback_hosts);
      list("verdicts", s.verdicts);
      break;
    }
  }
}

void write_hunt(const HuntReport& r, HuntFormat format, std::ostream& out, bool color) {
  HuntWriter w(format, out, color);
  w.begin(r);
  for (const Detection& d : r.detections) w.write(w.format(d));
  HuntTally tally;
  for (const Detection& d : r.detections) tally.add(d);
  w.end(r, tally);
}

}  // namespace l4s::hunt
