#include "inventory/scan.h"

#include <algorithm>

#include "core/cve.h"

namespace l4s::inventory {
namespace {

constexpr std::string_view kMavenDir = "META-INF/maven/";
constexpr std::string_view kPomFile = "/pom.properties";

}  // namespace

Scan::Scan(const Container& container, const DetectContext& ctx) : container_(container), ctx_(ctx) {
  size_t n = container.entry_count();
  by_name_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string_view name = container.entry_name(i);
    by_name_.emplace(name, i);
    if (name.ends_with(kPomFile) && name.find(kMavenDir) != std::string_view::npos) pom_entries_.push_back(i);
  }
}

std::optional<size_t> Scan::find(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Scan::read(size_t index, uint64_t cap) {
  auto r = container_.read_entry(index, cap);
  if (r.ok()) return std::move(r).value();
  std::string name(container_.entry_name(index));
  failures_.push_back(name + ": " + r.error());
  if (ctx_.errors) ctx_.errors->push_back(ScanError{ctx_.location + "!/" + name, r.error()});
  return std::nullopt;
}

std::optional<std::string> Scan::read(std::string_view name, uint64_t cap) {
  auto i = find(name);
  if (!i) return std::nullopt;
  return read(*i, cap);
}

std::vector<Scan::Pom> Scan::poms(std::string_view group, std::string_view artifact) {
  std::string suffix = pom_properties_path(group, artifact);
  std::vector<Pom> out;
  for (size_t i : pom_entries_) {
    std::string_view name = container_.entry_name(i);
    if (!name.ends_with(suffix)) continue;
    std::string_view owner = name.substr(0, name.size() - suffix.size());
    if (!owner.empty() && owner.back() != '/') continue;  // "xMETA-INF/..." is not a pom
    auto text = read(i, kMaxPomBytes);
    if (!text) continue;
    auto props = parse_pom_properties(*text);
    // The path names the artifact; trust the content only when it agrees.
    if (!props || props->group_id != group || props->artifact_id != artifact) continue;
    out.push_back(Pom{std::string(owner), std::move(*props)});
  }
  return out;
}

const std::vector<ManifestSection>& Scan::manifest() {
  if (!manifest_) {
    auto text = read("META-INF/MANIFEST.MF", kMaxManifestBytes);
    manifest_ = text ? parse_manifest(*text) : std::vector<ManifestSection>{};
  }
  return *manifest_;
}

std::string source_label(std::string_view source) {
  if (source == "pom") return "pom.properties";
  if (source == "manifest") return "MANIFEST.MF";
  if (source == "filename") return "file name";
  return std::string(source);
}

Finding new_finding(const Scan& scan, std::string component) {
  Finding f;
  f.path = scan.ctx().path;
  f.location = scan.ctx().location;
  f.component = std::move(component);
  return f;
}

void finish_finding(Finding& f) {
  auto tidy = [](std::vector<std::string>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  tidy(f.cves);
  tidy(f.mitigated_cves);
  auto open = [&](std::string_view id) { return std::find(f.cves.begin(), f.cves.end(), id) != f.cves.end(); };
  if (open("CVE-2021-44228") || open("CVE-2021-45046")) f.status = FindingStatus::kVulnerable;
  else if (!f.mitigated_cves.empty()) f.status = FindingStatus::kMitigated;
  else if (!f.cves.empty()) f.status = FindingStatus::kVulnerable;
  else f.status = FindingStatus::kSafe;
  f.severity = severity_of(f.cves);
}

}  // namespace l4s::inventory
