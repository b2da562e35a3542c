#include "hotpatch/hot_patch.h"

#include <gtest/gtest.h>

namespace l4s::hotpatch {
namespace {

TEST(HotPatchTest, FindsTheMarkerInAPropertiesReply) {
  EXPECT_EQ(find_marker("#Mon Dec 07\njava.version=17\nlog4shield.hotpatch=0.3.0 2026-12-07T22\\:00\\:00Z\nx=y\n"),
            "0.3.0 2026-12-07T22:00:00Z");
  EXPECT_EQ(find_marker("java.version=17\nx.log4shield.hotpatch=1\n"), "");
  EXPECT_EQ(find_marker(""), "");
}

TEST(HotPatchTest, ParsesTheAgentReport) {
  AgentReport r = parse_agent_report(
      "patched org.apache.logging.log4j.core.lookup.JndiLookup (app)\n"
      "patched com.acme.shaded.lookup.JndiLookup (plugin)\ntransformer_installed\nmarker 0.3.0 t\n");
  EXPECT_EQ(r.patched.size(), 2u);
  EXPECT_TRUE(r.transformer_installed);
  EXPECT_EQ(r.marker, "0.3.0 t");
  EXPECT_TRUE(r.already_patched.empty());
  EXPECT_EQ(parse_agent_report("already_patched 0.3.0 t\n").already_patched, "0.3.0 t");
  AgentReport partial = parse_agent_report(
      "not_patched a.JndiLookup app no JNDI\nerror retransforming b.JndiLookup app: x\ntransformer_installed\nmarker m\n");
  EXPECT_EQ(partial.not_patched.size(), 1u);
  ASSERT_EQ(partial.errors.size(), 1u);
  EXPECT_EQ(partial.errors[0], "retransforming b.JndiLookup app: x");
  EXPECT_TRUE(partial.transformer_installed);
}

TEST(HotPatchTest, SkipsWhatIsNotAJvm) {
  JvmHotPatch r = hot_patch_jvm(::getpid(), {});
  EXPECT_EQ(r.state, HotPatchState::kSkipped);
  EXPECT_NE(r.reason.find("not a HotSpot JVM"), std::string::npos) << r.reason;
  EXPECT_EQ(hot_patch_jvm(999999999, {}).state, HotPatchState::kFailed);
}

}  // namespace
}  // namespace l4s::hotpatch
