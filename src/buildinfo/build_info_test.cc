#include "buildinfo/build_info.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace l4s::buildinfo {
namespace {

const std::regex kVersionLike(R"(\d+\.\d+(\.\d+)*[a-z0-9.-]*)");

TEST(BuildInfo, NamesEveryBundledLibraryWithAVersion) {
  const BuildInfo& b = build_info();
  std::set<std::string> names;
  for (const Library& lib : b.libraries) {
    names.insert(lib.name);
    EXPECT_TRUE(std::regex_match(lib.version, kVersionLike)) << lib.name << ": " << lib.version;
  }
  for (const char* want : {"zlib", "libdeflate", "isa-l", "zstd", "liblzma", "bzip2", "libarchive", "OpenSSL",
                           "SQLite", "libpq", "libcurl", "libpcap", "Boost", "fmt", "nlohmann-json", "CLI11"})
    EXPECT_EQ(names.count(want), 1u) << want;
}

TEST(BuildInfo, VersionCommitDateAndCompiler) {
  const BuildInfo& b = build_info();
  EXPECT_TRUE(std::regex_match(b.version, std::regex(R"(\d+\.\d+\.\d+)"))) << b.version;
  EXPECT_FALSE(b.commit.empty());
  EXPECT_TRUE(std::regex_match(b.build_date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << b.build_date;
  EXPECT_FALSE(b.compiler.empty());
}

TEST(BuildInfo, TextNamesEachLibraryOnItsOwnLine) {
  const BuildInfo& b = build_info();
  const std::string text = version_text(b);
  EXPECT_EQ(text.rfind("log4shield " + b.version + "\n", 0), 0u);
  for (const Library& lib : b.libraries) {
    const std::string version = std::regex_replace(lib.version, std::regex(R"([.+])"), R"(\$&)");
    EXPECT_TRUE(std::regex_search(text, std::regex("\n  " + lib.name + " +" + version))) << lib.name;
  }
}

}  // namespace
}  // namespace l4s::buildinfo
