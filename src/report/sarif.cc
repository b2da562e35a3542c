#include "report/sarif.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/cve.h"
#include "core/sha256.h"

namespace l4s::report {
namespace {

using nlohmann::ordered_json;

// The first `bytes` bytes of sha256(data), as hex.
std::string hex_digest(const std::string& data, size_t bytes) { return sha256_hex(data).substr(0, bytes * 2); }

std::string fmt_score(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

double cvss(const std::string& id) {
  const CveInfo* c = find_cve(id);
  return c ? c->cvss : 7.0;
}

// Most severe CVE of the list, "" when empty.
std::string top_cve(const std::vector<std::string>& cves) {
  std::string best;
  for (const auto& c : cves)
    if (best.empty() || cvss(c) > cvss(best) || (cvss(c) == cvss(best) && c < best)) best = c;
  return best;
}

const char* sarif_level(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    case Severity::kLow: return "note";
    case Severity::kNone: return "none";
  }
  return "none";
}

std::string file_uri(const std::string& path) {
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "";
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("/-._~!$&'()*+,;=:@", c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string version_of(const Finding& f) {
  if (f.version) return *f.version;
  return f.version_range;
}

std::string maven_group(const std::string& component) {
  if (component == "log4j-core") return "org.apache.logging.log4j";
  if (component == "log4j") return "log4j";
  if (component == "logback-classic") return "ch.qos.logback";
  return "";
}

std::string dump(const ordered_json& j) { return j.dump(2, ' ', false, ordered_json::error_handler_t::replace); }

}  // namespace

void write_sarif(const std::vector<ScanReport>& reports, std::ostream& out) {
  ordered_json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = ordered_json::array();
  for (const ScanReport& r : reports) {
    std::set<std::string> rule_ids;
    for (const auto& f : r.findings) {
      if (f.status == FindingStatus::kSafe) continue;
      for (const auto& c : f.cves) rule_ids.insert(c);
      for (const auto& c : f.mitigated_cves) rule_ids.insert(c);
    }
    ordered_json rules = ordered_json::array();
    std::map<std::string, int> rule_index;
    for (const auto& id : rule_ids) {
      const CveInfo* c = find_cve(id);
      std::string summary = c ? std::string(c->summary) : id;
      rule_index[id] = static_cast<int>(rules.size());
      rules.push_back(ordered_json{
          {"id", id},
          {"name", "Log4j" + id.substr(id.find('-'))},
          {"shortDescription", {{"text", id + ": " + summary}}},
          {"fullDescription", {{"text", summary}}},
          {"helpUri", "https://nvd.nist.gov/vuln/detail/" + id},
          {"help", {{"text", "Upgrade to a fixed release (log4j-core 2.17.1+, 2.12.4 or 2.3.2) or run `log4shield fix`."}}},
          {"properties", {{"security-severity", fmt_score(c ? c->cvss : 7.0)}, {"tags", {"security", "log4shell"}}}}});
    }
    ordered_json results = ordered_json::array();
    for (const auto& f : r.findings) {
      if (f.status == FindingStatus::kSafe) continue;
      const bool open = !f.cves.empty();
      std::string rule = open ? top_cve(f.cves) : top_cve(f.mitigated_cves);
      if (rule.empty()) continue;
      std::string text = f.component + " " + (version_of(f).empty() ? "(unknown version)" : version_of(f)) + " is " +
                         to_string(f.status) + " at " + f.location;
      if (open) {
        text += ": open ";
        for (size_t i = 0; i < f.cves.size(); ++i) text += (i ? ", " : "") + f.cves[i];
      }
      if (!f.mitigated_cves.empty()) {
        text += "; JndiLookup removed, mitigated ";
        for (size_t i = 0; i < f.mitigated_cves.size(); ++i) text += (i ? ", " : "") + f.mitigated_cves[i];
      }
      ordered_json location{{"physicalLocation", {{"artifactLocation", {{"uri", file_uri(f.path)}}}}}};
      if (f.location != f.path)
        location["logicalLocations"] = ordered_json::array(
            {{{"fullyQualifiedName", f.location}, {"kind", "module"}}});
      ordered_json result{{"ruleId", rule},
                          {"ruleIndex", rule_index[rule]},
                          {"level", open ? sarif_level(f.severity) : "note"},
                          {"kind", open ? "fail" : "review"},
                          {"message", {{"text", text}}},
                          {"locations", ordered_json::array({location})},
                          {"partialFingerprints",
                           {{"log4shieldLocation/v1", hex_digest(r.host + "\n" + f.location + "\n" + f.component, 16)}}},
                          {"properties",
                           {{"host", r.host},
                            {"component", f.component},
                            {"version", version_of(f)},
                            {"status", to_string(f.status)},
                            {"cves", f.cves},
                            {"mitigated_cves", f.mitigated_cves},
                            {"severity", to_string(f.severity)}}}};
      results.push_back(std::move(result));
    }
    ordered_json run;
    run["tool"] = {{"driver",
                    {{"name", "log4shield"},
                     {"version", r.tool_version.empty() ? "0.0.0" : r.tool_version},
                     {"informationUri", "https://github.com/log4shield/log4shield"},
                     {"rules", rules}}}};
    run["automationDetails"] = {{"id", "log4shield/" + r.host + "/"}};
    ordered_json invocation{{"executionSuccessful", true}};
    if (!r.started.empty()) invocation["startTimeUtc"] = r.started;
    if (!r.finished.empty()) invocation["endTimeUtc"] = r.finished;
    if (!r.errors.empty()) {
      ordered_json notes = ordered_json::array();
      for (const auto& e : r.errors)
        notes.push_back({{"level", "warning"}, {"message", {{"text", e.location + ": " + e.error}}}});
      invocation["toolExecutionNotifications"] = notes;
    }
    run["invocations"] = ordered_json::array({invocation});
    run["properties"] = {{"host", r.host}, {"roots", r.roots}};
    run["results"] = std::move(results);
    doc["runs"].push_back(std::move(run));
  }
  out << dump(doc) << "\n";
}

void write_cyclonedx(const std::vector<ScanReport>& reports, const std::string& timestamp, std::ostream& out) {
  ordered_json components = ordered_json::array();
  // (cve, state) -> refs
  std::map<std::pair<std::string, std::string>, std::set<std::string>> vulns;
  std::string seed;
  for (const ScanReport& r : reports) {
    seed += r.host + r.started + r.finished + "\n";
    for (const auto& f : r.findings) {
      std::string ref = "log4shield:" + hex_digest(r.host + "\n" + f.location + "\n" + f.component, 12);
      std::string version = version_of(f);
      ordered_json c;
      c["type"] = "library";
      c["bom-ref"] = ref;
      std::string group = maven_group(f.component);
      if (!group.empty()) c["group"] = group;
      c["name"] = f.component;
      if (!version.empty()) c["version"] = version;
      if (f.version && !group.empty()) c["purl"] = "pkg:maven/" + group + "/" + f.component + "@" + *f.version;
      ordered_json props = ordered_json::array();
      props.push_back({{"name", "log4shield:host"}, {"value", r.host}});
      props.push_back({{"name", "log4shield:location"}, {"value", f.location}});
      props.push_back({{"name", "log4shield:status"}, {"value", to_string(f.status)}});
      if (!f.version_source.empty()) props.push_back({{"name", "log4shield:version_source"}, {"value", f.version_source}});
      if (!f.shaded_prefix.empty()) props.push_back({{"name", "log4shield:shaded_prefix"}, {"value", f.shaded_prefix}});
      c["properties"] = props;
      c["evidence"] = {{"occurrences", ordered_json::array({{{"location", f.location}}})}};
      components.push_back(std::move(c));
      for (const auto& cve : f.cves) vulns[{cve, "exploitable"}].insert(ref);
      for (const auto& cve : f.mitigated_cves) vulns[{cve, "not_affected"}].insert(ref);
    }
  }
  ordered_json vulnerabilities = ordered_json::array();
  for (const auto& [key, refs] : vulns) {
    const auto& [cve, state] = key;
    const CveInfo* info = find_cve(cve);
    double score = info ? info->cvss : 7.0;
    Severity sev = severity_of({cve});
    ordered_json v;
    v["bom-ref"] = "vuln:" + cve + ":" + state;
    v["id"] = cve;
    v["source"] = {{"name", "NVD"}, {"url", "https://nvd.nist.gov/vuln/detail/" + cve}};
    v["ratings"] = ordered_json::array(
        {{{"source", {{"name", "NVD"}}}, {"score", score}, {"severity", to_string(sev)}, {"method", "CVSSv31"}}});
    if (info) v["description"] = std::string(info->summary);
    ordered_json analysis{{"state", state}};
    if (state == "not_affected") {
      analysis["justification"] = "code_not_present";
      analysis["detail"] = "JndiLookup.class was removed from this copy, so the JNDI lookup cannot run.";
    } else {
      analysis["detail"] = "The vulnerable code is present in this copy.";
      analysis["response"] = ordered_json::array({"update"});
    }
    v["analysis"] = analysis;
    ordered_json affects = ordered_json::array();
    for (const auto& ref : refs) affects.push_back({{"ref", ref}});
    v["affects"] = affects;
    vulnerabilities.push_back(std::move(v));
  }
  // A stable serial number per set of reports: re-exporting gives the same BOM.
  std::string h = hex_digest(seed, 16);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  std::string uuid = h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
                     h.substr(20, 12);
  ordered_json doc;
  doc["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json";
  doc["bomFormat"] = "CycloneDX";
  doc["specVersion"] = "1.5";
  doc["serialNumber"] = "urn:uuid:" + uuid;
  doc["version"] = 1;
  ordered_json metadata;
  metadata["timestamp"] = timestamp;
  metadata["tools"] = {{"components", ordered_json::array({{{"type", "application"},
                                                            {"name", "log4shield"},
                                                            {"version", reports.empty() || reports[0].tool_version.empty()
                                                                            ? "0.0.0"
                                                                            : reports[0].tool_version}}})}};
  if (reports.size() == 1)
    metadata["component"] = {{"type", "device"}, {"bom-ref", "host:" + reports[0].host}, {"name", reports[0].host}};
  doc["metadata"] = metadata;
  doc["components"] = std::move(components);
  doc["vulnerabilities"] = std::move(vulnerabilities);
  out << dump(doc) << "\n";
}

}  // namespace l4s::report
