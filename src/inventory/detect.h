// Detectors for log4j-core 2.x, log4j 1.x and logback-classic inside one
// container. Classes decide the fix level (fingerprints that survive shading);
// pom.properties, MANIFEST.MF, class hashes and the file name pinpoint the
// release. Look-alikes (log4j-api, log4j-1.2-api, log4j-over-slf4j, ...) never
// produce findings.
#pragma once

#include <vector>

#include "core/finding.h"
#include "inventory/container.h"

namespace l4s::inventory {

// All components found in the container (several when a fat jar merges or
// shades more than one copy). Entry read failures become evidence, not crashes.
std::vector<Finding> detect_components(const Container& container, const DetectContext& ctx);

}  // namespace l4s::inventory
