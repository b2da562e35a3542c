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

// jsonl lines are written without a JSON document; each must still be the
// compact dump of the detection the json format prints, member for member.
TEST(HuntWriter, JsonlDetectionIsTheCompactDumpOfTheJsonOne) {
  HuntReport r = sample();
  r.detections[0].raw += std::string("\xff\x00tail\x7f\"\\\xe2\x82", 11);  // invalid UTF-8, NUL, escapes
  r.detections[0].file = "C:\\logs\\a\tb.log";
  Detection bare;  // every optional member empty: nulls and empty lists
  bare.line = 18446744073709551615u;
  r.detections.push_back(bare);
  Detection wire = r.detections[1];
  wire.jndi.push_back(wire.jndi.empty() ? JndiTarget{} : wire.jndi.front());
  wire.jndi.back().port = -1;
  wire.jndi.back().host = "";
  wire.jndi.back().allowlist_trick = true;
  wire.network = NetworkContext{"tcp", "10.0.0.1", "10.0.0.2", 40000, 8080, 7, 1.5, "header", "User-Agent",
                                "GET", "/x?\u00e9", "", "curl"};
  r.detections.push_back(wire);
  wire.network->http_method.clear();
  wire.network->http_uri.clear();
  wire.network->header.clear();
  r.detections.push_back(wire);

  std::ostringstream json_out, jsonl_out;
  write_hunt(r, HuntFormat::kJson, json_out);
  write_hunt(r, HuntFormat::kJsonl, jsonl_out);
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(json_out.str());
  std::istringstream in(jsonl_out.str());
  std::string line;
  for (const nlohmann::ordered_json& d : doc["detections"]) {
    nlohmann::ordered_json expected{{"type", "detection"}};
    for (const auto& [key, value] : d.items()) expected[key] = value;
    ASSERT_TRUE(std::getline(in, line));
    EXPECT_EQ(line, expected.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }
  EXPECT_EQ(doc["detections"].size(), r.detections.size());
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
