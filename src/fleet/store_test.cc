#include "fleet/store.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "fleet/parse.h"

namespace l4s::fleet {
namespace {

Parsed scan(const std::string& host, const std::string& time, const std::string& status) {
  std::string j = R"({"host":")" + host + R"(","started":")" + time + R"(","finished":")" + time +
                  R"(","roots":["/opt"],"stats":{"files":1,"archives":0,"errors":0},"findings":[{"path":"/opt/a.jar","location":"/opt/a.jar","component":"log4j-core","version":"2.14.1","status":")" +
                  status + R"(","cves":["CVE-2021-44228"],"severity":"critical","evidence":[]}],"errors":[]})";
  auto p = parse_report(j, {"x.json", "", "2026-11-28T00:00:00Z"});
  EXPECT_TRUE(p.ok()) << p.error();
  return *p;
}

TEST(StoreTest, MigratesAndImportsIdempotently) {
  auto store = Store::open(":memory:");
  ASSERT_TRUE(store.ok()) << store.error();
  auto v = (*store)->schema_version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, latest_schema_version());
  auto first = (*store)->add(scan("web01", "2026-11-20T10:00:00Z", "vulnerable"));
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_TRUE(*first);
  auto again = (*store)->add(scan("web01", "2026-11-20T10:00:00Z", "vulnerable"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto later = (*store)->add(scan("web01", "2026-11-21T10:00:00Z", "mitigated"));
  ASSERT_TRUE(later.ok() && *later);
  auto fleet = (*store)->load();
  ASSERT_TRUE(fleet.ok()) << fleet.error();
  EXPECT_EQ(fleet->reports.size(), 2u);
  ASSERT_EQ(fleet->findings.size(), 2u);
  EXPECT_EQ(fleet->findings[0].f.status, FindingStatus::kVulnerable);
  EXPECT_EQ(fleet->findings[1].f.status, FindingStatus::kMitigated);
  EXPECT_EQ(fleet->findings[1].f.cves, std::vector<std::string>{"CVE-2021-44228"});
}

TEST(StoreTest, BatchRollbackLeavesNothing) {
  auto store = Store::open(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->begin().ok());
  ASSERT_TRUE((*store)->add(scan("web01", "2026-11-20T10:00:00Z", "vulnerable")).ok());
  (*store)->rollback();
  auto fleet = (*store)->load();
  ASSERT_TRUE(fleet.ok());
  EXPECT_TRUE(fleet->reports.empty());
  EXPECT_TRUE(fleet->findings.empty());
}

TEST(StoreTest, RefusesNewerSchema) {
  std::string path = std::string(L4S_TEST_TMP) + "/fleet-newer.db";
  std::filesystem::create_directories(L4S_TEST_TMP);
  std::filesystem::remove(path);
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->db().query("INSERT INTO fleet_schema (version, applied) VALUES (99, 'future')").ok());
  }
  auto again = Store::open(path);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("newer"), std::string::npos);
}

TEST(DbTest, DollarPlaceholders) {
  EXPECT_EQ(to_dollar_placeholders("SELECT ? , '?' , ?"), "SELECT $1 , '?' , $2");
}

}  // namespace
}  // namespace l4s::fleet
