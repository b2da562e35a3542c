#include "inventory/class_markers.h"

#include <gtest/gtest.h>

#include "inventory/known_hashes.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

TEST(ClassMarkers, MagicAndMajor) {
  std::string b = testing::class_bytes(52, {"x"});
  EXPECT_TRUE(is_class_file(b));
  EXPECT_EQ(class_major(b), 52);
  EXPECT_EQ(class_major(testing::class_bytes(49, {})), 49);
  EXPECT_FALSE(is_class_file("\xCA\xFE\xBA\xBE"));  // too short for a header
  EXPECT_FALSE(is_class_file("PK\x03\x04 not a class"));
  EXPECT_EQ(class_major("hello world"), 0);
  EXPECT_EQ(class_major(""), 0);
}

TEST(ClassMarkers, Contains) {
  std::string b = testing::class_bytes(52, {"isJndiJdbcEnabled"});
  EXPECT_TRUE(contains(b, "isJndiJdbcEnabled"));
  EXPECT_TRUE(contains(b, "JndiJdbc"));
  EXPECT_FALSE(contains(b, "isJndiLookupEnabled"));
  EXPECT_TRUE(contains(b, ""));
  EXPECT_FALSE(contains("", "x"));
  std::string with_nul("a\0bc", 4);
  EXPECT_TRUE(contains(with_nul, std::string_view("\0b", 2)));
}

TEST(ClassMarkers, Paths) {
  EXPECT_EQ(entry_base_name("a/b/C.class"), "C.class");
  EXPECT_EQ(entry_base_name("C.class"), "C.class");
  EXPECT_EQ(entry_dir("a/b/C.class"), "a/b/");
  EXPECT_EQ(entry_dir("C.class"), "");
  EXPECT_TRUE(has_stem("x/lookup/JndiLookup.class", "JndiLookup"));
  EXPECT_TRUE(has_stem("JndiLookup.esclazz", "JndiLookup"));
  EXPECT_TRUE(has_stem("classes/JndiManager.classrenamed", "JndiManager"));
  EXPECT_FALSE(has_stem("x/JndiLookup.", "JndiLookup"));
  EXPECT_FALSE(has_stem("x/JndiLookupX.class", "JndiLookup"));
  EXPECT_FALSE(has_stem("x/JndiManager$1.class", "JndiManager"));
  EXPECT_FALSE(has_stem("__MACOSX/x/._JndiLookup.class", "JndiLookup"));
  EXPECT_FALSE(has_stem("x/JndiLookup.class/", "JndiLookup"));
}

TEST(KnownHashes, Md5AndTable) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  const ReleaseSpan* s = jndi_manager_release("f1d630c48928096a484e4b95ccb162a0");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->first, "2.14.0");
  EXPECT_EQ(s->last, "2.14.1");
  EXPECT_EQ(jndi_manager_release("00000000000000000000000000000000"), nullptr);
}

}  // namespace
}  // namespace l4s::inventory
