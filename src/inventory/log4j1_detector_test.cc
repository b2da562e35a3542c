// log4j 1.x / reload4j on synthetic jars.
#include <gtest/gtest.h>

#include "inventory/detect.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;
using Strings = std::vector<std::string>;

const std::string kP = "org/apache/log4j/";

std::vector<Finding> detect(const MemoryContainer& c, std::string file_name = "lib.jar") {
  return detect_components(c, DetectContext{"/x/" + file_name, "/x/" + file_name, file_name});
}

// A log4j 1.2.x jar; the optional CVE classes as listed.
MemoryContainer log4j12(std::initializer_list<std::string> classes) {
  MemoryContainer c;
  c.add(kP + "Category.class", class_bytes(48, {"org/apache/log4j/Category", "org/apache/log4j/Priority"}));
  c.add(kP + "Logger.class", class_bytes(48, {"org/apache/log4j/Logger", "org/apache/log4j/Category"}));
  c.add(kP + "DailyRollingFileAppender.class", class_bytes(48, {"DailyRollingFileAppender"}));
  for (const auto& cls : classes) c.add(kP + cls, class_bytes(48, {"java/io/ObjectInputStream"}));
  return c;
}

const std::initializer_list<std::string> kAllCveClasses = {
    "net/SocketNode.class", "net/SocketServer.class", "net/SMTPAppender.class", "net/JMSAppender.class",
    "net/JMSSink.class", "jdbc/JDBCAppender.class", "chainsaw/LoggingReceiver$Slurper.class"};

TEST(Log4j1Detector, FullJarWithPom) {
  MemoryContainer c = log4j12(kAllCveClasses);
  c.add("META-INF/maven/log4j/log4j/pom.properties", pom("log4j", "log4j", "1.2.17"));
  auto found = detect(c);
  ASSERT_EQ(found.size(), 1u);
  const Finding& f = found[0];
  EXPECT_EQ(f.component, "log4j");
  EXPECT_EQ(f.version, "1.2.17");
  EXPECT_EQ(f.version_source, "pom");
  EXPECT_EQ(f.cves, (Strings{"CVE-2019-17571", "CVE-2020-9488", "CVE-2021-4104", "CVE-2022-23302",
                             "CVE-2022-23305", "CVE-2022-23307"}));
  EXPECT_EQ(f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(f.severity, Severity::kCritical);
}

TEST(Log4j1Detector, CvesFollowTheClassesPresent) {
  MemoryContainer no_jms = log4j12({"net/SocketNode.class", "jdbc/JDBCAppender.class"});  // logpresso noJMS-like
  auto found = detect(no_jms, "log4j-1.2.14.jar");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].version, "1.2.14");
  EXPECT_EQ(found[0].version_source, "filename");
  EXPECT_EQ(found[0].cves, (Strings{"CVE-2019-17571", "CVE-2022-23305"}));
}

TEST(Log4j1Detector, DebianPatchedClassesAreNotCounted) {
  MemoryContainer c = log4j12({"net/SocketServer.class", "net/SMTPAppender.class"});
  c.add(kP + "net/SocketNode.class", class_bytes(50, {"org/apache/log4j/FilteredObjectInputStream"}));
  c.add(kP + "jdbc/JDBCAppender.class", class_bytes(50, {"org/apache/log4j/jdbc/JdbcPatternParser"}));
  c.add(kP + "chainsaw/LoggingReceiver$Slurper.class",
        class_bytes(50, {"org/apache/log4j/net/HardenedLoggingEventInputStream"}));
  c.add("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: log4j\nImplementation-Version: 1.2.17\n");
  auto found = detect(c, "log4j-1.2-1.2.17.jar");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].version, "1.2.17");
  EXPECT_EQ(found[0].version_source, "manifest");
  EXPECT_EQ(found[0].cves, Strings{"CVE-2020-9488"});  // SMTPAppender is unchanged
}

TEST(Log4j1Detector, TrimmedJarWithLoggerOnly) {
  MemoryContainer c;
  c.add(kP + "Logger.class", class_bytes(48, {"org/apache/log4j/Logger", "org/apache/log4j/Category"}));
  c.add(kP + "net/JMSAppender.class", class_bytes(48, {"JMSAppender"}));
  auto found = detect(c, "log4j-1.2.17_potentially.jar");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].version);
  EXPECT_EQ(found[0].version_range, "1.2..1.2.17");
  EXPECT_EQ(found[0].cves, Strings{"CVE-2021-4104"});
}

TEST(Log4j1Detector, BridgesAreNotLog4j1) {
  MemoryContainer api;  // log4j-1.2-api
  api.add(kP + "Category.class", class_bytes(51, {"org/apache/logging/log4j/spi/ExtendedLogger"}));
  api.add(kP + "Logger.class", class_bytes(51, {"org/apache/log4j/Category"}));
  EXPECT_TRUE(detect(api, "log4j-1.2-api-2.12.1.jar").empty());

  MemoryContainer slf4j;  // log4j-over-slf4j
  slf4j.add(kP + "Category.class", class_bytes(49, {"org/slf4j/Logger"}));
  slf4j.add("META-INF/maven/org.slf4j/log4j-over-slf4j/pom.properties",
            pom("org.slf4j", "log4j-over-slf4j", "1.7.32"));
  EXPECT_TRUE(detect(slf4j, "log4j-over-slf4j-1.7.32.jar").empty());

  MemoryContainer binding;  // slf4j-log4j12: org/slf4j/impl only
  binding.add("org/slf4j/impl/Log4jLoggerAdapter.class", class_bytes(49, {"org/apache/log4j/Logger"}));
  EXPECT_TRUE(detect(binding).empty());
}

TEST(Log4j1Detector, Reload4jVersionLadder) {
  struct Case {
    const char* version;
    Strings cves;
  };
  const Case cases[] = {
      {"1.2.18.0", {"CVE-2020-9488", "CVE-2022-23302", "CVE-2022-23305"}},
      {"1.2.18.1", {"CVE-2020-9488", "CVE-2022-23305"}},
      {"1.2.18.2", {"CVE-2020-9488"}},
      {"1.2.18.3", {}},
      {"1.2.25", {}},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.version);
    MemoryContainer c = log4j12(kAllCveClasses);
    c.add("META-INF/maven/ch.qos.reload4j/reload4j/pom.properties", pom("ch.qos.reload4j", "reload4j", k.version));
    auto found = detect(c);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].component, "reload4j");
    EXPECT_EQ(found[0].version, k.version);
    EXPECT_EQ(found[0].cves, k.cves);
    EXPECT_EQ(found[0].status, k.cves.empty() ? FindingStatus::kSafe : FindingStatus::kVulnerable);
  }
}

TEST(Log4j1Detector, Log4j11WithoutLogger) {
  MemoryContainer c;
  c.add(kP + "Category.class", class_bytes(45, {"org/apache/log4j/Category"}));
  c.add(kP + "net/SocketNode.class", class_bytes(45, {"java/io/ObjectInputStream"}));
  auto found = detect(c);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].version_range, "1.0..1.1.3");
  EXPECT_EQ(found[0].cves, Strings{"CVE-2019-17571"});
}

}  // namespace
}  // namespace l4s::inventory
