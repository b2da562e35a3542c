// `scan --image` on images the test assembles from fixture jars: a docker-save
// tarball and an OCI layout (directory and tar), with gzip and zstd layers, a
// whiteout deleting one jar and an opaque directory hiding another.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include "shell.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

const std::string kJars = std::string(L4S_FIXTURES_DIR) + "/jars/";
const std::string k2141 = kJars + "mergebase-log4j-samples/true-hits/log4j-core-2.14.1.jar";
const std::string k2171 = kJars + "mergebase-log4j-samples/false-hits/log4j-core-2.17.1.jar";
const std::string k2150 = kJars + "google-log4jscanner/jar/testdata/log4j-core-2.15.0.jar";
const std::string k2160 = kJars + "google-log4jscanner/jar/testdata/log4j-core-2.16.0.jar";

std::string q(const std::string& s) { return l4s::test::shell_quote(s); }

std::string run(const std::string& args) {
  return l4s::test::run_shell(std::string(L4S_BINARY) + " " + args + " 2>/dev/null").out;
}

class ImageE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& f : {k2141, k2171, k2150, k2160})
      if (!stdfs::exists(f)) GTEST_SKIP() << "fixture missing: " << f;
    dir_ = stdfs::path(L4S_TEST_TMP) / ("image-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    // Layer 1: four jars. Layer 2: deletes 2.14.1 (whiteout), adds 2.15.0.
    // Layer 3: makes opt/other opaque, hiding 2.16.0 from layer 1.
    sh("mkdir -p l1/opt/app/lib l1/opt/other l2/opt/app/lib l2/opt/app/extra l3/opt/other");
    sh("cp " + q(k2141) + " l1/opt/app/lib/log4j-core-2.14.1.jar && cp " + q(k2171) +
       " l1/opt/app/lib/log4j-core-2.17.1.jar && cp " + q(k2160) + " l1/opt/other/log4j-core-2.16.0.jar");
    sh("touch l2/opt/app/lib/.wh.log4j-core-2.14.1.jar && cp " + q(k2150) + " l2/opt/app/extra/log4j-core-2.15.0.jar");
    sh("touch l3/opt/other/.wh..wh..opq && echo hi > l3/opt/other/readme.txt");
    for (const char* l : {"l1", "l2", "l3"}) sh(std::string("tar -C ") + l + " -cf " + l + ".tar opt");
  }
  void sh(const std::string& cmd) {
    ASSERT_EQ(std::system(("cd " + q(dir_.string()) + " && " + cmd).c_str()), 0) << cmd;
  }
  std::string sha256(const std::string& file) {
    std::string out;
    FILE* p = popen(("sha256sum " + q((dir_ / file).string())).c_str(), "r");
    char buf[128] = {};
    if (fgets(buf, sizeof buf, p)) out = std::string(buf).substr(0, 64);
    pclose(p);
    return out;
  }
  void write(const std::string& rel, const json& j) { std::ofstream(dir_ / rel) << j.dump(); }

  // Moves a file into blobs/sha256/<digest> and returns "sha256:<digest>".
  std::string blob(const std::string& root, const std::string& file) {
    std::string d = sha256(file);
    stdfs::create_directories(dir_ / root / "blobs/sha256");
    stdfs::rename(dir_ / file, dir_ / root / "blobs/sha256" / d);
    return "sha256:" + d;
  }

  void check(const json& r, bool all_layers) {
    std::map<std::string, json> by_version;
    for (const auto& f : r["findings"])
      if (f["component"] == "log4j-core" && f["version"].is_string()) by_version[f["version"]] = f;
    ASSERT_TRUE(by_version.count("2.17.1")) << r.dump(1);
    ASSERT_TRUE(by_version.count("2.15.0")) << r.dump(1);
    EXPECT_NE(by_version["2.17.1"]["location"].get<std::string>().find("!/opt/app/lib/log4j-core-2.17.1.jar"),
              std::string::npos);
    EXPECT_EQ(by_version.count("2.14.1"), all_layers ? 1u : 0u) << "whiteout not honoured";
    EXPECT_EQ(by_version.count("2.16.0"), all_layers ? 1u : 0u) << "opaque directory not honoured";
    if (all_layers) {
      EXPECT_NE(by_version["2.14.1"]["evidence"].dump().find("deleted"), std::string::npos);
    }
  }

  stdfs::path dir_;
};

TEST_F(ImageE2E, DockerSaveTarballHonoursWhiteoutsAndNamesLayers) {
  sh("gzip -k l1.tar && mkdir -p img/a img/b img/c && mv l1.tar.gz img/a/layer.tar && cp l2.tar img/b/layer.tar && "
     "cp l3.tar img/c/layer.tar");
  std::vector<std::string> diff_ids = {"sha256:" + sha256("l1.tar"), "sha256:" + sha256("l2.tar"),
                                       "sha256:" + sha256("l3.tar")};
  write("img/cafe01.json", {{"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}});
  write("img/manifest.json", json::array({{{"Config", "cafe01.json"}, {"RepoTags", {"acme/app:1.0"}},
                                           {"Layers", {"a/layer.tar", "b/layer.tar", "c/layer.tar"}}}}));
  sh("tar -C img -cf image.tar manifest.json cafe01.json a b c");
  std::string image = (dir_ / "image.tar").string();

  json r = json::parse(run("scan --quiet --format json --image " + q(image)));
  check(r, false);
  for (const auto& f : r["findings"]) {
    std::string loc = f["location"];
    EXPECT_EQ(loc.rfind(image + "!/acme/app:1.0@sha256:cafe01!/sha256:", 0), 0u) << loc;
    if (f["version"] == "2.15.0") {
      EXPECT_NE(loc.find(diff_ids[1]), std::string::npos) << loc;
    }
  }
  check(json::parse(run("scan --quiet --format json --all-layers --image " + q(image))), true);
  // Met during an ordinary walk, the tarball is recognised as an image too.
  check(json::parse(run("scan --quiet --format json " + q((dir_).string() + "/image.tar"))), false);
}

TEST_F(ImageE2E, OciLayoutDirectoryAndTarWithZstdLayers) {
  sh("gzip l1.tar && zstd -q --rm l2.tar && gzip l3.tar");
  std::vector<std::string> layers = {blob("oci", "l1.tar.gz"), blob("oci", "l2.tar.zst"), blob("oci", "l3.tar.gz")};
  write("config.json", {{"rootfs", {{"type", "layers"}}}});
  std::string config = blob("oci", "config.json");
  json manifest = {{"schemaVersion", 2}, {"config", {{"digest", config}}}, {"layers", json::array()}};
  for (const auto& l : layers) manifest["layers"].push_back({{"digest", l}});
  write("manifest.json", manifest);
  std::string m = blob("oci", "manifest.json");
  write("oci/index.json", {{"schemaVersion", 2},
                           {"manifests", {{{"digest", m}, {"annotations", {{"org.opencontainers.image.ref.name", "2.0"}}}}}}});
  std::ofstream(dir_ / "oci/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";

  json r = json::parse(run("scan --quiet --format json --image " + q((dir_ / "oci").string())));
  check(r, false);
  for (const auto& f : r["findings"])
    if (f["version"] == "2.15.0") {
      EXPECT_NE(f["location"].get<std::string>().find("!/" + layers[1] + "!/opt/app/extra/"), std::string::npos);
    }
  sh("tar -C oci -cf oci.tar oci-layout index.json blobs");
  check(json::parse(run("scan --quiet --format json --image " + q((dir_ / "oci.tar").string()))), false);
}

}  // namespace
