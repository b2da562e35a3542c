#include "hotpatch/agent_jar.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "archive/byte_source.h"
#include "archive/zip_reader.h"

namespace l4s::hotpatch {
namespace {

TEST(AgentJar, IsAJarWithAnAgentManifestAndJava8Classes) {
  std::string_view jar = agent_jar();
  if (jar.empty()) {
#if L4S_HOTPATCH_AGENT_BUILT
    FAIL() << "the build made the agent jar but agent_jar() is empty";
#else
    GTEST_SKIP() << "built without a JDK: no agent jar embedded";
#endif
  }
  auto zip = archive::ZipReader::open(archive::memory_source(std::vector<uint8_t>(jar.begin(), jar.end())));
  ASSERT_TRUE(zip.ok()) << zip.error();

  std::string manifest;
  std::vector<std::string> classes;
  for (const auto& entry : zip->entries()) {
    if (entry.name == "META-INF/MANIFEST.MF") {
      auto text = zip->read(entry, 1 << 16);
      ASSERT_TRUE(text.ok()) << text.error();
      manifest = *text;
    } else if (entry.name.ends_with(".class")) {
      classes.push_back(entry.name);
      auto bytes = zip->read(entry, 1 << 20);
      ASSERT_TRUE(bytes.ok()) << bytes.error();
      ASSERT_GE(bytes->size(), 8u);
      EXPECT_EQ(bytes->substr(0, 4), "\xCA\xFE\xBA\xBE") << entry.name;
      // Major version 52: JDK 8 and every later JVM can load the agent.
      EXPECT_EQ(static_cast<uint8_t>((*bytes)[6]), 0);
      EXPECT_EQ(static_cast<uint8_t>((*bytes)[7]), 52) << entry.name;
    }
  }
  EXPECT_NE(manifest.find("Agent-Class: dev.log4shield.hotpatch.Agent\r\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("Premain-Class: dev.log4shield.hotpatch.Agent\r\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("Can-Redefine-Classes: true\r\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("Can-Retransform-Classes: true\r\n"), std::string::npos) << manifest;
  EXPECT_EQ(classes, (std::vector<std::string>{"dev/log4shield/hotpatch/Agent.class",
                                               "dev/log4shield/hotpatch/ClassPatch.class",
                                               "dev/log4shield/hotpatch/JndiLookupTransformer.class"}));
}

}  // namespace
}  // namespace l4s::hotpatch
