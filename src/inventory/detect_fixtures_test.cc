// Every top-level zip fixture (jar, war, ear, par, zip, launcher-prefixed jar)
// goes through archive::ZipReader and detect_components(), and must produce
// exactly the findings listed for it in testdata/fixture_expectations.tsv --
// a table written by hand from Apache's affected ranges and the research
// notes, not from this tool's output. Rows with scope "nested" describe
// findings inside nested archives; the end-to-end scan test checks those.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "archive/byte_source.h"
#include "archive/zip_reader.h"
#include "inventory/detect.h"
#include "inventory/zip_container.h"

namespace l4s::inventory {
namespace {

namespace fs = std::filesystem;

struct Expected {
  int line = 0;
  std::string path, scope, location, component, version, range, status, cves, mitigated, prefix, mismatch, comment;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<Expected> load_expectations() {
  std::ifstream in(L4S_EXPECTATIONS_TSV);
  std::vector<Expected> rows;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#' || line.rfind("path\t", 0) == 0) continue;
    auto f = split(line, '\t');
    f.resize(12);
    rows.push_back(Expected{n, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]});
  }
  return rows;
}

const std::vector<Expected>& expectations() {
  static const std::vector<Expected> rows = load_expectations();
  return rows;
}

// Top-level paths in table order.
std::vector<std::string> top_level_paths() {
  std::vector<std::string> paths;
  for (const auto& e : expectations())
    if (e.scope == "top" && std::find(paths.begin(), paths.end(), e.path) == paths.end()) paths.push_back(e.path);
  return paths;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

class TopLevelFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TopLevelFixture, FindingsMatchExpectations) {
  fs::path root(L4S_FIXTURES_DIR);
  if (!fs::exists(root / "MANIFEST.tsv")) GTEST_SKIP() << "fixtures not found at " << root << " (L4S_FIXTURES_DIR)";
  const std::string& rel = GetParam();
  std::vector<const Expected*> rows;
  for (const auto& e : expectations())
    if (e.scope == "top" && e.path == rel) rows.push_back(&e);
  std::string full = (root / rel).string();

  auto src = archive::open_file_source(full);
  ASSERT_TRUE(src.ok()) << src.error();
  auto reader = archive::ZipReader::open(*src);
  if (rows[0]->component == "error") {
    EXPECT_FALSE(reader.ok()) << rel << " (line " << rows[0]->line << ") opened as a zip";
    return;
  }
  ASSERT_TRUE(reader.ok()) << rel << ": " << reader.error();
  ZipContainer container(*reader);
  std::vector<ScanError> errors;
  DetectContext ctx{full, full, fs::path(full).filename().string(), &errors};
  std::vector<Finding> found = detect_components(container, ctx);

  std::vector<const Expected*> want;
  for (const Expected* e : rows)
    if (e->component != "none") want.push_back(e);
  ASSERT_EQ(found.size(), want.size()) << rel << ": " << (found.empty() ? "" : found[0].component + " " +
                                                           found[0].version.value_or(found[0].version_range));
  for (const Expected* e : want) {
    SCOPED_TRACE(rel + " (expectations line " + std::to_string(e->line) + ")");
    auto it = std::find_if(found.begin(), found.end(), [&](const Finding& f) {
      return f.component == e->component && dash(f.shaded_prefix) == e->prefix;
    });
    ASSERT_NE(it, found.end()) << "no " << e->component << " finding with prefix " << e->prefix;
    EXPECT_EQ(it->version.value_or("-"), e->version);
    EXPECT_EQ(dash(it->version_range), e->range);
    EXPECT_EQ(to_string(it->status), e->status);
    EXPECT_EQ(join(it->cves), e->cves);
    EXPECT_EQ(join(it->mitigated_cves), e->mitigated);
    EXPECT_EQ(it->metadata_mismatch ? "yes" : "no", e->mismatch);
    EXPECT_EQ(it->path, full);
    EXPECT_EQ(it->location, full);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  if (name.rfind("jars/", 0) == 0) name = name.substr(5);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TopLevelFixture, ::testing::ValuesIn(top_level_paths()), test_name);

// The table covers every fixture that is a top-level zip (or not an archive).
TEST(FixtureExpectations, CoverEveryTopLevelZip) {
  fs::path manifest = fs::path(L4S_FIXTURES_DIR) / "MANIFEST.tsv";
  if (!fs::exists(manifest)) GTEST_SKIP() << "fixtures not found at " << L4S_FIXTURES_DIR;
  auto paths = top_level_paths();
  std::ifstream in(manifest);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    auto f = split(line, '\t');
    if (f.size() < 6 || f[0] == "path") continue;
    if (f[5].rfind("top-level zip", 0) != 0 && f[5] != "not an archive") continue;
    ++checked;
    EXPECT_NE(std::find(paths.begin(), paths.end(), f[0]), paths.end()) << "no expectation for " << f[0];
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace l4s::inventory
