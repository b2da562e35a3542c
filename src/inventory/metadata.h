// Release metadata a jar carries about itself: Maven pom.properties, the
// JAR manifest, and the file name. Metadata only names the release; the
// detectors check it against the classes (it can be stale, wrong or forged).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace l4s::inventory {

struct PomProperties {
  std::string group_id;
  std::string artifact_id;
  std::string version;
};

// key=value / key: value lines of a pom.properties; '#' and '!' comments.
// nullopt unless groupId, artifactId and version are all present.
std::optional<PomProperties> parse_pom_properties(std::string_view text);

// The pom.properties path Maven writes for group:artifact, relative to the
// jar root: "META-INF/maven/<group>/<artifact>/pom.properties".
std::string pom_properties_path(std::string_view group, std::string_view artifact);

// One section of a MANIFEST.MF: the main section first, then each "Name:" section.
struct ManifestSection {
  std::vector<std::pair<std::string, std::string>> attributes;
  // Attribute value (case-insensitive name), "" when absent.
  std::string_view get(std::string_view name) const;
};

// Parses sections and attributes, joining 72-byte continuation lines; CRLF,
// LF and CR line ends. Malformed lines are skipped.
std::vector<ManifestSection> parse_manifest(std::string_view text);

// Implementation-Version of the first section whose Implementation-Title,
// Bundle-Name or Bundle-SymbolicName (before any ';') satisfies `is_ours`,
// else its Bundle-Version made a release name (osgi_to_release). Sections
// that carry no such identity are ignored, so a fat jar's own manifest never
// names the release of a library merged into it.
template <typename Pred>
std::optional<std::string> manifest_version(const std::vector<ManifestSection>& sections, Pred is_ours);

// OSGi Bundle-Version to the project's release name: "2.0.0.beta9" -> "2.0-beta9",
// "2.1.0" -> "2.1.0", "1.2.0.SNAPSHOT" -> "1.2.0".
std::string osgi_to_release(std::string_view bundle_version);

// Strict release syntax: digits(.digits)* with an optional -alphaN / -betaN / -rcN
// (case-insensitive) -- no "-SNAPSHOT", no "_potentially".
bool is_release_name(std::string_view text);

// The version in a file name "<artifact>-<version>.jar" (or '.' instead of
// '-', as in "log4j-core.2.12.1.jar"), when the version is a release name.
// "log4j-core-2.14.1.jar" -> "2.14.1"; "log4j-core-2.14.1-sources.jar" -> nullopt.
std::optional<std::string> version_from_file_name(std::string_view file_name, std::string_view artifact);

// ASCII case-insensitive helpers.
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);

// ---- template implementation ----

template <typename Pred>
std::optional<std::string> manifest_version(const std::vector<ManifestSection>& sections, Pred is_ours) {
  for (const auto& s : sections) {
    std::string_view symbolic = s.get("Bundle-SymbolicName");
    symbolic = symbolic.substr(0, symbolic.find(';'));
    if (!is_ours(s.get("Implementation-Title")) && !is_ours(s.get("Bundle-Name")) && !is_ours(symbolic)) continue;
    if (std::string_view v = s.get("Implementation-Version"); !v.empty()) return std::string(v);
    if (std::string_view v = s.get("Bundle-Version"); !v.empty()) return osgi_to_release(v);
  }
  return std::nullopt;
}

}  // namespace l4s::inventory
