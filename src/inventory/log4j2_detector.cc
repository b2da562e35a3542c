// log4j-core 2.x. Finds every copy in the container -- standard, relocated by
// shading, with renamed class-file extensions, or obfuscated -- reads its
// fingerprint classes, narrows the releases it can be (log4j2_facts.h), and
// lets pom.properties / MANIFEST.MF / the file name name the exact release
// when that agrees with the classes. Classes always decide the CVEs.
#include <map>
#include <optional>

#include "inventory/class_markers.h"
#include "inventory/known_hashes.h"
#include "inventory/log4j2_facts.h"
#include "inventory/metadata.h"
#include "inventory/scan.h"

namespace l4s::inventory {
namespace {

constexpr std::string_view kStandardRoot = "org/apache/logging/log4j/core/";
constexpr std::string_view kGroup = "org.apache.logging.log4j";
constexpr std::string_view kArtifact = "log4j-core";

// The obfuscation fallback reads class files one by one; bound the work.
constexpr size_t kMaxObfuscatedClasses = 50000;
constexpr uint64_t kMaxObfuscatedBytes = 256u << 20;

// One copy: the directory holding its lookup/ and net/ packages ("" when they
// sit at the container root, as in google's vuln-class.jar).
struct Copy {
  std::string root;
  std::vector<size_t> jndi_lookups;   // entries named JndiLookup.* under root
  std::vector<size_t> jndi_managers;  // entries named JndiManager.* under root
  std::optional<size_t> interpolator;
  bool obfuscated = false;
  bool jndi_lookup_unreadable = false;  // a candidate could not be read: assume present
  Log4j2Facts facts;
  std::vector<std::string> evidence;
};

struct Claim {
  std::string version;
  std::string source;  // "pom" | "manifest" | "filename"
};

// "x/core/lookup/" minus "lookup/" is the copy root "x/core/". A class not in
// its usual package directory (a flattened or hand-made copy) roots at its own
// directory.
std::string root_of(std::string_view dir, std::string_view package) {
  if (dir.ends_with(package) && (dir.size() == package.size() || dir[dir.size() - package.size() - 1] == '/'))
    return std::string(dir.substr(0, dir.size() - package.size()));
  return std::string(dir);
}

// Pass over entry names only: candidate copies, keyed (and so ordered) by root.
std::map<std::string, Copy> find_copies(Scan& scan) {
  std::map<std::string, Copy> copies;
  const Container& c = scan.container();
  for (size_t i = 0; i < c.entry_count(); ++i) {
    std::string_view name = c.entry_name(i);
    if (name.empty() || name.back() == '/') continue;
    if (has_stem(name, "JndiLookup")) {
      std::string root = root_of(entry_dir(name), "lookup/");
      copies[root].jndi_lookups.push_back(i);
    } else if (has_stem(name, "JndiManager")) {
      std::string root = root_of(entry_dir(name), "net/");
      copies[root].jndi_managers.push_back(i);
    } else if (name.ends_with("/lookup/Interpolator.class") || name == "lookup/Interpolator.class") {
      // Pre-beta9 releases have neither JndiLookup nor JndiManager: a copy is
      // recognised by Interpolator next to LoggerContext.
      std::string root(entry_dir(name).substr(0, entry_dir(name).size() - 7));
      if (scan.has(root + "LoggerContext.class")) copies[root].interpolator = i;
    }
  }
  for (auto& [root, copy] : copies) copy.root = root;
  return copies;
}

// The first candidate whose content passes check.
std::optional<std::string> first_genuine(Scan& scan, const std::vector<size_t>& candidates,
                                         bool (*check)(std::string_view), bool* unreadable) {
  for (size_t i : candidates) {
    auto bytes = scan.read(i);
    if (!bytes) {
      *unreadable = true;
      continue;
    }
    if (check(*bytes)) return bytes;
  }
  return std::nullopt;
}

Tri tri(bool b) { return b ? Tri::kYes : Tri::kNo; }

size_t first_release(const ReleaseSet& set) {
  size_t i = 0;
  while (i < set.size() && !set.test(i)) ++i;
  return i;
}

// Reads the fingerprint classes of a copy; false when nothing in it is log4j.
bool read_classes(Scan& scan, Copy& copy) {
  Log4j2Facts& f = copy.facts;
  const std::string& root = copy.root;
  bool jl_unreadable = false, jm_unreadable = false;
  auto jl = first_genuine(scan, copy.jndi_lookups, is_log4j_jndi_lookup, &jl_unreadable);
  auto jm = first_genuine(scan, copy.jndi_managers, is_log4j_jndi_manager, &jm_unreadable);
  std::optional<std::string> interp;
  if (copy.interpolator) {
    interp = scan.read(*copy.interpolator);
    if (interp && !is_log4j_interpolator(*interp)) interp.reset();
  }
  if (!jl && !jm && !interp) return false;

  copy.jndi_lookup_unreadable = !jl && jl_unreadable;
  if (jl) {
    f.jndi_lookup = jndi_lookup_kind(*jl);
    copy.evidence.push_back(describe(f.jndi_lookup));
  } else {
    copy.evidence.push_back(copy.jndi_lookup_unreadable ? "JndiLookup unreadable: assumed present"
                                                        : "JndiLookup absent");
  }
  if (jm) {
    f.jndi_manager = jndi_manager_kind(*jm);
    f.jndi_manager_md5 = md5_hex(*jm);
    copy.evidence.push_back(describe(f.jndi_manager));
  } else if (jm_unreadable) {
    copy.evidence.push_back("JndiManager unreadable");
  }
  f.major = class_major(jm ? *jm : jl ? *jl : *interp);
  copy.evidence.push_back("class major " + std::to_string(f.major));

  // Whether the release shipped JndiLookup matters only when it is missing.
  if (!jl) {
    if (!interp) interp = scan.read(root + "lookup/Interpolator.class");
    if (interp && is_log4j_interpolator(*interp)) f.has_jndi_lookup = tri(names_jndi_lookup(*interp));
  }
  // Without JndiManager the fix level comes from the classes patched with it.
  if (!jm) {
    if (auto b = scan.read(root + "appender/db/jdbc/DataSourceConnectionSource.class"); b && is_class_file(*b))
      f.jdbc_gated = tri(has_jdbc_gate(*b));
    if (auto b = scan.read(root + "pattern/MessagePatternConverter.class"); b && is_class_file(*b))
      f.no_message_lookups = tri(has_no_message_lookups(*b));
    if (auto b = scan.read(root + "lookup/StrSubstitutor.class"); b && is_class_file(*b))
      f.recursion_guard = tri(has_recursion_guard(*b));
  }
  // A class's absence is a fact only in a complete copy, not in a trimmed one.
  bool complete = scan.has(root + "LoggerContext.class") && scan.has(root + "Appender.class") &&
                  scan.has(root + "lookup/Interpolator.class");
  bool set_utils = scan.has(root + "util/SetUtils.class");
  bool data_source = scan.has(root + "appender/db/jdbc/DataSourceConnectionSource.class");
  bool nosql = scan.has(root + "appender/nosql/NoSqlAppender.class");
  if (complete || set_utils) f.set_utils = tri(set_utils);
  if (complete || nosql) f.nosql = tri(nosql);
  if (complete || data_source) f.data_source = tri(data_source);
  return true;
}

// Obfuscated jars (classes renamed, strings kept): find the JndiLookup and
// JndiManager roles by their strings. Only run when a log4j-core pom says the
// jar holds log4j-core and no class sits at a recognisable path.
std::optional<Copy> find_obfuscated_copy(Scan& scan) {
  const Container& c = scan.container();
  std::optional<std::string> jl, jm;
  std::string jl_name, jm_name;
  size_t classes = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < c.entry_count() && !(jl && jm); ++i) {
    std::string_view name = c.entry_name(i);
    if (!name.ends_with(".class") || c.entry_size(i) > kMaxClassBytes) continue;
    if (++classes > kMaxObfuscatedClasses || bytes > kMaxObfuscatedBytes) break;
    auto b = scan.read(i);
    if (!b) continue;
    bytes += b->size();
    if (!jl && looks_like_obfuscated_jndi_lookup(*b)) {
      jl = std::move(b);
      jl_name = name;
    } else if (!jm && looks_like_obfuscated_jndi_manager(*b)) {
      jm = std::move(b);
      jm_name = name;
    }
  }
  if (!jl && !jm) return std::nullopt;
  Copy copy;
  copy.obfuscated = true;
  Log4j2Facts& f = copy.facts;
  if (jl) {
    f.jndi_lookup = jndi_lookup_kind(*jl);
    copy.evidence.push_back("obfuscated: JndiLookup strings in " + jl_name);
    copy.evidence.push_back(describe(f.jndi_lookup));
  }
  if (jm) {
    f.jndi_manager = jndi_manager_kind(*jm);
    f.jndi_manager_md5 = md5_hex(*jm);
    copy.evidence.push_back("obfuscated: JndiManager strings in " + jm_name);
    copy.evidence.push_back(describe(f.jndi_manager));
  }
  f.major = class_major(jm ? *jm : *jl);
  copy.evidence.push_back("class major " + std::to_string(f.major));
  return copy;
}

bool is_log4j_core_identity(std::string_view s) {
  return icontains(s, "log4j core") || s == "org.apache.logging.log4j.core" ||
         s == "org.apache.commons.log4j-core";
}

// The metadata claim for each copy, strongest source first: pom.properties
// (attributed by owner directory), then the jar's own manifest and file name,
// which describe the jar as a whole and so only speak for its standard copy or
// its only copy.
std::vector<std::optional<Claim>> claims_for(Scan& scan, const std::vector<Copy*>& copies) {
  std::vector<std::optional<Claim>> claims(copies.size());
  auto poms = scan.poms(kGroup, kArtifact);

  // Each copy's pom is the one whose owner directory most closely encloses it.
  std::vector<int> best(copies.size(), -1);
  std::vector<int> claimants(poms.size(), 0);
  for (size_t c = 0; c < copies.size(); ++c) {
    for (size_t p = 0; p < poms.size(); ++p) {
      if (!copies[c]->root.starts_with(poms[p].owner)) continue;
      if (best[c] < 0 || poms[p].owner.size() > poms[best[c]].owner.size()) best[c] = static_cast<int>(p);
    }
    if (best[c] >= 0) claimants[best[c]]++;
  }
  for (size_t c = 0; c < copies.size(); ++c) {
    if (best[c] < 0) continue;
    const auto& pom = poms[best[c]];
    bool standard = copies[c]->root == pom.owner + std::string(kStandardRoot);
    if (claimants[best[c]] == 1 || standard)
      claims[c] = Claim{pom.properties.version, "pom"};
  }

  bool single = copies.size() == 1;
  std::optional<std::string> manifest = manifest_version(scan.manifest(), is_log4j_core_identity);
  std::optional<std::string> file = version_from_file_name(scan.ctx().file_name, kArtifact);
  for (size_t c = 0; c < copies.size(); ++c) {
    if (claims[c] || !(single || copies[c]->root == kStandardRoot)) continue;
    if (manifest) claims[c] = Claim{*manifest, "manifest"};
    else if (file) claims[c] = Claim{*file, "filename"};
  }
  return claims;
}

Finding decide(Scan& scan, Copy& copy, const std::optional<Claim>& claim) {
  Finding f = new_finding(scan, "log4j-core");
  if (copy.root != kStandardRoot && !copy.obfuscated) f.shaded_prefix = copy.root.empty() ? "/" : copy.root;
  f.evidence = std::move(copy.evidence);

  Narrowing n = narrow_releases(copy.facts);
  for (auto& e : n.evidence) f.evidence.push_back(std::move(e));
  auto rows = log4j2_releases();
  std::string range = render_range(n.releases);
  f.evidence.push_back("releases fitting the classes: " + range);

  uint8_t cves = cves_of(n.releases);
  if (claim) {
    int idx = log4j2_release_index(claim->version);
    if (idx >= 0 && n.releases.test(idx)) {
      f.version = claim->version;
      f.version_source = claim->source;
      cves = rows[idx].cves;
      f.evidence.push_back(source_label(claim->source) + ": " + claim->version);
    } else {
      f.metadata_mismatch = true;
      f.claimed_version = claim->version;
      f.evidence.push_back(source_label(claim->source) + " claims " + claim->version + ", classes say " + range);
    }
  }
  if (!f.version) {
    f.version_source = n.by_hash ? "hash" : "classes";
    bool open_ended = n.releases.test(rows.size() - 1);
    if (n.releases.count() == 1 && !open_ended) f.version = std::string(rows[first_release(n.releases)].name);
    else f.version_range = range;
  }

  // Removing JndiLookup.class (Apache's mitigation) neutralises the two lookup
  // CVEs; the DoS and JDBC ones do not depend on it.
  bool removed =
      copy.facts.jndi_lookup == JndiLookupKind::kNone && !copy.jndi_lookup_unreadable && !copy.obfuscated;
  uint8_t neutral = removed ? (cves & (kCve44228 | kCve45046)) : 0;
  if (neutral) f.evidence.push_back("JndiLookup removed: CVE-2021-44228/45046 neutralised");
  if (copy.obfuscated && copy.facts.jndi_lookup == JndiLookupKind::kNone)
    f.evidence.push_back("obfuscated: JndiLookup not located, assumed present");
  f.cves = cve_ids(cves & ~neutral);
  f.mitigated_cves = cve_ids(neutral);
  return f;
}

}  // namespace

void detect_log4j2(Scan& scan, std::vector<Finding>& out) {
  std::map<std::string, Copy> found = find_copies(scan);
  std::vector<Copy*> copies;
  for (auto& [root, copy] : found)
    if (read_classes(scan, copy)) copies.push_back(&copy);

  std::optional<Copy> obfuscated;
  if (copies.empty() && !scan.poms(kGroup, kArtifact).empty()) {
    obfuscated = find_obfuscated_copy(scan);
    if (obfuscated) copies.push_back(&*obfuscated);
  }
  if (copies.empty()) return;

  auto claims = claims_for(scan, copies);
  for (size_t i = 0; i < copies.size(); ++i) out.push_back(decide(scan, *copies[i], claims[i]));
}

}  // namespace l4s::inventory
