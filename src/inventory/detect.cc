#include "inventory/detect.h"

#include "inventory/scan.h"

namespace l4s::inventory {

std::vector<Finding> detect_components(const Container& container, const DetectContext& ctx) {
  Scan scan(container, ctx);
  std::vector<Finding> out;
  detect_log4j2(scan, out);
  detect_log4j1(scan, out);
  detect_logback(scan, out);
  for (auto& f : out) finish_finding(f);
  return out;
}

}  // namespace l4s::inventory
