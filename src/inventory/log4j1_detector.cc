// log4j 1.x and its maintained fork reload4j. Log4j 1 is end-of-life and each
// of its CVEs lives in one optional class, so a CVE is reported only when its
// class is present and, for rebuilds that patch in place (Debian, reload4j),
// not patched. Look-alikes that reuse the org.apache.log4j package (log4j's
// own log4j-1.2-api bridge, slf4j's log4j-over-slf4j) are recognised by what
// their classes call and never reported.
#include <algorithm>
#include <optional>

#include "core/version.h"
#include "inventory/class_markers.h"
#include "inventory/metadata.h"
#include "inventory/scan.h"

namespace l4s::inventory {
namespace {

constexpr std::string_view kPackage = "org/apache/log4j/";

// A CVE and the class that carries it; the fix markers are what Debian's and
// reload4j's patched builds add to that class.
struct ClassCve {
  std::string_view cve;
  std::string_view cls;  // under org/apache/log4j/
  std::initializer_list<std::string_view> fixed_markers;
};

const ClassCve kClassCves[] = {
    // SocketNode does the deserialisation behind SocketServer/SimpleSocketServer.
    {"CVE-2019-17571", "net/SocketNode.class",
     {"FilteredObjectInputStream", "HardenedLoggingEventInputStream", "HardenedObjectInputStream"}},
    {"CVE-2020-9488", "net/SMTPAppender.class", {}},
    {"CVE-2021-4104", "net/JMSAppender.class", {}},
    {"CVE-2022-23302", "net/JMSSink.class", {}},
    {"CVE-2022-23305", "jdbc/JDBCAppender.class", {"JdbcPatternParser"}},
    {"CVE-2022-23307", "chainsaw/LoggingReceiver$Slurper.class",
     {"HardenedLoggingEventInputStream", "HardenedObjectInputStream", "FilteredObjectInputStream"}},
};

// reload4j fixes in place: the CVEs each release still has (research 1.1).
std::vector<std::string_view> reload4j_open_cves(const Version& v) {
  auto before = [&](std::string_view release) { return v.compare(*parse_version(release)) < 0; };
  if (before("1.2.18.1")) return {"CVE-2020-9488", "CVE-2022-23302", "CVE-2022-23305"};
  if (before("1.2.18.2")) return {"CVE-2020-9488", "CVE-2022-23305"};
  if (before("1.2.18.3")) return {"CVE-2020-9488"};
  return {};
}

bool is_log4j1_identity(std::string_view s) { return iequals(s, "log4j"); }
bool is_reload4j_identity(std::string_view s) { return icontains(s, "reload4j"); }

}  // namespace

void detect_log4j1(Scan& scan, std::vector<Finding>& out) {
  // Category exists in every 1.x release; trimmed jars may keep only Logger.
  std::string anchor = std::string(kPackage) + "Category.class";
  if (!scan.has(anchor)) anchor = std::string(kPackage) + "Logger.class";
  auto bytes = scan.read(anchor);
  if (!bytes || !is_class_file(*bytes)) return;
  // Bridges implement the 1.x API on top of another logger.
  if (contains(*bytes, "org/apache/logging/log4j/") || contains(*bytes, "org/slf4j/")) return;

  auto reload4j_poms = scan.poms("ch.qos.reload4j", "reload4j");
  auto log4j_poms = scan.poms("log4j", "log4j");
  const auto& manifest = scan.manifest();
  auto reload4j_manifest = manifest_version(manifest, is_reload4j_identity);
  auto reload4j_file = version_from_file_name(scan.ctx().file_name, "reload4j");
  bool reload4j = !reload4j_poms.empty() || reload4j_manifest || reload4j_file;

  Finding f = new_finding(scan, reload4j ? "reload4j" : "log4j");
  f.evidence.push_back("log4j 1.x API implementation: " + anchor);

  // Release name, strongest source first.
  std::optional<std::string> version;
  auto take = [&](const std::optional<std::string>& v, const char* source) {
    if (version || !v) return;
    version = v;
    f.version_source = source;
  };
  if (reload4j) {
    if (!reload4j_poms.empty()) take(reload4j_poms[0].properties.version, "pom");
    take(reload4j_manifest, "manifest");
    take(reload4j_file, "filename");
  } else {
    if (!log4j_poms.empty()) take(log4j_poms[0].properties.version, "pom");
    take(manifest_version(manifest, is_log4j1_identity), "manifest");
    take(version_from_file_name(scan.ctx().file_name, "log4j"), "filename");
  }
  if (version) {
    f.version = version;
    f.evidence.push_back(source_label(f.version_source) + ": " + *version);
  } else {
    // Logger arrived in 1.2; reload4j starts at 1.2.18.0.
    f.version_source = "classes";
    f.version_range = reload4j ? ">=1.2.18.0"
                      : scan.has(std::string(kPackage) + "Logger.class") ? "1.2..1.2.17"
                                                                           : "1.0..1.1.3";
  }

  std::optional<Version> parsed = version ? parse_version(*version) : std::nullopt;
  for (const ClassCve& c : kClassCves) {
    std::string path = std::string(kPackage) + std::string(c.cls);
    if (!scan.has(path)) continue;
    if (reload4j && parsed) {
      // Fixed in place: the release decides, the class must still be there.
      auto open = reload4j_open_cves(*parsed);
      if (std::find(open.begin(), open.end(), c.cve) == open.end()) continue;
    } else if (c.fixed_markers.size() > 0) {
      auto cls = scan.read(path);
      bool fixed = false;
      for (std::string_view m : c.fixed_markers) fixed = fixed || (cls && contains(*cls, m));
      if (fixed) {
        f.evidence.push_back(std::string(c.cls) + ": patched");
        continue;
      }
    }
    f.cves.emplace_back(c.cve);
    f.evidence.push_back(std::string(c.cls) + " present");
  }
  out.push_back(std::move(f));
}

}  // namespace l4s::inventory
