#include "fleet/store.h"

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fleet/parse.h"

namespace l4s::fleet {
namespace {

Parsed scan(const std::string& host, const std::string& time, const std::string& status) {
  std::string j = R"({"host":")" + host + R"(","started":")" + time + R"(","finished":")" + time +
                  R"(","roots":["/opt"],"stats":{"files":1,"archives":0,"errors":0},"findings":[{"path":"/opt/a.jar","location":"/opt/a.jar","component":"log4j-core","version":"2.14.1","status":")" +
                  status + R"(","cves":["CVE-2021-44228"],"severity":"critical","evidence":[]}],"errors":[]})";
  auto p = parse_report(j, {"x.json", "", "2026-11-28T00:00:00Z", ""});
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

// Found by tests/robustness/no_abort.py: a store whose columns hold what
// SQLite's loose typing lets anyone write (text in an integer column, a
// number too large, JSON of the wrong shape) aborted `fleet status` with an
// uncaught std::invalid_argument or nlohmann::type_error. It loads, reading
// what cannot be a number as 0 and skipping what cannot be a JSON target.
TEST(StoreTest, DamagedValuesLoadWithoutThrowing) {
  auto store = Store::open(":memory:");
  ASSERT_TRUE(store.ok()) << store.error();
  ASSERT_TRUE((*store)->add(scan("web01", "2026-11-20T10:00:00Z", "vulnerable")).ok());
  auto hunt = parse_report(
      R"({"type":"detection","file":"/var/log/a.log","line":3,"jndi_targets":[{"name":"ldap://e/a","host":"e","port":389}]})"
      "\n",
      {"h.jsonl", "app1", "2026-11-28T00:00:00Z", ""});
  ASSERT_TRUE(hunt.ok()) << hunt.error();
  ASSERT_TRUE((*store)->add(*hunt).ok());
  for (const char* sql :
       {"UPDATE reports SET files = 'x', errors = '1e400'", "UPDATE findings SET metadata_mismatch = 'yes'",
        "UPDATE detections SET line = 'abc', byte_offset = '99999999999999999999999',"
        " jndi = '[1, {\"name\": 2, \"port\": \"x\", \"remote\": \"no\"}, {\"name\": \"ldap://ok/a\", \"port\": 1e300}]'"}) {
    ASSERT_TRUE((*store)->db().query(sql).ok()) << sql;
  }
  Result<Fleet> fleet = Result<Fleet>(Error{"not loaded"});
  ASSERT_NO_THROW(fleet = (*store)->load());
  ASSERT_TRUE(fleet.ok()) << fleet.error();
  ASSERT_EQ(fleet->reports.size(), 2u);
  EXPECT_EQ(fleet->reports[0].files, 0);
  ASSERT_EQ(fleet->detections.size(), 1u);
  EXPECT_EQ(fleet->detections[0].line, 0);
  EXPECT_EQ(fleet->detections[0].offset, INT64_MAX);
  ASSERT_EQ(fleet->detections[0].jndi.size(), 2u) << "the number is skipped, the objects are read";
  EXPECT_EQ(fleet->detections[0].jndi[0].name, "");
  EXPECT_EQ(fleet->detections[0].jndi[0].port, 0);
  EXPECT_EQ(fleet->detections[0].jndi[1].name, "ldap://ok/a");
}

TEST(StoreTest, GarbageSchemaVersionIsAnError) {
  std::string path = std::string(L4S_TEST_TMP) + "/fleet-garbage-version.db";
  std::filesystem::create_directories(L4S_TEST_TMP);
  std::filesystem::remove(path);
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store.ok());
    auto q = (*store)->db().query("UPDATE fleet_schema SET version = 'x' || version");
    ASSERT_TRUE(q.ok()) << q.error();
  }
  Result<std::unique_ptr<Store>> again = Result<std::unique_ptr<Store>>(Error{"not opened"});
  ASSERT_NO_THROW(again = Store::open(path));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("schema version"), std::string::npos) << again.error();
}

// Found by tests/robustness/no_abort.py: "sqlite: file is not a database"
// did not say which file `fleet status --db` had been given.
TEST(StoreTest, OpenErrorsNameTheStore) {
  std::string path = std::string(L4S_TEST_TMP) + "/fleet-not-a-db.db";
  std::filesystem::create_directories(L4S_TEST_TMP);
  std::ofstream(path) << std::string(4096, 'x');
  auto store = Store::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().rfind(path + ": ", 0), 0u) << store.error();
}

TEST(DbTest, DollarPlaceholders) {
  EXPECT_EQ(to_dollar_placeholders("SELECT ? , '?' , ?"), "SELECT $1 , '?' , $2");
}

}  // namespace
}  // namespace l4s::fleet
