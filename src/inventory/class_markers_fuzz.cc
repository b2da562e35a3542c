// libFuzzer target: the class-marker scanner and the whole detector over a
// container built from the input. The input is split at '\n' into
// name / content pairs ("name\ncontent\nname\ncontent..."), so the fuzzer can
// reach the path-shape logic (stems, roots, poms, manifests) as well as the
// byte-level marker and metadata parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "inventory/class_markers.h"
#include "inventory/detect.h"
#include "inventory/log4j2_facts.h"
#include "inventory/memory_container.h"
#include "inventory/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace l4s::inventory;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  // Byte-level pieces on the raw input.
  (void)class_major(in);
  (void)jndi_lookup_kind(in);
  (void)jndi_manager_kind(in);
  (void)parse_manifest(in);
  (void)parse_pom_properties(in);
  (void)osgi_to_release(in.substr(0, 64));
  (void)version_from_file_name(in.substr(0, 64), "log4j-core");

  MemoryContainer c;
  size_t pos = 0;
  while (pos < in.size() && c.entry_count() < 64) {
    size_t nl = in.find('\n', pos);
    std::string_view name = in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? in.size() : nl + 1;
    size_t end = in.find('\n', pos);
    std::string_view content = in.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? in.size() : end + 1;
    c.add(std::string(name), std::string(content));
  }
  std::vector<l4s::ScanError> errors;
  DetectContext ctx{"/fuzz.jar", "/fuzz.jar", "log4j-core-2.14.1.jar", &errors};
  for (const auto& f : detect_components(c, ctx)) {
    // Invariants every finding keeps.
    if (f.component.empty() || (f.version && !f.version_range.empty())) __builtin_trap();
    if (f.status == l4s::FindingStatus::kSafe && !f.cves.empty()) __builtin_trap();
  }
  return 0;
}
