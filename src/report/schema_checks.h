// Checks of the fields the SARIF 2.1.0 and CycloneDX 1.5 JSON schemas
// require (and the enums and patterns they constrain), for tests: each
// returns the list of violations, empty when the document conforms.
#pragma once

#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace l4s::report::schema {

inline std::vector<std::string> check_sarif_2_1_0(const nlohmann::json& doc) {
  std::vector<std::string> bad;
  auto need = [&](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.is_object() || !o.contains(key)) {
      bad.push_back(where + ": missing required '" + key + "'");
      return false;
    }
    return true;
  };
  auto check_message = [&](const nlohmann::json& m, const std::string& where) {
    if (!m.is_object() || (!m.contains("text") && !m.contains("id"))) bad.push_back(where + ": message needs text or id");
  };
  if (!doc.is_object()) return {"sarifLog: not an object"};
  if (need(doc, "version", "sarifLog") && doc["version"] != "2.1.0") bad.push_back("sarifLog.version != 2.1.0");
  if (!need(doc, "runs", "sarifLog")) return bad;
  if (!doc["runs"].is_array()) return {"sarifLog.runs: not an array"};
  static const std::set<std::string> kLevels{"none", "note", "warning", "error"};
  static const std::set<std::string> kKinds{"notApplicable", "pass", "fail", "review", "open", "informational"};
  for (size_t i = 0; i < doc["runs"].size(); ++i) {
    const auto& run = doc["runs"][i];
    std::string w = "runs[" + std::to_string(i) + "]";
    if (!need(run, "tool", w) || !need(run["tool"], "driver", w + ".tool") ||
        !need(run["tool"]["driver"], "name", w + ".tool.driver"))
      continue;
    const auto& driver = run["tool"]["driver"];
    nlohmann::json rules = driver.value("rules", nlohmann::json::array());
    std::set<std::string> ids;
    for (size_t k = 0; k < rules.size(); ++k) {
      std::string rw = w + ".tool.driver.rules[" + std::to_string(k) + "]";
      if (need(rules[k], "id", rw) && !ids.insert(rules[k]["id"].get<std::string>()).second)
        bad.push_back(rw + ": duplicate rule id");
      if (rules[k].contains("shortDescription")) {
        if (!rules[k]["shortDescription"].contains("text")) bad.push_back(rw + ".shortDescription: missing text");
      }
    }
    for (const auto& inv : run.value("invocations", nlohmann::json::array())) {
      need(inv, "executionSuccessful", w + ".invocations[]");
      for (const auto& n : inv.value("toolExecutionNotifications", nlohmann::json::array()))
        if (need(n, "message", w + ".notification")) check_message(n["message"], w + ".notification");
    }
    if (!run.contains("results")) continue;
    for (size_t k = 0; k < run["results"].size(); ++k) {
      const auto& r = run["results"][k];
      std::string rw = w + ".results[" + std::to_string(k) + "]";
      if (need(r, "message", rw)) check_message(r["message"], rw);
      if (r.contains("level") && !kLevels.count(r["level"].get<std::string>())) bad.push_back(rw + ": bad level");
      if (r.contains("kind") && !kKinds.count(r["kind"].get<std::string>())) bad.push_back(rw + ": bad kind");
      if (r.contains("ruleIndex")) {
        int idx = r["ruleIndex"].get<int>();
        if (idx < 0 || idx >= static_cast<int>(rules.size()) || rules[idx]["id"] != r.value("ruleId", ""))
          bad.push_back(rw + ": ruleIndex does not name ruleId");
      }
      if (r.contains("ruleId") && !ids.count(r["ruleId"].get<std::string>())) bad.push_back(rw + ": unknown ruleId");
      for (const auto& loc : r.value("locations", nlohmann::json::array())) {
        if (loc.contains("physicalLocation") && !loc["physicalLocation"].contains("artifactLocation") &&
            !loc["physicalLocation"].contains("address"))
          bad.push_back(rw + ": physicalLocation needs artifactLocation or address");
      }
    }
  }
  return bad;
}

