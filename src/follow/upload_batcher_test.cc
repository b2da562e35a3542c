#include "follow/upload_batcher.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/parse.h"

namespace l4s::follow {
namespace {

namespace fs = std::filesystem;

std::string detection_line(int n, const std::string& host = "web01") {
  return R"({"type":"detection","host":")" + host + R"(","file":"/var/log/a.log","line":)" + std::to_string(n) +
         R"(,"offset":)" + std::to_string(n * 100) +
         R"(,"timestamp":"2026-12-08T01:00:00Z","raw":"x","layers":[],"resolved":"x","jndi_targets":[],"techniques":[],"exfiltrates":[],"decoded_command":null,"verdict":"reaches_jndi_2.14","severity":"critical"})" +
         "\n";
}

class UploadBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::path(L4S_TEST_TMP) / "upload_batcher" / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir);
    fs::create_directories(dir);
    output = (dir / "detections.jsonl").string();
    std::ofstream(output).close();
  }
  UploadBatcherOptions options() {
    UploadBatcherOptions o;
    o.output = output;
    o.state = (dir / "upload-state.json").string();
    o.outbox = (dir / "outbox").string();
    o.host = "collector";
    o.upload.server = "http://127.0.0.1:9";  // nothing listens: reports wait in the outbox
    o.upload.attempts = 1;
    o.interval = std::chrono::hours(1);
    o.synced_size = [this]() -> Result<uint64_t> { return static_cast<uint64_t>(fs::file_size(output)); };
    return o;
  }
  void append(const std::string& text) { std::ofstream(output, std::ios::app) << text; }
  std::vector<std::string> kept() {
    std::vector<std::string> out;
    if (!fs::exists(dir / "outbox")) return out;
    for (const auto& e : fs::directory_iterator(dir / "outbox"))
      if (e.is_regular_file() && e.path().extension() == ".report") out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir;
  std::string output;
};

TEST_F(UploadBatcherTest, ReportOfARangeIsAHuntReportTheFleetReads) {
  const std::string lines = detection_line(1) + detection_line(2, "db01");
  const std::string report = batch_report(lines, "collector", output, 0, lines.size());
  EXPECT_EQ(report, batch_report(lines, "collector", output, 0, lines.size()));  // same bytes, same report
  fleet::ParseOptions po;
  po.source = "t";
  po.now = "2026-12-08T02:00:00Z";
  auto parsed = fleet::parse_report(report, po);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->report.kind, "hunt");
  EXPECT_EQ(parsed->report.host, "collector");
  ASSERT_EQ(parsed->detections.size(), 2u);
  EXPECT_EQ(parsed->detections[1].host, "db01");
}

TEST_F(UploadBatcherTest, CutKeepsEachSyncedRangeOnceAndMovesOn) {
  UploadBatcher b(options());
  append(detection_line(1) + detection_line(2));
  ASSERT_TRUE(b.cut().ok());
  ASSERT_EQ(kept().size(), 1u);
  ASSERT_TRUE(b.cut().ok());  // nothing new: nothing more
  EXPECT_EQ(kept().size(), 1u);
  append(detection_line(3));
  ASSERT_TRUE(b.cut().ok());
  EXPECT_EQ(kept().size(), 2u);
  EXPECT_EQ(b.batches(), 2u);
  auto state = nlohmann::json::parse(std::ifstream(dir / "upload-state.json"));
  EXPECT_EQ(state["from"], fs::file_size(output));
  EXPECT_EQ(state["to"], fs::file_size(output));
}

TEST_F(UploadBatcherTest, LargeBacklogIsCutOnWholeLines) {
  auto o = options();
  o.max_batch_bytes = detection_line(1).size() * 2 + 10;  // two lines and a bit
  UploadBatcher b(o);
  std::string all;
  for (int i = 0; i < 7; ++i) all += detection_line(i);
  append(all);
  ASSERT_TRUE(b.cut().ok());
  ASSERT_EQ(kept().size(), 4u);  // 2 + 2 + 2 + 1 lines
  size_t detections = 0;
  for (const auto& name : kept()) {
    auto report = upload::Outbox::read((dir / "outbox" / name).string());
    ASSERT_TRUE(report.ok()) << report.error();
    fleet::ParseOptions po;
    po.now = "2026-12-08T02:00:00Z";
    auto parsed = fleet::parse_report(report->body, po);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    detections += parsed->detections.size();
  }
  EXPECT_EQ(detections, 7u);
}

TEST_F(UploadBatcherTest, PendingRangeAfterACrashGivesTheSameReportOnce) {
  append(detection_line(1) + detection_line(2));
  const uint64_t size = fs::file_size(output);
  // What an uninterrupted run keeps for that range.
  {
    UploadBatcher b(options());
    ASSERT_TRUE(b.cut().ok());
  }
  const auto normal = kept();
  ASSERT_EQ(normal.size(), 1u);
  // A crash after the range was recorded, whether or not its report reached
  // the outbox: the state says pending [0, size).
  struct stat st {};
  ASSERT_EQ(stat(output.c_str(), &st), 0);
  for (bool report_reached_outbox : {true, false}) {
    std::ofstream(dir / "upload-state.json") << nlohmann::json{{"output_device", st.st_dev},
                                                               {"output_inode", st.st_ino},
                                                               {"from", 0},
                                                               {"to", size}}
                                                    .dump();
    if (!report_reached_outbox) fs::remove(dir / "outbox" / normal[0]);
    UploadBatcher b(options());
    ASSERT_TRUE(b.start().ok());
    b.stop();
    EXPECT_EQ(kept(), normal) << "the rebuilt report is byte for byte the first";
  }
}

TEST_F(UploadBatcherTest, ReplacedOutputStartsAtItsBeginning) {
  UploadBatcher b(options());
  append(detection_line(1) + detection_line(2) + detection_line(3));
  ASSERT_TRUE(b.cut().ok());
  fs::remove(output);
  std::ofstream(output) << detection_line(9);  // a new, shorter file
  ASSERT_TRUE(b.cut().ok());
  ASSERT_EQ(kept().size(), 2u);
}

}  // namespace
}  // namespace l4s::follow
