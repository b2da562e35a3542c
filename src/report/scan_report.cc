#include "report/scan_report.h"

#include <map>

#include <nlohmann/json.hpp>

#include "core/csv.h"

namespace l4s::report {
namespace {

using nlohmann::ordered_json;

ordered_json finding_json(const Finding& f) {
  ordered_json j;
  j["path"] = f.path;
  j["location"] = f.location;
  j["component"] = f.component;
  j["version"] = f.version ? ordered_json(*f.version) : ordered_json(nullptr);
  j["version_range"] = f.version_range.empty() ? ordered_json(nullptr) : ordered_json(f.version_range);
  j["version_source"] = f.version_source.empty() ? ordered_json(nullptr) : ordered_json(f.version_source);
  j["status"] = to_string(f.status);
  j["cves"] = f.cves;
  j["mitigated_cves"] = f.mitigated_cves;
  j["severity"] = to_string(f.severity);
  j["shaded_prefix"] = f.shaded_prefix.empty() ? ordered_json(nullptr) : ordered_json(f.shaded_prefix);
  j["metadata_mismatch"] = f.metadata_mismatch;
  j["claimed_version"] = f.claimed_version ? ordered_json(*f.claimed_version) : ordered_json(nullptr);
  j["evidence"] = f.evidence;
  if (f.process) {
    j["process"] = ordered_json{{"pid", f.process->pid},
                                {"user", f.process->user},
                                {"command", f.process->command},
                                {"deleted_on_disk", f.process->deleted_on_disk},
                                {"no_lookups_flag", f.process->no_lookups_flag}};
  }
  return j;
}

ordered_json error_json(const ScanError& e) {
  return ordered_json{{"location", e.location}, {"error", e.error}};
}

ordered_json stats_json(const ScanStats& s) {
  return ordered_json{{"files", s.files},     {"archives", s.archives}, {"bytes_read", s.bytes_read},
                      {"errors", s.errors},   {"seconds", s.seconds},   {"apple_double", s.apple_double}};
}

ordered_json tool_json(const ScanReport& r) {
  return ordered_json{{"name", "log4shield"}, {"version", r.tool_version}};
}


std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::kCritical: return "\033[1;31m";
    case Severity::kHigh: return "\033[31m";
    case Severity::kMedium: return "\033[33m";
    case Severity::kLow: return "\033[36m";
    case Severity::kNone: return "\033[32m";
  }
  return "";
}

std::string version_text(const Finding& f) {
  if (f.version) return *f.version;
  if (!f.version_range.empty()) return f.version_range;
  return "unknown version";
}

}  // namespace

bool parse_format(const std::string& name, Format* out) {
  static const std::map<std::string, Format> kFormats = {
      {"text", Format::kText}, {"json", Format::kJson}, {"jsonl", Format::kJsonl}, {"csv", Format::kCsv}};
  auto it = kFormats.find(name);
  if (it == kFormats.end()) return false;
  *out = it->second;
  return true;
}

ordered_json jvm_json(const JvmPatch& p) {
  return ordered_json{{"pid", p.pid},         {"user", p.user},
                      {"container", p.container}, {"command", p.command},
                      {"state", p.state},     {"reason", p.reason.empty() ? ordered_json() : ordered_json(p.reason)},
                      {"patched", p.patched}, {"transformer_installed", p.transformer_installed},
                      {"marker", p.marker.empty() ? ordered_json() : ordered_json(p.marker)}};
}