inline std::vector<std::string> check_cyclonedx_1_5(const nlohmann::json& doc) {
  std::vector<std::string> bad;
  if (!doc.is_object()) return {"bom: not an object"};
  if (doc.value("bomFormat", "") != "CycloneDX") bad.push_back("bomFormat must be CycloneDX");
  if (doc.value("specVersion", "") != "1.5") bad.push_back("specVersion must be 1.5");
  static const std::regex kSerial("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  if (doc.contains("serialNumber") && !std::regex_match(doc["serialNumber"].get<std::string>(), kSerial))
    bad.push_back("serialNumber does not match the urn:uuid pattern");
  if (doc.contains("version") && (!doc["version"].is_number_integer() || doc["version"].get<int>() < 1))
    bad.push_back("version must be an integer >= 1");
  static const std::set<std::string> kTypes{"application", "framework", "library", "container", "platform",
                                            "operating-system", "device", "device-driver", "firmware", "file",
                                            "machine-learning-model", "data"};
  std::set<std::string> refs;
  auto check_component = [&](const nlohmann::json& c, const std::string& w) {
    if (!c.contains("type") || !kTypes.count(c["type"].get<std::string>())) bad.push_back(w + ": missing or bad type");
    if (!c.contains("name") || !c["name"].is_string()) bad.push_back(w + ": missing name");
    if (c.contains("bom-ref") && !refs.insert(c["bom-ref"].get<std::string>()).second)
      bad.push_back(w + ": duplicate bom-ref");
    for (const auto& p : c.value("properties", nlohmann::json::array()))
      if (!p.contains("name")) bad.push_back(w + ".properties: missing name");
  };
  if (doc.contains("metadata")) {
    const auto& m = doc["metadata"];
    if (m.contains("component")) check_component(m["component"], "metadata.component");
    if (m.contains("tools") && m["tools"].is_object())
      for (const auto& c : m["tools"].value("components", nlohmann::json::array())) check_component(c, "metadata.tools");
  }
  const auto components = doc.value("components", nlohmann::json::array());
  for (size_t i = 0; i < components.size(); ++i) check_component(components[i], "components[" + std::to_string(i) + "]");
  static const std::set<std::string> kStates{"resolved", "resolved_with_pedigree", "exploitable", "in_triage",
                                             "false_positive", "not_affected"};
  static const std::set<std::string> kJustifications{
      "code_not_present",     "code_not_reachable",    "requires_configuration", "requires_dependency",
      "requires_environment", "protected_by_compiler", "protected_at_runtime",   "protected_at_perimeter",
      "protected_by_mitigating_control"};
  static const std::set<std::string> kResponses{"can_not_fix", "will_not_fix", "update", "rollback",
                                                "workaround_available"};
  static const std::set<std::string> kSeverities{"critical", "high", "medium", "low", "info", "none", "unknown"};
  const auto vulns = doc.value("vulnerabilities", nlohmann::json::array());
  for (size_t i = 0; i < vulns.size(); ++i) {
    const auto& v = vulns[i];
    std::string w = "vulnerabilities[" + std::to_string(i) + "]";
    if (v.contains("bom-ref") && !refs.insert(v["bom-ref"].get<std::string>()).second) bad.push_back(w + ": duplicate bom-ref");
    for (const auto& r : v.value("ratings", nlohmann::json::array()))
      if (r.contains("severity") && !kSeverities.count(r["severity"].get<std::string>())) bad.push_back(w + ": bad severity");
    if (v.contains("analysis")) {
      const auto& a = v["analysis"];
      if (a.contains("state") && !kStates.count(a["state"].get<std::string>())) bad.push_back(w + ": bad analysis.state");
      if (a.contains("justification") && !kJustifications.count(a["justification"].get<std::string>()))
        bad.push_back(w + ": bad analysis.justification");
      for (const auto& r : a.value("response", nlohmann::json::array()))
        if (!kResponses.count(r.get<std::string>())) bad.push_back(w + ": bad analysis.response");
    }
    for (const auto& a : v.value("affects", nlohmann::json::array()))
      if (!a.contains("ref")) bad.push_back(w + ".affects: missing required ref");
  }
  // Every affects.ref names a component.
  std::set<std::string> component_refs;
  for (const auto& c : components) component_refs.insert(c.value("bom-ref", ""));
  for (const auto& v : vulns)
    for (const auto& a : v.value("affects", nlohmann::json::array()))
      if (!component_refs.count(a.value("ref", ""))) bad.push_back("affects.ref " + a.value("ref", "") + " names no component");
  return bad;
}

}  // namespace l4s::report::schema
