#include "hunt/hunt_report.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/json_writer.h"
#include "hunt/log_fields.h"

namespace l4s::hunt {
namespace {

using nlohmann::ordered_json;

std::string Dump(const ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json OrNull(const std::string& s) { return s.empty() ? ordered_json(nullptr) : ordered_json(s); }

void WriteTarget(core::JsonWriter& w, const JndiTarget& t) {
  w.BeginObject();
  w.Key("name").String(t.name).Key("scheme").String(t.scheme).Key("host").StringOrNull(t.host).Key("port");
  if (t.port < 0) w.Null();
  else w.Int(t.port);
  w.Key("path").String(t.path).Key("remote").Bool(t.remote).Key("passes_2_15").Bool(t.passes_2_15);
  w.Key("allowlist_trick").Bool(t.allowlist_trick).EndObject();
}

// The detection object's members (the caller opens and closes the object).
void WriteDetectionMembers(core::JsonWriter& w, const Detection& d) {
  w.Key("file").String(d.file).Key("line").Uint(d.line).Key("offset").Uint(d.offset);
  w.Key("timestamp").StringOrNull(d.timestamp).Key("timestamp_raw").StringOrNull(d.timestamp_raw);
  w.Key("source_ip").StringOrNull(d.source_ip).Key("forwarded_for").StringOrNull(d.forwarded_for);
  w.Key("raw").String(d.raw).Key("layers").BeginArray();
  for (Layer l : d.layers) w.String(LayerName(l));
  w.EndArray().Key("resolved").String(d.resolved).Key("jndi");
  if (const JndiTarget* primary = PrimaryTarget(d)) WriteTarget(w, *primary);
  else w.Null();
  w.Key("jndi_targets").BeginArray();
  for (const JndiTarget& t : d.jndi) WriteTarget(w, t);
  w.EndArray().Key("techniques").Strings(d.techniques).Key("exfiltrates").Strings(d.exfiltrates);
  w.Key("decoded_command").StringOrNull(d.decoded_command).Key("verdict").String(VerdictName(d.verdict));
  w.Key("severity").String(SeverityName(d.severity));
  if (d.network) {
    const NetworkContext& n = *d.network;
    w.Key("network").BeginObject().Key("protocol").String(n.protocol).Key("src_ip").String(n.src_ip);
    w.Key("src_port").Uint(n.src_port).Key("dst_ip").String(n.dst_ip).Key("dst_port").Uint(n.dst_port);
    w.Key("frame").Uint(n.frame).Key("field").String(n.field).Key("header").StringOrNull(n.header);
    if (!n.http_method.empty() || !n.http_uri.empty()) {
      w.Key("http").BeginObject().Key("method").String(n.http_method).Key("uri").String(n.http_uri);
      w.Key("host").StringOrNull(n.http_host).Key("user_agent").StringOrNull(n.http_user_agent).EndObject();
    }
    w.EndObject();
  }
}

// `value` printed as the member `key` of an object indented by 2 at depth 1.
void AppendMember(std::string* out, const char* key, const ordered_json& value) {
  *out += ",\n  \"";
  *out += key;
  *out += "\": ";
  std::string v = Dump(value, 2);
  for (char c : v) {
    *out += c;
    if (c == '\n') *out += "  ";
  }
}

ordered_json ToolJson(const HuntReport& r) { return {{"name", "log4shield"}, {"version", r.tool_version}}; }

ordered_json StatsJson(const HuntStats& s) {
  return {{"files", s.files}, {"bytes_read", s.bytes_read}, {"bytes_text", s.bytes_text},
          {"lines", s.lines}, {"errors", s.errors},         {"seconds", s.seconds}};
}

ordered_json CountsJson(const std::vector<std::pair<std::string, uint64_t>>& v, const char* key) {
  ordered_json a = ordered_json::array();
  for (const auto& [value, count] : v) a.push_back({{key, value}, {"count", count}});
  return a;
}

ordered_json SummaryJson(const HuntSummary& s) {
  ordered_json verdicts = ordered_json::object();
  for (const auto& [name, count] : s.verdicts) verdicts[name] = count;
  return {{"attempts", s.attempts},
          {"first_seen", OrNull(s.first_seen)},
          {"last_seen", OrNull(s.last_seen)},
          {"top_source_ips", CountsJson(s.top_source_ips, "ip")},
          {"top_callback_hosts", CountsJson(s.top_callback_hosts, "host")},
          {"verdicts", verdicts}};
}

std::vector<std::pair<std::string, uint64_t>> Top(const std::map<std::string, uint64_t>& counts, size_t n) {
  std::vector<std::pair<std::string, uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

// One CSV rule for the whole tool (quoting and the formula guard): core/csv.h.
std::string CsvField(std::string_view s) { return core::csv_field(s); }

std::string Join(const std::vector<std::string>& v, char sep = ';') {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Printable form of a log line for the terminal: control bytes escaped.
std::string Printable(std::string_view s, size_t max) {
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

std::string Paint(const std::string& s, const char* code, bool color) {
  return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
}

bool IsUtc(const std::string& ts) { return IsIsoTimestamp(ts) && ts.back() == 'Z'; }

void Widen(const std::string& ts, std::string* first, std::string* last) {
  if (ts.empty()) return;
  if (first->empty() || ts < *first) *first = ts;
  if (last->empty() || ts > *last) *last = ts;
}

// STIX pattern string literal: ' and \ escaped.
std::string StixString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string CompactDate(const std::string& iso) {  // "2021-12-10T..." -> "20211210"
  if (!IsIsoTimestamp(iso)) return "";
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

}  // namespace

const JndiTarget* PrimaryTarget(const Detection& d) {
  for (const JndiTarget& t : d.jndi)
    if (t.remote) return &t;
  return d.jndi.empty() ? nullptr : &d.jndi.front();
}

void HuntTally::Add(const Detection& d) {
  ++attempts_;
  if (!d.source_ip.empty()) ++sources_[d.source_ip];
  std::set<std::string> hosts;
  for (const JndiTarget& t : d.jndi)
    if (t.remote && !t.host.empty() && hosts.insert(t.host).second) ++hosts_[t.host];
  ++verdicts_[std::string(VerdictName(d.verdict))];
  if (IsIsoTimestamp(d.timestamp)) Widen(d.timestamp, &first_seen_, &last_seen_);
  if (!keep_iocs_) return;

  std::set<std::tuple<std::string, std::string, int>> once;  // count a detection once per IOC
  auto add = [&](const std::string& type, const std::string& value, int port) {
    if (!once.insert({type, value, port}).second) return;
    Ioc& ioc = iocs_[{type, value, port}];
    ioc.type = type;
    ioc.value = value;
    ioc.port = port;
    ++ioc.count;
    if (IsUtc(d.timestamp)) Widen(d.timestamp, &ioc.first_seen, &ioc.last_seen);
  };
  for (const JndiTarget& t : d.jndi) {
    if (!t.remote || t.host.empty()) continue;
    add("url", t.name, t.port);
    std::string host = t.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string type = !IsIpAddress(host) ? "domain" : host.find(':') != std::string::npos ? "ipv6" : "ipv4";
    add(type, host, type == "domain" ? -1 : t.port);
  }
  if (!d.source_ip.empty()) add("source-ip", d.source_ip, -1);
  if (!d.decoded_command.empty()) add("command", d.decoded_command, -1);
}

void HuntTally::Merge(const HuntTally& other) {
  attempts_ += other.attempts_;
  Widen(other.first_seen_, &first_seen_, &last_seen_);
  Widen(other.last_seen_, &first_seen_, &last_seen_);
  for (const auto& [k, n] : other.sources_) sources_[k] += n;
  for (const auto& [k, n] : other.hosts_) hosts_[k] += n;
  for (const auto& [k, n] : other.verdicts_) verdicts_[k] += n;
  for (const auto& [key, ioc] : other.iocs_) {
    Ioc& mine = iocs_[key];
    mine.type = ioc.type;
    mine.value = ioc.value;
    mine.port = ioc.port;
    mine.count += ioc.count;
    Widen(ioc.first_seen, &mine.first_seen, &mine.last_seen);
    Widen(ioc.last_seen, &mine.first_seen, &mine.last_seen);
  }
}

HuntSummary HuntTally::Summary(size_t top) const {
  HuntSummary s;
  s.attempts = attempts_;
  s.first_seen = first_seen_;
  s.last_seen = last_seen_;
  s.top_source_ips = Top(sources_, top);
  s.top_callback_hosts = Top(hosts_, top);
  s.verdicts.assign(verdicts_.begin(), verdicts_.end());
  return s;
}

std::vector<Ioc> HuntTally::Iocs() const {
  std::vector<Ioc> out;
  for (const auto& [key, ioc] : iocs_) out.push_back(ioc);
  return out;
}

namespace {
HuntTally TallyOf(const HuntReport& r) {
  HuntTally t;
  for (const Detection& d : r.detections) t.Add(d);
  return t;
}
}  // namespace

HuntSummary Summarize(const HuntReport& r, size_t top) { return TallyOf(r).Summary(top); }

std::vector<Ioc> CollectIocs(const HuntReport& r) { return TallyOf(r).Iocs(); }

bool ParseHuntFormat(const std::string& name, HuntFormat* out) {
  if (name == "text") *out = HuntFormat::kText;
  else if (name == "json") *out = HuntFormat::kJson;
  else if (name == "jsonl") *out = HuntFormat::kJsonl;
  else if (name == "csv") *out = HuntFormat::kCsv;
  else return false;
  return true;
}

bool ParseIocFormat(const std::string& name, IocFormat* out) {
  if (name == "stix") *out = IocFormat::kStix;
  else if (name == "misp-csv") *out = IocFormat::kMispCsv;
  else if (name == "csv") *out = IocFormat::kCsv;
  else return false;
  return true;
}

void HuntWriter::Begin(const HuntReport& r) {
  switch (format_) {
    case HuntFormat::kJson: {
      // Members come in the order they are known: the detections stream
      // out before the stats and summary exist.
      std::string head = "{";
      AppendMember(&head, "tool", ToolJson(r));
      head.erase(1, 1);  // no comma before the first member
      AppendMember(&head, "host", r.host);
      AppendMember(&head, "started", r.started);
      AppendMember(&head, "roots", r.roots);
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

std::string HuntWriter::Format(const Detection& d) const {
  std::string out;
  switch (format_) {
    case HuntFormat::kJson: {
      out = ",\n    ";  // Write drops the first comma
      core::JsonWriter w(&out, 2, 2);
      w.BeginObject();
      WriteDetectionMembers(w, d);
      w.EndObject();
      break;
    }
    case HuntFormat::kJsonl: {
      core::JsonWriter w(&out);
      w.BeginObject().Key("type").String("detection");
      WriteDetectionMembers(w, d);
      w.EndObject();
      out += '\n';
      break;
    }
    case HuntFormat::kCsv: {
      const JndiTarget* t = PrimaryTarget(d);
      std::vector<std::string> layers;
      for (Layer l : d.layers) layers.emplace_back(LayerName(l));
      std::string raw = Printable(d.raw, Detection::kMaxRaw);
      out = CsvField(d.file) + ',' + std::to_string(d.line) + ',' + std::to_string(d.offset) + ',' +
            CsvField(d.timestamp) + ',' + CsvField(d.source_ip) + ',' + CsvField(d.forwarded_for) + ',' +
            std::string(VerdictName(d.verdict)) + ',' + std::string(SeverityName(d.severity)) + ',' +
            CsvField(t ? t->name : "") + ',' + CsvField(t ? t->scheme : "") + ',' + CsvField(t ? t->host : "") +
            ',' + (t && t->port >= 0 ? std::to_string(t->port) : "") + ',' + CsvField(t ? t->path : "") + ',' +
            CsvField(d.decoded_command) + ',' + CsvField(Join(d.exfiltrates)) + ',' + CsvField(Join(d.techniques)) +
            ',' + CsvField(Join(layers)) + ',' + CsvField(raw) + "\n";
      break;
    }
    case HuntFormat::kText: {
      const JndiTarget* t = PrimaryTarget(d);
      const char* code = d.severity == Severity::kCritical ? "1;31" : d.severity == Severity::kHigh ? "31" : "33";
      if (d.network) {
        const NetworkContext& n = *d.network;
        out = d.file + " frame " + std::to_string(n.frame) + " " + n.src_ip + ":" + std::to_string(n.src_port) +
              " -> " + n.dst_ip + ":" + std::to_string(n.dst_port) + " " + n.field +
              (n.header.empty() ? "" : " " + Printable(n.header, 64)) + ": ";
      } else {
        out = d.file + ":" + std::to_string(d.line) + ": ";
      }
      out += Paint(std::string(SeverityName(d.severity)), code, color_) + " " + std::string(VerdictName(d.verdict)) +
             " " + (t ? Printable(t->name, 200) : "-");
      if (!d.timestamp.empty()) out += " at " + d.timestamp;
      if (!d.source_ip.empty()) out += " from " + d.source_ip;
      if (!d.forwarded_for.empty()) out += " (X-Forwarded-For " + d.forwarded_for + ")";
      if (!d.decoded_command.empty()) out += " command: " + Printable(d.decoded_command, 200);
      out += "\n";
      break;
    }
  }
  return out;
}

void HuntWriter::Write(std::string_view formatted) {
  if (formatted.empty()) return;
  if (format_ == HuntFormat::kJson && !wrote_detection_) formatted.remove_prefix(1);  // the first comma
  wrote_detection_ = true;
  out_ << formatted;
}

void HuntWriter::End(const HuntReport& r, const HuntTally& tally) {
  HuntSummary s = tally.Summary();
  switch (format_) {
    case HuntFormat::kJson: {
      std::string tail = wrote_detection_ ? "\n  ]" : "]";
      ordered_json errors = ordered_json::array();
      for (const HuntError& e : r.errors) errors.push_back({{"file", e.file}, {"reason", e.reason}});
      AppendMember(&tail, "errors", errors);
      if (!r.network_events.empty()) {
        ordered_json events = ordered_json::array();
        for (const NetworkEvent& e : r.network_events) events.push_back(ordered_json::parse(e.json, nullptr, false));
        AppendMember(&tail, "network_events", events);
      }
      AppendMember(&tail, "finished", r.finished);
      AppendMember(&tail, "stats", StatsJson(r.stats));
      AppendMember(&tail, "summary", SummaryJson(s));
      out_ << tail << "\n}\n";
      break;
    }
    case HuntFormat::kJsonl: {
      for (const NetworkEvent& e : r.network_events) out_ << e.json << "\n";
      for (const HuntError& e : r.errors)
        out_ << Dump(ordered_json{{"type", "error"}, {"file", e.file}, {"reason", e.reason}}) << "\n";
      ordered_json j{{"type", "summary"},      {"tool", ToolJson(r)},    {"host", r.host},
                     {"started", r.started},   {"finished", r.finished}, {"roots", r.roots},
                     {"stats", StatsJson(r.stats)}};
      j.update(SummaryJson(s));
      out_ << Dump(j) << "\n";
      break;
    }
    case HuntFormat::kCsv: break;
    case HuntFormat::kText: {
      for (const NetworkEvent& e : r.network_events)
        out_ << e.file << ": " << (e.type == "incident" ? Paint("INCIDENT", "1;31", color_) : e.type) << ": " << e.text
             << "\n";
      for (const HuntError& e : r.errors) out_ << Paint("error", "35", color_) << ": " << e.file << ": " << e.reason << "\n";
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

void WriteHunt(const HuntReport& r, HuntFormat format, std::ostream& out, bool color) {
  HuntWriter w(format, out, color);
  w.Begin(r);
  for (const Detection& d : r.detections) w.Write(w.Format(d));
  w.End(r, TallyOf(r));
}

std::string Uuid5(const std::string& name) {
  // The log4shield namespace (itself a fixed random UUID).
  static const unsigned char kNamespace[16] = {0x6b, 0x1f, 0x3c, 0x52, 0x8e, 0x0a, 0x4d, 0x77,
                                               0xa9, 0x5e, 0x21, 0xc4, 0x0f, 0x93, 0xd2, 0x6e};
  std::string data(reinterpret_cast<const char*>(kNamespace), 16);
  data += name;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x50);
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
                md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14],
                md[15]);
  return out;
}

namespace {

void WriteStix(const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  const std::string identity_id = "identity--" + Uuid5("identity:log4shield");
  const std::string vuln_id = "vulnerability--" + Uuid5("vulnerability:CVE-2021-44228");
  ordered_json objects = ordered_json::array();
  objects.push_back({{"type", "identity"},
                     {"spec_version", "2.1"},
                     {"id", identity_id},
                     {"created", "2021-12-10T00:00:00.000Z"},
                     {"modified", "2021-12-10T00:00:00.000Z"},
                     {"name", "log4shield"},
                     {"identity_class", "system"}});
  objects.push_back(
      {{"type", "vulnerability"},
       {"spec_version", "2.1"},
       {"id", vuln_id},
       {"created", "2021-12-10T00:00:00.000Z"},
       {"modified", "2021-12-10T00:00:00.000Z"},
       {"name", "CVE-2021-44228"},
       {"description", "Apache Log4j2 JNDI lookup remote code execution (Log4Shell)"},
       {"external_references", ordered_json::array({{{"source_name", "cve"}, {"external_id", "CVE-2021-44228"}}})}});
  for (const Ioc& ioc : iocs) {
    std::string pattern, name;
    if (ioc.type == "url") {
      pattern = "[url:value = " + StixString(ioc.value) + "]";
      name = "Log4Shell JNDI callback URL";
    } else if (ioc.type == "domain") {
      pattern = "[domain-name:value = " + StixString(ioc.value) + "]";
      name = "Log4Shell callback domain";
    } else if (ioc.type == "ipv4" || ioc.type == "ipv6") {
      std::string addr = "[" + ioc.type + "-addr:value = " + StixString(ioc.value) + "]";
      pattern = ioc.port >= 0 ? "[network-traffic:dst_ref.value = " + StixString(ioc.value) +
                                    " AND network-traffic:dst_port = " + std::to_string(ioc.port) + "]"
                              : addr;
      name = "Log4Shell callback server";
    } else {
      continue;  // sources and commands are context, not callback indicators
    }
    const std::string indicator_id = "indicator--" + Uuid5("indicator:" + pattern);
    const std::string valid_from = ioc.first_seen.empty() ? now : ioc.first_seen;
    objects.push_back({{"type", "indicator"},
                       {"spec_version", "2.1"},
                       {"id", indicator_id},
                       {"created_by_ref", identity_id},
                       {"created", now},
                       {"modified", now},
                       {"name", name + ": " + ioc.value},
                       {"indicator_types", ordered_json::array({"malicious-activity"})},
                       {"pattern", pattern},
                       {"pattern_type", "stix"},
                       {"valid_from", valid_from},
                       {"labels", ordered_json::array({"log4shell", "CVE-2021-44228"})}});
    objects.push_back({{"type", "relationship"},
                       {"spec_version", "2.1"},
                       {"id", "relationship--" + Uuid5("related-to:" + indicator_id + ":" + vuln_id)},
                       {"created", now},
                       {"modified", now},
                       {"relationship_type", "related-to"},
                       {"source_ref", indicator_id},
                       {"target_ref", vuln_id}});
    ordered_json sighting{{"type", "sighting"},
                          {"spec_version", "2.1"},
                          {"id", "sighting--" + Uuid5("sighting:" + indicator_id)},
                          {"created_by_ref", identity_id},
                          {"created", now},
                          {"modified", now},
                          {"sighting_of_ref", indicator_id},
                          {"count", ioc.count},
                          {"where_sighted_refs", ordered_json::array({identity_id})}};
    if (!ioc.first_seen.empty()) {
      sighting["first_seen"] = ioc.first_seen;
      sighting["last_seen"] = ioc.last_seen;
    }
    objects.push_back(std::move(sighting));
  }
  std::string ids;
  for (const auto& o : objects) ids += o["id"].get<std::string>() + "\n";
  ordered_json bundle{{"type", "bundle"}, {"id", "bundle--" + Uuid5("bundle:" + ids)}, {"objects", objects}};
  out << Dump(bundle, 2) << "\n";
}

void WriteMispCsv(const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  out << "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,"
         "object_meta_category\n";
  const std::string today = CompactDate(now);
  auto row = [&](const std::string& category, const std::string& type, const std::string& value,
                 const std::string& comment, bool to_ids, const std::string& seen) {
    std::string date = CompactDate(seen);
    out << Uuid5("misp:" + type + ":" + value) << ",," << CsvField(category) << ',' << CsvField(type) << ','
        << CsvField(value) << ',' << CsvField(comment) << ',' << (to_ids ? 1 : 0) << ','
        << (date.empty() ? today : date) << ",,\"tlp:amber,cve:CVE-2021-44228\",,,\n";
  };
  row("External analysis", "vulnerability", "CVE-2021-44228", "Log4Shell", false, "");
  for (const Ioc& ioc : iocs) {
    std::string seen = " (seen " + std::to_string(ioc.count) + "x)";
    if (ioc.type == "url") {
      row("Network activity", "url", ioc.value, "Log4Shell JNDI callback" + seen, true, ioc.first_seen);
    } else if (ioc.type == "domain") {
      row("Network activity", "domain", ioc.value, "Log4Shell callback domain" + seen, true, ioc.first_seen);
    } else if (ioc.type == "ipv4" || ioc.type == "ipv6") {
      if (ioc.port >= 0) {
        row("Network activity", "ip-dst|port", ioc.value + "|" + std::to_string(ioc.port),
            "Log4Shell callback server" + seen, true, ioc.first_seen);
      } else {
        row("Network activity", "ip-dst", ioc.value, "Log4Shell callback server" + seen, true, ioc.first_seen);
      }
    } else if (ioc.type == "source-ip") {
      row("Network activity", "ip-src", ioc.value, "sent a Log4Shell payload" + seen, false, ioc.first_seen);
    } else if (ioc.type == "command") {
      row("Payload delivery", "text", ioc.value, "command decoded from a JNDIExploit route" + seen, false,
          ioc.first_seen);
    }
  }
}

void WriteIocCsv(const std::vector<Ioc>& iocs, std::ostream& out) {
  out << "type,value,port,count,first_seen,last_seen\n";
  for (const Ioc& ioc : iocs) {
    out << ioc.type << ',' << CsvField(ioc.value) << ',' << (ioc.port >= 0 ? std::to_string(ioc.port) : "") << ','
        << ioc.count << ',' << ioc.first_seen << ',' << ioc.last_seen << "\n";
  }
}

}  // namespace

void WriteIocs(IocFormat format, const std::vector<Ioc>& iocs, const std::string& now, std::ostream& out) {
  switch (format) {
    case IocFormat::kStix: WriteStix(iocs, now, out); break;
    case IocFormat::kMispCsv: WriteMispCsv(iocs, now, out); break;
    case IocFormat::kCsv: WriteIocCsv(iocs, out); break;
  }
}

}  // namespace l4s::hunt
