#include "fleet/parse.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/json_depth.h"
#include "core/sha256.h"
#include "report/scan_report_reader.h"

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

// Numbers outside int64 are clamped (casting them is undefined).
int64_t num(const json& o, const char* key) {
  if (!o.is_object()) return 0;
  auto it = o.find(key);
  if (it == o.end()) return 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  if (it->is_number_unsigned()) return it->get<uint64_t>() > static_cast<uint64_t>(kMax) ? kMax : it->get<int64_t>();
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double d = it->get<double>();
    if (std::isnan(d)) return 0;
    if (d >= 9.2233720368547758e18) return kMax;
    if (d <= -9.2233720368547758e18) return kMin;
    return static_cast<int64_t>(d);
  }
  return 0;
}

// 1-based line of byte `offset` in `text`.
size_t line_of(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n'));
}

std::string too_deep(const std::string& source, size_t line) {
  return source + ":" + std::to_string(line) + ": nested deeper than " + std::to_string(kMaxJsonDepth) +
         " levels (not a log4shield report)";
}

bool boolean(const json& o, const char* key, bool otherwise) {
  if (!o.is_object()) return otherwise;
  auto it = o.find(key);
  return it != o.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}

std::vector<std::string> strings(const json& o, const char* key) {
  std::vector<std::string> out;
  if (!o.is_object() || !o.contains(key) || !o[key].is_array()) return out;
  for (const auto& v : o[key]) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
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

  // A scan or fix report, as the shared reader read it.
  void scan(report::ScanReport&& scan) {
    auto& r = p.report;
    if (r.host.empty()) r.host = scan.host;
    r.started = std::move(scan.started);
    r.finished = std::move(scan.finished);
    r.roots = std::move(scan.roots);
    r.tool_version = std::move(scan.tool_version);
    r.files = static_cast<int64_t>(scan.stats.files);
    r.errors = static_cast<int64_t>(scan.stats.errors);
    for (Finding& f : scan.findings) {
      if (f.location.empty()) f.location = f.path;
      f.process.reset();  // the store keeps no process columns
      FindingRow row{"", "", "", std::move(f)};
      for (const auto& e : row.f.evidence)
        if (e.starts_with("fixed by log4shield")) row.fixed_by_tool = true;
      p.findings.push_back(std::move(row));
    }
    for (ScanError& e : scan.errors) p.errors.push_back({"", "", std::move(e.location), std::move(e.error)});
  }

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
                        boolean(t, "remote", !str(t, "host").empty())});
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
    r.vulnerable = boolean(j, "vulnerable", false);
    r.sent = num(j, "sent");
    r.hits = num(j, "hits");
  }
};

}  // namespace

Result<Parsed> parse_report(const std::string& text, const ParseOptions& options) {
  Builder b(options);
  ReportRow& r = b.p.report;
  r.source = options.source;
  r.imported = options.now;
  std::string canonical;

  // Serialising (dump) recurses per level: refuse what could overflow the stack.
  if (size_t at = json_too_deep_at(text); at != std::string_view::npos)
    return Error{too_deep(options.source, line_of(text, at))};
  json whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded() && whole.is_object() && (whole.contains("findings") || whole.contains("detections"))) {
    canonical = whole.dump();
    if (whole.contains("findings")) {
      r.kind = "scan";
      auto scan = report::scan_report_from_json(whole, options.source);
      if (!scan.ok()) return Error{scan.error()};
      b.scan(std::move(*scan));
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
    std::vector<size_t> line_numbers;
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
      line_numbers.push_back(n);
    }
    if (lines.empty()) return Error{options.source + ": empty report"};
    int kinds = scan_like + hunt_like + probe_like + canary_like;
    if (kinds > 1) return Error{options.source + ": mixes the outputs of several commands; import them separately"};
    if (kinds == 0) {
      // Only error/summary lines: a hunt that found nothing.
      bool all_known = std::all_of(lines.begin(), lines.end(), [](const json& j) {
        std::string t = str(j, "type");
        return t == "summary" || t == "error";
      });
      if (!all_known) return Error{options.source + ": not a log4shield report"};
      hunt_like = true;
    }
    if (scan_like) {
      r.kind = "scan";
      auto scan = report::scan_report_from_jsonl(lines, line_numbers, options.source);
      if (!scan.ok()) return Error{scan.error()};
      b.scan(std::move(*scan));
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
  if (r.host.empty()) r.host = options.fallback_host.empty() ? "unknown" : options.fallback_host;
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
