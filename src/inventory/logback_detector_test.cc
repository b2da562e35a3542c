// logback-classic on synthetic jars.
#include <gtest/gtest.h>

#include "inventory/detect.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;

const std::string kLogger = "ch/qos/logback/classic/Logger.class";
const std::string kJndiUtil = "ch/qos/logback/classic/util/JNDIUtil.class";
const std::string kPom = "META-INF/maven/ch.qos.logback/logback-classic/pom.properties";

std::vector<Finding> detect(const MemoryContainer& c, std::string file_name = "lib.jar") {
  return detect_components(c, DetectContext{"/x/" + file_name, "/x/" + file_name, file_name});
}

MemoryContainer classic(bool patched_jndi_util) {
  MemoryContainer c;
  c.add(kLogger, class_bytes(50, {"ch/qos/logback/classic/Logger"}));
  c.add(kJndiUtil, patched_jndi_util ? class_bytes(50, {"JNDI name must start with java: but was "})
                                     : class_bytes(50, {"javax/naming/Context"}));
  return c;
}

TEST(LogbackDetector, VersionFromPom) {
  MemoryContainer old = classic(false);
  old.add(kPom, pom("ch.qos.logback", "logback-classic", "1.2.0"));
  auto found = detect(old);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].component, "logback-classic");
  EXPECT_EQ(found[0].version, "1.2.0");
  EXPECT_EQ(found[0].cves, std::vector<std::string>{"CVE-2021-42550"});
  EXPECT_EQ(found[0].status, FindingStatus::kVulnerable);
  EXPECT_EQ(found[0].severity, Severity::kMedium);

  MemoryContainer fixed;
  fixed.add(kLogger, class_bytes(50, {}));
  fixed.add(kPom, pom("ch.qos.logback", "logback-classic", "1.2.11"));
  found = detect(fixed);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].status, FindingStatus::kSafe);
  EXPECT_TRUE(found[0].cves.empty());
}

TEST(LogbackDetector, AlphaLineOf13) {
  MemoryContainer c;
  c.add(kLogger, class_bytes(52, {}));
  c.add(kPom, pom("ch.qos.logback", "logback-classic", "1.3.0-alpha10"));
  EXPECT_EQ(detect(c)[0].status, FindingStatus::kVulnerable);
  MemoryContainer fixed;
  fixed.add(kLogger, class_bytes(52, {}));
  fixed.add(kPom, pom("ch.qos.logback", "logback-classic", "1.3.0-alpha11"));
  EXPECT_EQ(detect(fixed)[0].status, FindingStatus::kSafe);
}

TEST(LogbackDetector, FileNameAndClasses) {
  auto found = detect(classic(false), "logback-classic-1.1.3.jar");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].version, "1.1.3");
  EXPECT_EQ(found[0].version_source, "filename");

  found = detect(classic(false));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].version);
  EXPECT_EQ(found[0].version_range, "<=1.2.7");
  EXPECT_EQ(found[0].status, FindingStatus::kVulnerable);
}

TEST(LogbackDetector, ClassesOverruleContradictingMetadata) {
  MemoryContainer c = classic(true);
  c.add(kPom, pom("ch.qos.logback", "logback-classic", "1.2.3"));
  auto found = detect(c);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].metadata_mismatch);
  EXPECT_EQ(found[0].claimed_version, "1.2.3");
  EXPECT_EQ(found[0].status, FindingStatus::kSafe);
}

TEST(LogbackDetector, CoreAndAccessAreNotFindings) {
  MemoryContainer core;
  core.add("ch/qos/logback/core/util/JNDIUtil.class", class_bytes(50, {}));
  core.add("META-INF/maven/ch.qos.logback/logback-core/pom.properties", pom("ch.qos.logback", "logback-core", "1.2.0"));
  EXPECT_TRUE(detect(core, "logback-core-1.2.0.jar").empty());
}

}  // namespace
}  // namespace l4s::inventory
