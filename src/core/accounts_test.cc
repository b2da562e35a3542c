#include "core/accounts.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace l4s {
namespace {

constexpr std::string_view kPasswd =
    "# a comment\n"
    "root:x:0:0:root:/root:/bin/bash\n"
    "\n"
    "+nisuser::::::\n"
    "broken:x:notanumber:1:::\n"
    "short:x:5\n"
    "app:x:1000:1001:App User,,,:/home/app:/bin/sh\r\n"
    "dup:x:1000:1000::/:/bin/false\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";  // no final newline

constexpr std::string_view kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "nogroup:x:65534:\n"
    "bad:x:\n";

TEST(Accounts, PasswdByUidAndName) {
  auto root = passwd_by_uid(kPasswd, 0);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "root");
  EXPECT_EQ(root->dir, "/root");
  auto app = passwd_by_uid(kPasswd, 1000);  // the first of two uid 1000 lines
  ASSERT_TRUE(app);
  EXPECT_EQ(app->name, "app");
  EXPECT_EQ(app->gid, 1001u);
  EXPECT_EQ(app->gecos, "App User,,,");
  EXPECT_EQ(app->shell, "/bin/sh");  // CR of a CRLF line dropped
  auto nobody = passwd_by_name(kPasswd, "nobody");
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->uid, 65534u);
  EXPECT_FALSE(passwd_by_uid(kPasswd, 5));       // too few fields
  EXPECT_FALSE(passwd_by_name(kPasswd, "broken"));  // non-numeric uid
  EXPECT_FALSE(passwd_by_name(kPasswd, "+nisuser"));
  EXPECT_FALSE(passwd_by_uid(kPasswd, 4242));
  EXPECT_FALSE(passwd_by_uid("", 0));
}

TEST(Accounts, GroupByGidAndName) {
  auto wheel = group_by_gid(kGroup, 10);
  ASSERT_TRUE(wheel);
  EXPECT_EQ(wheel->name, "wheel");
  EXPECT_EQ(wheel->members, "root,app");
  auto root = group_by_name(kGroup, "root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->gid, 0u);
  EXPECT_EQ(root->members, "");
  EXPECT_FALSE(group_by_name(kGroup, "bad"));
  EXPECT_FALSE(group_by_gid(kGroup, 4242));
}

TEST(Accounts, NamesFromFilesFallBackToNumbers) {
  const std::string dir = L4S_TEST_TMP;
  std::string cmd = "mkdir -p '" + dir + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string passwd = dir + "/accounts_test_passwd", group = dir + "/accounts_test_group";
  std::ofstream(passwd) << kPasswd;
  std::ofstream(group) << kGroup;
  EXPECT_EQ(user_name_from_files(1000, passwd.c_str()), "app");
  EXPECT_EQ(user_name_from_files(4242, passwd.c_str()), "4242");
  EXPECT_EQ(group_name_from_files(10, group.c_str()), "wheel");
  EXPECT_EQ(group_name_from_files(77, group.c_str()), "77");
  EXPECT_EQ(user_name_from_files(0, "/nonexistent/passwd"), "0");  // no file at all (a bare chroot)
  std::remove(passwd.c_str());
  std::remove(group.c_str());
}

}  // namespace
}  // namespace l4s
