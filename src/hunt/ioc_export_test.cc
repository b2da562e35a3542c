#include "hunt/ioc_export.h"

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

TEST(IocExport, StixBundleIsStableAndLinked) {
  std::ostringstream a, b;
  HuntReport r = sample();
  write_iocs(IocFormat::kStix, collect_iocs(r), r.finished, a);
  r.finished = "2027-01-01T00:00:00Z";  // a later re-export
  write_iocs(IocFormat::kStix, collect_iocs(r), r.finished, b);
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

TEST(IocExport, MispCsvRows) {
  std::ostringstream out;
  write_iocs(IocFormat::kMispCsv, collect_iocs(sample()), "2026-01-01T00:00:00Z", out);
  std::string s = out.str();
  EXPECT_EQ(s.rfind("uuid,event_id,category,type,value,comment,to_ids,date,", 0), 0u);
  EXPECT_NE(s.find(",Network activity,ip-dst|port,45.155.205.233|12344,"), std::string::npos) << s;
  EXPECT_NE(s.find(",vulnerability,CVE-2021-44228,"), std::string::npos) << s;
  EXPECT_NE(s.find(",domain,cb.example.net,"), std::string::npos) << s;
}

// Indicators named only by attempts Log4j leaves inert are shared as
// context: not for detection (MISP to_ids 0), lower confidence in STIX.
TEST(IocExport, InertOnlyIndicatorsAreNotForDetection) {
  HuntReport r = sample();
  r.detections.push_back(make("ua: $${jndi:ldap://inert.example/a}", "2021-12-13T10:00:00Z", "192.0.2.9"));
  ASSERT_EQ(r.detections.back().verdict, Verdict::kInert);
  std::vector<Ioc> iocs = collect_iocs(r);
  std::ostringstream misp, stix, csv;
  write_iocs(IocFormat::kMispCsv, iocs, r.finished, misp);
  write_iocs(IocFormat::kStix, iocs, r.finished, stix);
  write_iocs(IocFormat::kCsv, iocs, r.finished, csv);
  EXPECT_NE(misp.str().find(",domain,inert.example,\"Log4Shell callback domain (seen 1x, only in attempts Log4j leaves "
                            "inert)\",0,"),
            std::string::npos)
      << misp.str();
  EXPECT_NE(misp.str().find(",domain,cb.example.net,Log4Shell callback domain (seen 1x),1,"), std::string::npos)
      << misp.str();
  EXPECT_NE(csv.str().find("domain,inert.example,,1,0,"), std::string::npos) << csv.str();
  EXPECT_NE(csv.str().find("domain,cb.example.net,,1,1,"), std::string::npos) << csv.str();
  const json bundle = json::parse(stix.str());
  for (const json& o : bundle["objects"]) {
    if (o["type"] != "indicator") continue;
    bool inert = o["pattern"].get<std::string>().find("inert.example") != std::string::npos;
    EXPECT_EQ(o["confidence"], inert ? 30 : 85) << o["pattern"];
  }
}

TEST(IocExport, Uuid5IsRfc4122Version5) {
  std::string u = uuid5("x");
  EXPECT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '5');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_EQ(u, uuid5("x"));
  EXPECT_NE(u, uuid5("y"));
}

}  // namespace
}  // namespace l4s::hunt
