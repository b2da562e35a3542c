// State shared by the detectors during one detect_components() call: an index
// of entry names, size-capped reads whose failures are remembered (they become
// evidence and ScanErrors, never exceptions), and metadata lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/finding.h"
#include "inventory/container.h"
#include "inventory/metadata.h"

namespace l4s::inventory {

// Class files are small (JndiManager is ~10 KB); anything past this is not one.
inline constexpr uint64_t kMaxClassBytes = 4u << 20;
// Manifests of signed fat jars list a digest per entry and can be large.
inline constexpr uint64_t kMaxManifestBytes = 16u << 20;
inline constexpr uint64_t kMaxPomBytes = 64u << 10;

class Scan {
 public:
  Scan(const Container& container, const DetectContext& ctx);
  Scan(const Scan&) = delete;
  Scan& operator=(const Scan&) = delete;

  const Container& container() const { return container_; }
  const DetectContext& ctx() const { return ctx_; }

  // Entry with exactly this name (the first one when a zip lists it twice).
  std::optional<size_t> find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name).has_value(); }

  // Content of an entry within cap bytes; on failure remembers
  // "<name>: <reason>" (see failures()) and returns nullopt.
  std::optional<std::string> read(size_t index, uint64_t cap = kMaxClassBytes);
  std::optional<std::string> read(std::string_view name, uint64_t cap = kMaxClassBytes);

  // Every pom.properties of group:artifact, under any owner directory ("" for
  // the jar's own, "vuln/" for "vuln/META-INF/maven/..."), in entry order.
  struct Pom {
    std::string owner;
    PomProperties properties;
  };
  std::vector<Pom> poms(std::string_view group, std::string_view artifact);

  // Sections of the jar's own META-INF/MANIFEST.MF (empty when absent), parsed once.
  const std::vector<ManifestSection>& manifest();

  // Read failures so far, in order.
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  const Container& container_;
  const DetectContext& ctx_;
  std::unordered_map<std::string_view, size_t> by_name_;
  std::vector<size_t> pom_entries_;  // names ending in META-INF/maven/<g>/<a>/pom.properties
  std::optional<std::vector<ManifestSection>> manifest_;
  std::vector<std::string> failures_;
};

// Detectors: each appends the copies of its component found in the scan.
void detect_log4j2(Scan& scan, std::vector<Finding>& out);
void detect_log4j1(Scan& scan, std::vector<Finding>& out);
void detect_logback(Scan& scan, std::vector<Finding>& out);

// How evidence names a metadata source: "pom" -> "pom.properties",
// "manifest" -> "MANIFEST.MF", "filename" -> "file name".
std::string source_label(std::string_view source);

// A finding with path/location/component set from the scan context.
Finding new_finding(const Scan& scan, std::string component);

// Sorts the CVE lists and derives status and severity: vulnerable while
// CVE-2021-44228/45046 are open; mitigated when removing classes neutralised
// some CVEs and those two are not open; vulnerable for any other open CVE;
// safe with none.
void finish_finding(Finding& f);

}  // namespace l4s::inventory
