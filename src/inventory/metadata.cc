#include "inventory/metadata.h"

#include <cctype>

namespace l4s::inventory {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Splits text into lines on LF, CRLF or CR.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    out.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

std::optional<PomProperties> parse_pom_properties(std::string_view text) {
  PomProperties pom;
  for (std::string_view line : lines_of(text)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, sep));
    std::string value(trim(line.substr(sep + 1)));
    if (key == "groupId") pom.group_id = std::move(value);
    else if (key == "artifactId") pom.artifact_id = std::move(value);
    else if (key == "version") pom.version = std::move(value);
  }
  if (pom.group_id.empty() || pom.artifact_id.empty() || pom.version.empty()) return std::nullopt;
  return pom;
}

std::string pom_properties_path(std::string_view group, std::string_view artifact) {
  std::string p = "META-INF/maven/";
  p.append(group).append("/").append(artifact).append("/pom.properties");
  return p;
}

std::string_view ManifestSection::get(std::string_view name) const {
  for (const auto& [k, v] : attributes)
    if (iequals(k, name)) return v;
  return {};
}

std::vector<ManifestSection> parse_manifest(std::string_view text) {
  std::vector<ManifestSection> sections(1);
  bool section_has_content = false;
  for (std::string_view line : lines_of(text)) {
    if (line.empty()) {  // a blank line ends a section
      if (section_has_content) sections.emplace_back();
      section_has_content = false;
      continue;
    }
    auto& attrs = sections.back().attributes;
    if (line[0] == ' ') {  // continuation of the previous value
      if (!attrs.empty()) attrs.back().second.append(line.substr(1));
      continue;
    }
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos || colon == 0) continue;
    attrs.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)));
    section_has_content = true;
  }
  if (sections.size() > 1 && sections.back().attributes.empty()) sections.pop_back();
  for (auto& s : sections)
    for (auto& [k, v] : s.attributes) v = std::string(trim(v));
  return sections;
}

std::string osgi_to_release(std::string_view v) {
  v = trim(v);
  std::string_view parts[4];  // major.minor.micro.qualifier
  size_t n = 0, start = 0;
  while (n < 3) {
    size_t dot = v.find('.', start);
    if (dot == std::string_view::npos) break;
    parts[n++] = v.substr(start, dot - start);
    start = dot + 1;
  }
  parts[n++] = v.substr(start);
  if (n < 4) return std::string(v);
  std::string out(parts[0]);
  out.append(".").append(parts[1]);
  std::string_view q = parts[3];
  for (std::string_view stage : {"alpha", "beta", "rc"}) {
    if (q.size() <= stage.size() || !iequals(q.substr(0, stage.size()), stage)) continue;
    std::string_view rest = q.substr(stage.size());
    std::string_view digits = rest.substr(0, rest.find_first_not_of("0123456789"));
    if (digits.empty()) continue;
    // Log4j names pre-releases "2.0-beta9", not "2.0.0-beta9".
    if (parts[2] != "0") out.append(".").append(parts[2]);
    out.append("-").append(stage).append(digits);
    return out;
  }
  out.append(".").append(parts[2]);  // other qualifiers (SNAPSHOT, build ids) dropped
  return out;
}

bool is_release_name(std::string_view text) {
  size_t dash = text.find('-');
  std::string_view numbers = text.substr(0, dash);
  size_t start = 0, groups = 0;
  while (true) {
    size_t dot = numbers.find('.', start);
    if (!all_digits(numbers.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    ++groups;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (groups < 2) return false;
  if (dash == std::string_view::npos) return true;
  std::string_view stage = text.substr(dash + 1);
  for (std::string_view name : {"alpha", "beta", "rc"})
    if (stage.size() > name.size() && iequals(stage.substr(0, name.size()), name) &&
        all_digits(stage.substr(name.size())))
      return true;
  return false;
}

std::optional<std::string> version_from_file_name(std::string_view file_name, std::string_view artifact) {
  if (file_name.size() < artifact.size() + 1 + 4) return std::nullopt;
  if (!iequals(file_name.substr(0, artifact.size()), artifact)) return std::nullopt;
  char sep = file_name[artifact.size()];
  if (sep != '-' && sep != '.') return std::nullopt;
  std::string_view ext = file_name.substr(file_name.size() - 4);
  if (!iequals(ext, ".jar")) return std::nullopt;
  std::string_view version = file_name.substr(artifact.size() + 1, file_name.size() - artifact.size() - 5);
  if (!is_release_name(version)) return std::nullopt;
  return std::string(version);
}

}  // namespace l4s::inventory
