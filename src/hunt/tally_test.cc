#include "hunt/tally.h"

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

TEST(HuntTally, SummaryCountsAndOrders) {
  HuntSummary s = summarize(sample());
  EXPECT_EQ(s.attempts, 3u);
  EXPECT_EQ(s.first_seen, "2021-12-10T10:00:00Z");
  EXPECT_EQ(s.last_seen, "2021-12-12T10:00:00Z");
  ASSERT_EQ(s.top_source_ips.size(), 2u);
  EXPECT_EQ(s.top_source_ips[0], std::make_pair(std::string("45.155.205.233"), uint64_t{2}));
  ASSERT_EQ(s.top_callback_hosts.size(), 2u);
  EXPECT_EQ(s.top_callback_hosts[0].first, "45.155.205.233");
  EXPECT_EQ(s.top_callback_hosts[1].first, "cb.example.net");
}

TEST(HuntTally, TalliesMergeAsOne) {
  HuntReport r = sample();
  HuntTally whole, first, second;
  for (size_t i = 0; i < r.detections.size(); ++i) {
    whole.add(r.detections[i]);
    (i == 0 ? first : second).add(r.detections[i]);
  }
  first.merge(second);
  HuntSummary a = whole.summary(), b = first.summary();
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.first_seen, b.first_seen);
  EXPECT_EQ(a.last_seen, b.last_seen);
  EXPECT_EQ(a.top_source_ips, b.top_source_ips);
  EXPECT_EQ(a.top_callback_hosts, b.top_callback_hosts);
  EXPECT_EQ(a.verdicts, b.verdicts);
  std::vector<Ioc> x = whole.iocs(), y = first.iocs();
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].value, y[i].value);
    EXPECT_EQ(x[i].count, y[i].count);
    EXPECT_EQ(x[i].first_seen, y[i].first_seen);
    EXPECT_EQ(x[i].last_seen, y[i].last_seen);
  }
  EXPECT_TRUE(HuntTally(/*keep_iocs=*/false).iocs().empty());
}

TEST(HuntTally, IocsAggregate) {
  std::vector<Ioc> iocs = collect_iocs(sample());
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

}  // namespace
}  // namespace l4s::hunt