void write_json(const ScanReport& r, std::ostream& out) {
  ordered_json j;
  j["tool"] = tool_json(r);
  j["host"] = r.host;
  j["started"] = r.started;
  j["finished"] = r.finished;
  j["roots"] = r.roots;
  j["stats"] = stats_json(r.stats);
  j["findings"] = ordered_json::array();
  for (const auto& f : r.findings) j["findings"].push_back(finding_json(f));
  j["errors"] = ordered_json::array();
  for (const auto& e : r.errors) j["errors"].push_back(error_json(e));
  if (!r.jvms.empty()) {
    j["jvms"] = ordered_json::array();
    for (const auto& p : r.jvms) j["jvms"].push_back(jvm_json(p));
  }
  // Replace invalid UTF-8 (non-UTF-8 file names) rather than throwing.
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

void write_jsonl(const ScanReport& r, std::ostream& out) {
  auto line = [&](ordered_json j) { out << j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n"; };
  for (const auto& f : r.findings) {
    ordered_json j{{"type", "finding"}, {"host", r.host}};
    j.update(finding_json(f));
    line(j);
  }
  for (const auto& e : r.errors) {
    ordered_json j{{"type", "error"}, {"host", r.host}};
    j.update(error_json(e));
    line(j);
  }
  for (const auto& p : r.jvms) {
    ordered_json j{{"type", "jvm"}, {"host", r.host}};
    j.update(jvm_json(p));
    line(j);
  }
  line(ordered_json{{"type", "summary"}, {"tool", tool_json(r)}, {"host", r.host}, {"started", r.started},
                    {"finished", r.finished}, {"roots", r.roots}, {"stats", stats_json(r.stats)}});
}

void write_csv(const ScanReport& r, std::ostream& out) {
  out << "host,path,location,component,version,version_source,status,cves,severity,shaded_prefix,"
         "metadata_mismatch,error\n";
  for (const auto& f : r.findings) {
    out << csv_quoted(r.host) << ',' << csv_quoted(f.path) << ',' << csv_quoted(f.location) << ','
        << csv_quoted(f.component) << ',' << csv_quoted(f.version ? *f.version : f.version_range) << ','
        << csv_quoted(f.version_source) << ',' << csv_quoted(to_string(f.status)) << ','
        << csv_quoted(join(f.cves, " ")) << ',' << csv_quoted(to_string(f.severity)) << ','
        << csv_quoted(f.shaded_prefix) << ',' << (f.metadata_mismatch ? "true" : "false") << ",\"\"\n";
  }
  for (const auto& e : r.errors) {
    out << csv_quoted(r.host) << ",\"\"," << csv_quoted(e.location) << ",\"\",\"\",\"\",\"error\",\"\",\"\",\"\",false,"
        << csv_quoted(e.error) << "\n";
  }
}

void write_text(const ScanReport& r, std::ostream& out, bool color) {
  const char* reset = color ? "\033[0m" : "";
  size_t vulnerable = 0, mitigated = 0, safe = 0;
  for (const auto& f : r.findings) {
    const char* label = f.status == FindingStatus::kVulnerable ? "VULNERABLE"
                        : f.status == FindingStatus::kMitigated ? "MITIGATED"
                                                                 : "safe";
    (f.status == FindingStatus::kVulnerable ? vulnerable : f.status == FindingStatus::kMitigated ? mitigated : safe)++;
    out << (color ? severity_color(f.severity) : "") << "[" << label << "]" << reset << " " << f.location << ": "
        << f.component << " " << version_text(f);
    if (!f.cves.empty()) out << " (" << join(f.cves, ", ") << ")";
    if (!f.shaded_prefix.empty()) out << " shaded as " << f.shaded_prefix;
    if (f.metadata_mismatch && f.claimed_version) out << " [metadata claims " << *f.claimed_version << "]";
    if (f.process) {
      out << " [pid " << f.process->pid << " " << f.process->user;
      if (f.process->deleted_on_disk) out << ", jar deleted or replaced on disk: restart required";
      out << "]";
    }
    out << "\n";
  }
  for (const auto& e : r.errors) out << (color ? "\033[2m" : "") << "[error] " << e.location << ": " << e.error << reset << "\n";
  for (const auto& p : r.jvms) {
    out << "[jvm " << p.pid << "] " << p.state;
    if (!p.patched.empty()) out << ": " << p.patched.size() << " JndiLookup cop" << (p.patched.size() == 1 ? "y" : "ies");
    if (p.state == "patched" || p.state == "already_patched") out << " (in memory, until restart)";
    if (!p.reason.empty()) out << ": " << p.reason;
    out << " [" << p.user << "] " << p.command.substr(0, 100) << "\n";
  }
  out << "Scanned " << r.stats.files << " files, " << r.stats.archives << " archives, ";
  if (r.stats.apple_double > 0) out << r.stats.apple_double << " AppleDouble forks skipped, ";
  out << r.stats.bytes_read / (1024 * 1024) << " MiB in " << std::fixed;
  out.precision(1);
  out << r.stats.seconds << " s: " << vulnerable << " vulnerable, " << mitigated << " mitigated, " << safe
      << " safe, " << r.errors.size() << " errors.\n";
}

void write_report(const ScanReport& r, Format format, std::ostream& out, bool color) {
  switch (format) {
    case Format::kJson: write_json(r, out); break;
    case Format::kJsonl: write_jsonl(r, out); break;
    case Format::kCsv: write_csv(r, out); break;
    case Format::kText: write_text(r, out, color); break;
  }
}

}  // namespace l4s::report
