#include "net/callback_store.h"

#include <sqlite3.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace l4s::net {
namespace {

namespace stdfs = std::filesystem;

class CallbackStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(L4S_TEST_TMP) / ("store-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    path_ = (dir_ / "canary.db").string();
  }
  stdfs::path dir_;
  std::string path_;
};

Callback sample(std::string name) {
  Callback cb;
  cb.time_ms = 1700000000000;
  cb.protocol = Protocol::kRmi;
  cb.peer = "127.0.0.1:40000";
  cb.listener = "127.0.0.1:1099";
  cb.token = "abcdefghijkl0123";
  cb.name = std::move(name);
  cb.extras = {"Debian_17.0.15", "x\xff"};
  cb.detail = "lookup";
  return cb;
}

TEST_F(CallbackStoreTest, RoundTripsAcrossReopen) {
  {
    auto store = CallbackStore::open(path_);
    ASSERT_TRUE(store.ok()) << store.error();
    Callback a = sample(std::string("abcdefghijkl0123/Debian_17.0.15\0\xff", 33));
    ASSERT_TRUE((*store)->add(&a).ok());
    EXPECT_EQ(a.id, 1);
    Callback b = sample("other");
    b.token = "";
    b.protocol = Protocol::kDns;
    ASSERT_TRUE((*store)->add(&b).ok());
    EXPECT_EQ(b.id, 2);
  }
  auto store = CallbackStore::open(path_);
  ASSERT_TRUE(store.ok()) << store.error();
  auto all = (*store)->list();
  ASSERT_TRUE(all.ok()) << all.error();
  ASSERT_EQ(all->size(), 2u);
  const Callback& a = (*all)[0];
  EXPECT_EQ(a.name, std::string("abcdefghijkl0123/Debian_17.0.15\0\xff", 33));  // bytes kept exactly
  EXPECT_EQ(a.protocol, Protocol::kRmi);
  EXPECT_EQ(a.extras[0], "Debian_17.0.15");
  EXPECT_EQ(a.detail, "lookup");
  EXPECT_EQ(a.time_ms, 1700000000000);
  EXPECT_EQ((*all)[1].protocol, Protocol::kDns);
  EXPECT_EQ((*store)->list(1)->size(), 1u);
}

TEST_F(CallbackStoreTest, FindsTokensCaseInsensitivelyAndInsideNames) {
  auto store = CallbackStore::open(path_);
  ASSERT_TRUE(store.ok());
  Callback a = sample("x");
  a.token = "ABCDEFGHIJKL0123";
  Callback b = sample("1#abcdefghijkl0123.cb.test");
  b.token = "1#abcdefghijkl0123";
  Callback c = sample("zzz");
  c.token = "zzzzzzzzzzzzzzzz";
  for (Callback* cb : {&a, &b, &c}) ASSERT_TRUE((*store)->add(cb).ok());
  auto found = (*store)->find("abcdefghijkl0123");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 2u);
}

TEST_F(CallbackStoreTest, ProbesAndSchemaVersion) {
  auto store = CallbackStore::open(path_);
  ASSERT_TRUE(store.ok());
  SentProbe p{"abcdefghijkl0123", "run1", 5, "http://127.0.0.1:1/", "header:User-Agent", "ldap", "${jndi:...}", 200, ""};
  ASSERT_TRUE((*store)->add_probes({p, SentProbe{"bbbbbbbbbbbb0123", "run2", 6, "t", "path", "rmi", "x", 0, "timeout"}}).ok());
  auto run1 = (*store)->probes("run1");
  ASSERT_TRUE(run1.ok());
  ASSERT_EQ(run1->size(), 1u);
  EXPECT_EQ((*run1)[0].point, "header:User-Agent");
  EXPECT_EQ((*run1)[0].http_status, 200);
  store->reset();

  // A file written by a newer schema is refused, not misread.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto newer = CallbackStore::open(path_);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().find("newer"), std::string::npos) << newer.error();
}

TEST_F(CallbackStoreTest, TwoConnectionsShareTheFile) {
  auto writer = CallbackStore::open(path_);
  auto reader = CallbackStore::open(path_);
  ASSERT_TRUE(writer.ok() && reader.ok());
  for (int i = 0; i < 50; ++i) {
    Callback cb = sample("n" + std::to_string(i));
    ASSERT_TRUE((*writer)->add(&cb).ok());
  }
  EXPECT_EQ((*reader)->list()->size(), 50u);
}

TEST_F(CallbackStoreTest, UnwritableLocationIsAnError) {
  auto store = CallbackStore::open((dir_ / "missing" / "x.db").string());
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace l4s::net
