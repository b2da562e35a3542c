#include "fleet/tokens.h"

#include <gtest/gtest.h>

#include <set>

#include "fleet/store.h"

namespace l4s::fleet {
namespace {

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(":memory:");
    ASSERT_TRUE(s.ok()) << s.error();
    store = std::move(*s);
  }
  Db& db() { return store->db(); }
  std::unique_ptr<Store> store;
};

TEST_F(TokensTest, CreatedTokenAuthenticatesWithItsRoleAndScope) {
  auto t = create_token(db(), "web-hosts", Role::kUpload, "web*", "", "2026-12-08T00:00:00Z");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_TRUE(t->starts_with("l4s_"));
  // 4 + 16 + 1 + 43: 8 id bytes in hex, 32 secret bytes in base64url.
  EXPECT_EQ(t->size(), 64u);
  auto who = authenticate(db(), *t, "2026-12-08T01:00:00Z");
  ASSERT_TRUE(who.ok()) << who.error();
  EXPECT_EQ(who->name, "web-hosts");
  EXPECT_EQ(who->role, Role::kUpload);
  EXPECT_EQ(who->hosts, "web*");
}

TEST_F(TokensTest, OnlyTheHashOfTheSecretIsStored) {
  auto t = create_token(db(), "a", Role::kRead, "*", "", "2026-12-08T00:00:00Z");
  ASSERT_TRUE(t.ok());
  const std::string secret = t->substr(21);
  auto rows = db().query("SELECT name, token_id, secret_sha256, role, hosts, created FROM tokens");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  for (const auto& cell : (*rows)[0]) EXPECT_EQ(cell->find(secret), std::string::npos) << *cell;
}

TEST_F(TokensTest, TokensAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto t = create_token(db(), "t" + std::to_string(i), Role::kUpload, "*", "", "2026-12-08T00:00:00Z");
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(seen.insert(*t).second);
  }
}

TEST_F(TokensTest, WrongSecretUnknownIdAndGarbageAreRefused) {
  auto t = create_token(db(), "a", Role::kUpload, "*", "", "2026-12-08T00:00:00Z");
  ASSERT_TRUE(t.ok());
  std::string wrong = *t;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(authenticate(db(), wrong, "2026-12-08T01:00:00Z").error(), "unknown token");
  std::string other_id = *t;
  other_id[4] = other_id[4] == 'a' ? 'b' : 'a';
  EXPECT_EQ(authenticate(db(), other_id, "2026-12-08T01:00:00Z").error(), "unknown token");
  for (const char* garbage : {"", "l4s_", "Bearer x", "l4s_0123456789abcdef", "l4s_0123456789abcdefX"})
    EXPECT_FALSE(authenticate(db(), garbage, "2026-12-08T01:00:00Z").ok()) << garbage;
}

TEST_F(TokensTest, RevokedTokenStopsAtOnce) {
  auto t = create_token(db(), "a", Role::kUpload, "*", "", "2026-12-08T00:00:00Z");
  ASSERT_TRUE(t.ok());
  auto r = revoke_token(db(), "a", "2026-12-08T02:00:00Z");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  auto who = authenticate(db(), *t, "2026-12-08T02:00:01Z");
  ASSERT_FALSE(who.ok());
  EXPECT_NE(who.error().find("revoked"), std::string::npos);
  auto missing = revoke_token(db(), "nope", "2026-12-08T02:00:00Z");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_F(TokensTest, ExpiryDateIsTheStartOfThatDay) {
  auto t = create_token(db(), "a", Role::kUpload, "*", "2026-12-25", "2026-12-08T00:00:00Z");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_TRUE(authenticate(db(), *t, "2026-12-24T23:59:59Z").ok());
  auto late = authenticate(db(), *t, "2026-12-25T00:00:00Z");
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().find("expired"), std::string::npos);
  EXPECT_FALSE(create_token(db(), "b", Role::kUpload, "*", "Christmas", "2026-12-08T00:00:00Z").ok());
}

TEST_F(TokensTest, NamesAreUniqueAndListed) {
  ASSERT_TRUE(create_token(db(), "a", Role::kUpload, "web*", "", "2026-12-08T00:00:00Z").ok());
  auto again = create_token(db(), "a", Role::kRead, "*", "", "2026-12-08T00:00:00Z");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("exists"), std::string::npos);
  ASSERT_TRUE(create_token(db(), "b", Role::kAdmin, "*", "", "2026-12-08T00:00:00Z").ok());
  auto all = list_tokens(db());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[0].role, Role::kUpload);
  EXPECT_EQ((*all)[1].role, Role::kAdmin);
}

TEST(HostGlob, MatchesWholeNamesCaseInsensitively) {
  EXPECT_TRUE(host_matches("web*", "web01"));
  EXPECT_TRUE(host_matches("web*", "WEB01.example.org"));
  EXPECT_FALSE(host_matches("web*", "db01"));
  EXPECT_FALSE(host_matches("web*", "xweb01"));
  EXPECT_TRUE(host_matches("*", "anything"));
  EXPECT_TRUE(host_matches("db0?", "db07"));
  EXPECT_FALSE(host_matches("db0?", "db070"));
  EXPECT_TRUE(host_matches("db[0-3]*", "db2.x"));
  EXPECT_FALSE(host_matches("db[0-3]*", "db7.x"));
  EXPECT_TRUE(host_matches("db[!0-3]", "db7"));
  EXPECT_FALSE(host_matches("db[", "db["));
  EXPECT_TRUE(host_matches("*.corp", "a.b.corp"));
}

TEST(Roles, AdminDoesEverythingOthersTheirOwn) {
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kUpload));
  EXPECT_TRUE(role_allows(Role::kAdmin, Role::kRead));
  EXPECT_TRUE(role_allows(Role::kUpload, Role::kUpload));
  EXPECT_FALSE(role_allows(Role::kUpload, Role::kRead));
  EXPECT_FALSE(role_allows(Role::kRead, Role::kUpload));
  EXPECT_FALSE(role_from_string("root").ok());
}

TEST_F(TokensTest, UploadsAreRecordedPerHostNewestFirst) {
  ASSERT_TRUE(record_upload(db(), {"h1", "web01", "a", "127.0.0.1:5000", "2026-12-08T01:00:00Z", "stored", 10}).ok());
  ASSERT_TRUE(record_upload(db(), {"h1", "web01", "a", "127.0.0.1:5001", "2026-12-08T02:00:00Z", "duplicate", 10}).ok());
  ASSERT_TRUE(record_upload(db(), {"h2", "db01", "b", "127.0.0.1:5002", "2026-12-08T03:00:00Z", "stored", 20}).ok());
  auto web = uploads_for_host(db(), "web01", 10);
  ASSERT_TRUE(web.ok());
  ASSERT_EQ(web->size(), 2u);
  EXPECT_EQ((*web)[0].outcome, "duplicate");
  EXPECT_EQ((*web)[1].peer, "127.0.0.1:5000");
  EXPECT_EQ((*web)[1].bytes, 10);
}

}  // namespace
}  // namespace l4s::fleet
