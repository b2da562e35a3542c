#include "fleet/parse.h"

#include <openssl/evp.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

namespace l4s::fleet {
namespace {

using nlohmann::json;

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t num(const json& o, const char* key) {
  if (!o.is_object()) return 0;
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->is_number_integer() || it->is_number_unsigned()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return 0;
}

std::vector<std::string> strings(const json& o, const char* key) {
  std::vector<std::string> out;
  if (!o.is_object() || !o.contains(key) || !o[key].is_array()) return out;
  for (const auto& v : o[key]) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

FindingStatus parse_status(const std::string& s) {
  if (s == "vulnerable") return FindingStatus::kVulnerable;
  if (s == "mitigated") return FindingStatus::kMitigated;
  return FindingStatus::kSafe;
}

Severity parse_severity(const std::string& s) {
  if (s == "critical") return Severity::kCritical;
  if (s == "high") return Severity::kHigh;
  if (s == "medium") return Severity::kMedium;
  if (s == "low") return Severity::kLow;
  return Severity::kNone;
}

Finding finding_from(const json& j) {
  Finding f;
  f.path = str(j, "path");
  f.location = str(j, "location");
  if (f.location.empty()) f.location = f.path;
  f.component = str(j, "component");
  if (j.contains("version") && j["version"].is_string()) f.version = j["version"].get<std::string>();
  f.version_range = str(j, "version_range");
  f.version_source = str(j, "version_source");
  f.status = parse_status(str(j, "status"));
  f.cves = strings(j, "cves");
  f.mitigated_cves = strings(j, "mitigated_cves");
  f.severity = parse_severity(str(j, "severity"));
  f.shaded_prefix = str(j, "shaded_prefix");
  f.metadata_mismatch = j.value("metadata_mismatch", false);
  if (j.contains("claimed_version") && j["claimed_version"].is_string())
    f.claimed_version = j["claimed_version"].get<std::string>();
  f.evidence = strings(j, "evidence");
  return f;
}

bool says_fix(const std::vector<std::string>& texts) {
  for (const auto& e : texts)
    if (e.rfind("fixed by log4shield", 0) == 0 || e.rfind("dry run: would remove", 0) == 0 ||
        e.rfind("not fixed:", 0) == 0)
      return true;
  return false;
}

// "https://user@host:8080/x" -> "host"; "[::1]:80" -> "::1".
std::string url_host(const std::string& url) {
  std::string s = url;
  auto scheme = s.find("://");
  if (scheme != std::string::npos) s = s.substr(scheme + 3);
  s = s.substr(0, s.find_first_of("/?#"));
  auto at = s.rfind('@');
  if (at != std::string::npos) s = s.substr(at + 1);
  if (!s.empty() && s[0] == '[') return s.substr(1, s.find(']') - 1);
  auto colon = s.find(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}

void take_latest(std::string* latest, const std::string& t) {
  if (!t.empty() && t > *latest) *latest = t;
}

struct Builder {
  Parsed p;
  const ParseOptions& o;
  std::string latest;  // latest event time seen
  explicit Builder(const ParseOptions& opts) : o(opts) {}

  std::string host_of(const json& j) const {
    if (!o.host_override.empty()) return o.host_override;
    std::string h = str(j, "host");
    return h;
  }

  void scan_summary(const json& s) {
    auto& r = p.report;
    if (r.host.empty()) r.host = host_of(s);
    r.started = str(s, "started");
    r.finished = str(s, "finished");
    r.roots = strings(s, "roots");
    if (s.contains("tool")) r.tool_version = str(s["tool"], "version");
    if (s.contains("stats")) {
      r.files = num(s["stats"], "files");
      r.errors = num(s["stats"], "errors");
    }
  }
  void finding(const json& j) {
    FindingRow row{"", "", "", finding_from(j)};
    for (const auto& e : row.f.evidence)
      if (e.rfind("fixed by log4shield", 0) == 0) row.fixed_by_tool = true;
    p.findings.push_back(std::move(row));
  }
  void scan_error(const json& j) { p.errors.push_back({"", "", str(j, "location"), str(j, "error")}); }

  void detection(const json& j) {
    DetectionRow d;
    d.host = host_of(j);
    d.file = str(j, "file");
    d.line = num(j, "line");
    d.offset = num(j, "offset");
    d.timestamp = str(j, "timestamp");
    d.source_ip = str(j, "source_ip");
    d.raw = str(j, "raw");
    d.resolved = str(j, "resolved");
    if (j.contains("layers") && j["layers"].is_array())
      for (const auto& l : j["layers"]) d.layers.push_back(l.is_string() ? l.get<std::string>() : l.dump());
    auto add_jndi = [&](const json& t) {
      if (!t.is_object()) return;
      d.jndi.push_back({str(t, "name"), str(t, "scheme"), str(t, "host"), str(t, "path"), num(t, "port"),
                        t.value("remote", !str(t, "host").empty())});
    };
    if (j.contains("jndi_targets") && j["jndi_targets"].is_array())
      for (const auto& t : j["jndi_targets"]) add_jndi(t);
    d.techniques = strings(j, "techniques");
    d.exfiltrates = strings(j, "exfiltrates");
    d.decoded_command = str(j, "decoded_command");
    d.verdict = str(j, "verdict");
    d.severity = str(j, "severity");
    take_latest(&latest, d.timestamp);
    p.detections.push_back(std::move(d));
  }

  void callback(const json& j) {
    CallbackRow c;
    c.key = sha256_hex(j.dump());
    c.time = str(j, "time");
    c.protocol = str(j, "protocol");
    c.peer = str(j, "peer");
    c.listener = str(j, "listener");
    c.token = str(j, "token");
    c.name = str(j, "name");
    c.detail = str(j, "detail");
    c.extras = strings(j, "extras");
    take_latest(&latest, c.time);
    p.callbacks.push_back(std::move(c));
  }

  ProbeRow& probe_target(const std::string& target) {
    for (auto& r : p.probes)
      if (r.target == target) return r;
    ProbeRow r;
    r.target = target;
    r.target_host = url_host(target);
    p.probes.push_back(std::move(r));
    return p.probes.back();
  }
  void probe_hit(const json& j) {
    ProbeRow& r = probe_target(str(j, "target"));
    r.points.push_back(str(j, "point") + " " + str(j, "variant"));
    if (j.contains("callbacks") && j["callbacks"].is_array())
      for (const auto& cb : j["callbacks"]) {
        std::string t = str(cb, "time");
        if (!t.empty() && (r.first_callback.empty() || t < r.first_callback)) r.first_callback = t;
        take_latest(&latest, t);
      }
  }
  void probe_summary(const json& j) {
    ProbeRow& r = probe_target(str(j, "target"));
    r.vulnerable = j.value("vulnerable", false);
    r.sent = num(j, "sent");
    r.hits = num(j, "hits");
  }
};

}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Result<Parsed> parse_report(const std::string& text, const ParseOptions& options) {
  Builder b(options);
  ReportRow& r = b.p.report;
  r.source = options.source;
  r.imported = options.now;
  std::string canonical;

  json whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded() && whole.is_object() && (whole.contains("findings") || whole.contains("detections"))) {
    canonical = whole.dump();
    if (whole.contains("findings")) {
      r.kind = "scan";
      b.scan_summary(whole);
      if (whole["findings"].is_array())
        for (const auto& f : whole["findings"]) b.finding(f);
      if (whole.contains("errors") && whole["errors"].is_array())
        for (const auto& e : whole["errors"]) b.scan_error(e);
    } else {
      r.kind = "hunt";
      r.host = b.host_of(whole);
      r.started = str(whole, "started");
      r.finished = str(whole, "finished");
      if (whole["detections"].is_array())
        for (const auto& d : whole["detections"]) b.detection(d);
    }
  } else {
    std::istringstream in(text);
    std::string line;
    size_t n = 0;
    bool scan_like = false, hunt_like = false, probe_like = false, canary_like = false;
    std::vector<json> lines;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return Error{options.source + ":" + std::to_string(n) + ": not a JSON object (expected the json or jsonl "
                     "output of scan, fix, hunt, canary or probe)"};
      canonical += j.dump() + "\n";
      std::string type = str(j, "type");
      if (type == "finding") scan_like = true;
      else if (type == "detection") hunt_like = true;
      else if (type == "hit" || type == "target") probe_like = true;
      else if (type == "summary" && j.contains("stats") && j["stats"].is_object() && j["stats"].contains("archives"))
        scan_like = true;
      else if (type.empty() && j.contains("protocol") && j.contains("peer")) canary_like = true;
      lines.push_back(std::move(j));
    }
    if (lines.empty()) return Error{options.source + ": empty report"};
    int kinds = scan_like + hunt_like + probe_like + canary_like;
    if (kinds > 1) return Error{options.source + ": mixes the outputs of several commands; import them separately"};
    if (kinds == 0) {
      // Only error/summary lines: a hunt that found nothing.
      bool all_known = std::all_of(lines.begin(), lines.end(), [](const json& j) {
        std::string t = j.value("type", "");
        return t == "summary" || t == "error";
      });
      if (!all_known) return Error{options.source + ": not a log4shield report"};
      hunt_like = true;
    }
    if (scan_like) {
      r.kind = "scan";
      for (const auto& j : lines) {
        std::string type = str(j, "type");
        if (type == "finding") {
          b.finding(j);
          if (r.host.empty()) r.host = b.host_of(j);
        } else if (type == "error") {
          b.scan_error(j);
        } else if (type == "summary") {
          b.scan_summary(j);
        }
      }
    } else if (hunt_like) {
      r.kind = "hunt";
      for (const auto& j : lines) {
        std::string type = str(j, "type");
        if (type == "detection") {
          b.detection(j);
        } else if (type == "error") {
          b.p.errors.push_back({"", "", str(j, "file").empty() ? str(j, "location") : str(j, "file"),
                                str(j, "error").empty() ? str(j, "reason") : str(j, "error")});
        } else if (type == "summary") {
          if (r.host.empty()) r.host = b.host_of(j);
          r.started = str(j, "started");
          r.finished = str(j, "finished");
          r.tool_version = j.contains("tool") ? str(j["tool"], "version") : "";
        }
      }
      if (r.host.empty())
        for (const auto& d : b.p.detections)
          if (!d.host.empty()) r.host = d.host;
    } else if (probe_like) {
      r.kind = "probe";
      r.host = options.host_override;
      for (const auto& j : lines) {
        if (str(j, "type") == "hit") b.probe_hit(j);
        else if (str(j, "type") == "target") b.probe_summary(j);
      }
    } else {
      r.kind = "canary";
      r.host = options.host_override;
      for (const auto& j : lines) b.callback(j);
    }
  }

