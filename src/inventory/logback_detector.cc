// logback-classic, for CVE-2021-42550 (JNDI lookups from an attacker-writable
// configuration): releases up to 1.2.7 and 1.3.0-alpha0..alpha10. logback-core
// and logback-access never produce findings.
#include <optional>

#include "core/version.h"
#include "inventory/class_markers.h"
#include "inventory/metadata.h"
#include "inventory/scan.h"

namespace l4s::inventory {
namespace {

constexpr std::string_view kCve = "CVE-2021-42550";
constexpr std::string_view kAnchor = "ch/qos/logback/classic/Logger.class";
// classic's JNDIUtil until 1.2.8 (it moved to logback-core in 1.2.9); the fix
// added a java: namespace check to it.
constexpr std::string_view kJndiUtil = "ch/qos/logback/classic/util/JNDIUtil.class";
constexpr std::string_view kJavaNamespaceCheck = "must start with java:";

bool affected(const Version& v) {
  return version_in(v, "0", "1.2.7") || version_in(v, "1.3.0-alpha0", "1.3.0-alpha10");
}

bool is_classic_identity(std::string_view s) {
  return s == "ch.qos.logback.classic" || icontains(s, "logback classic");
}

}  // namespace

void detect_logback(Scan& scan, std::vector<Finding>& out) {
  if (!scan.has(kAnchor)) return;
  Finding f = new_finding(scan, "logback-classic");
  f.evidence.push_back(std::string("logback-classic: ") + std::string(kAnchor));

  // Classes: an unpatched classic JNDIUtil means <= 1.2.7.
  std::optional<bool> classes_affected;
  if (auto b = scan.read(kJndiUtil); b && is_class_file(*b)) {
    classes_affected = !contains(*b, kJavaNamespaceCheck);
    f.evidence.push_back(*classes_affected ? "JNDIUtil without java: namespace check"
                                           : "JNDIUtil: java: namespace check");
  }

  // Release name, strongest source first.
  std::optional<std::string> version;
  std::string source;
  auto take = [&](const std::optional<std::string>& v, const char* from) {
    if (version || !v) return;
    version = v;
    source = from;
  };
  if (auto poms = scan.poms("ch.qos.logback", "logback-classic"); !poms.empty())
    take(poms[0].properties.version, "pom");
  take(manifest_version(scan.manifest(), is_classic_identity), "manifest");
  take(version_from_file_name(scan.ctx().file_name, "logback-classic"), "filename");
  std::optional<Version> parsed = version ? parse_version(*version) : std::nullopt;
  if (version && !parsed) f.evidence.push_back(source_label(source) + ": unparsable version " + *version);

  bool vulnerable;
  if (parsed && (!classes_affected || affected(*parsed) == *classes_affected)) {
    f.version = version;
    f.version_source = source;
    f.evidence.push_back(source_label(source) + ": " + *version);
    vulnerable = affected(*parsed);
  } else {
    if (parsed) {  // metadata contradicts the classes: the classes decide
      f.metadata_mismatch = true;
      f.claimed_version = version;
      f.evidence.push_back(source_label(source) + " claims " + *version + ", classes disagree");
    }
    f.version_source = "classes";
    vulnerable = classes_affected.value_or(false);
    // No classic JNDIUtil: it moved to logback-core in 1.2.9.
    f.version_range = vulnerable ? "<=1.2.7" : classes_affected ? ">=1.2.8" : ">=1.2.9";
  }
  if (vulnerable) f.cves.emplace_back(kCve);
  out.push_back(std::move(f));
}

}  // namespace l4s::inventory