  if (r.kind == "scan") {
    std::vector<std::string> texts;
    for (const auto& f : b.p.findings) texts.insert(texts.end(), f.f.evidence.begin(), f.f.evidence.end());
    for (const auto& e : b.p.errors) texts.push_back(e.error);
    if (says_fix(texts) || (!r.roots.empty() && r.roots[0].rfind("report:", 0) == 0)) r.kind = "fix";
  }
  if (!options.host_override.empty()) r.host = options.host_override;
  if (r.host.empty()) r.host = "unknown";
  r.time = !r.finished.empty() ? r.finished : !r.started.empty() ? r.started : !b.latest.empty() ? b.latest : options.now;
  r.hash = sha256_hex(r.kind + "\n" + r.host + "\n" + canonical);
  for (auto& f : b.p.findings) f.report = r.hash, f.host = r.host, f.time = r.time;
  for (auto& e : b.p.errors) e.report = r.hash, e.host = r.host;
  for (auto& d : b.p.detections) {
    d.report = r.hash;
    if (d.host.empty() || !options.host_override.empty()) d.host = r.host;
  }
  for (auto& c : b.p.callbacks) c.report = r.hash;
  for (auto& p : b.p.probes) p.report = r.hash, p.prober = r.host;
  return std::move(b.p);
}

}  // namespace l4s::fleet
