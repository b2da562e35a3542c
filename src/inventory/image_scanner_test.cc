// Container images the test assembles: a `docker save` tarball and an OCI
// layout (directory and tar, gzip layers, a nested index), with a whiteout
// file, a whited-out directory, an opaque directory and a replaced file, so
// that what the image really holds differs from what its layers hold.
#include "inventory/image_scanner.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inventory/test_archives.h"
#include "inventory/test_classes.h"

namespace l4s::inventory {
namespace {

using namespace testing;
namespace fs = std::filesystem;
using nlohmann::json;

std::string log4j_jar(const std::string& version) {
  MemoryContainer c;
  add_log4j2_copy(c, "org/apache/logging/log4j/core/", release(version));
  c.add("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
        pom("org.apache.logging.log4j", "log4j-core", version));
  return make_archive(ArchiveKind::kZip, members_of(c));
}

// A fake but well-formed sha256 hex digest.
std::string hex(char c) { return std::string(64, c); }

// Three layers, bottom first. What the image holds in the end:
// log4j-core 2.12.4 (layer 1), replaced.jar = 2.17.1 (layer 2, over 2.16.0)
// and opt/other/log4j-core-2.17.0.jar (layer 3). Layer 1's 2.14.1 is whited
// out, its opt/gone folder deleted and its opt/other folder made opaque.
std::vector<std::vector<Member>> layer_members() {
  return {
      {{"opt/", ""},
       {"opt/app/lib/log4j-core-2.14.1.jar", log4j_jar("2.14.1")},
       {"opt/app/lib/log4j-core-2.12.4.jar", log4j_jar("2.12.4")},
       {"opt/app/lib/replaced.jar", log4j_jar("2.16.0")},
       {"opt/gone/lib/log4j-core-2.14.0.jar", log4j_jar("2.14.0")},
       {"opt/other/log4j-core-2.15.0.jar", log4j_jar("2.15.0")},
       // Scripts, Windows launchers and resource forks are no errors (issue 17).
       {"usr/bin/npm", "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n"},
       {"opt/app/bin/gui.exe", "MZ\x90" + std::string(2000, '\x01')},
       {"opt/app/lib/._log4j-core-2.12.4.jar", std::string("\x00\x05\x16\x07\x00\x02\x00\x00", 8) + std::string(4088, '\0')}},
      {{"opt/app/lib/.wh.log4j-core-2.14.1.jar", ""},
       {"opt/.wh.gone", ""},
       {"opt/app/lib/replaced.jar", log4j_jar("2.17.1")}},
      {{"./opt/other/.wh..wh..opq", ""}, {"./opt/other/log4j-core-2.17.0.jar", log4j_jar("2.17.0")}},
  };
}

// location -> version, for order-free comparison.
std::map<std::string, std::string> by_location(const ScanOutput& out) {
  std::map<std::string, std::string> m;
  for (const Finding& f : out.findings) m[f.location] = f.version.value_or("?");
  return m;
}

std::string errors_text(const ScanOutput& out) {
  std::string s;
  for (const ScanError& e : out.errors) s += e.location + ": " + e.error + "\n";
  return s;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

class ImageScanner : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = scratch_dir(); }

  // docker save: manifest.json, <config>.json, <id>/layer.tar.
  std::string docker_save(ArchiveKind layer_kind = ArchiveKind::kTar) {
    std::vector<Member> members;
    json manifest = json::array();
    json layers = json::array(), diff_ids = json::array();
    const auto specs = layer_members();
    for (size_t i = 0; i < specs.size(); ++i) {
      const std::string blob = hex(static_cast<char>('1' + i)) + "/layer.tar";
      layers.push_back(blob);
      diff_ids.push_back(layer_digest(i));
      members.push_back({blob, make_archive(layer_kind, specs[i])});
    }
    members.push_back({hex('e') + ".json", json{{"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}.dump()});
    manifest.push_back({{"Config", hex('e') + ".json"}, {"RepoTags", json::array({"shop:1.0"})}, {"Layers", layers}});
    members.insert(members.begin(), Member{"manifest.json", manifest.dump()});
    return write_file(dir_ / "shop.tar", make_archive(ArchiveKind::kTar, members));
  }

  static std::string layer_digest(size_t i) { return "sha256:" + hex(static_cast<char>('a' + i)); }

  // An OCI layout folder: index.json -> nested index -> manifest -> gzip layers.
  std::string oci_layout() {
    const fs::path root = dir_ / "oci";
    auto blob = [&](const std::string& digest, const std::string& bytes) {
      write_file(root / "blobs" / "sha256" / digest.substr(7), bytes);
    };
    json layers = json::array();
    const auto specs = layer_members();
    for (size_t i = 0; i < specs.size(); ++i) {
      blob(layer_digest(i), make_archive(ArchiveKind::kTarGz, specs[i]));
      layers.push_back({{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", layer_digest(i)}});
    }
    const std::string config = "sha256:" + hex('e');
    blob(config, json{{"rootfs", {{"type", "layers"}}}}.dump());
    const std::string manifest = "sha256:" + hex('m');
    blob(manifest, json{{"schemaVersion", 2}, {"config", {{"digest", config}}}, {"layers", layers}}.dump());
    const std::string nested_index = "sha256:" + hex('i');
    blob(nested_index, json{{"schemaVersion", 2}, {"manifests", json::array({json{{"digest", manifest}}})}}.dump());
    write_file(root / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    write_file(root / "index.json",
               json{{"schemaVersion", 2},
                    {"manifests", json::array({json{{"digest", nested_index},
                                                    {"annotations", {{"org.opencontainers.image.ref.name", "shop:2.0"}}}}})}}
                   .dump());
    return root.string();
  }

  // The same layout as one tar (as `skopeo copy oci-archive:` writes it).
  std::string oci_tar() {
    const fs::path root = oci_layout();
    std::vector<Member> members;
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file()) members.push_back({fs::relative(e.path(), root).string(), read_file(e.path())});
    std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.name < b.name; });
    return write_file(dir_ / "shop-oci.tar", make_archive(ArchiveKind::kTar, members));
  }

  static ScanOutput scan(const std::string& path, bool all_layers = false) {
    ScanLimits limits;
    FileScanner scanner(limits);
    ScanOutput out;
    ImageOptions options;
    options.all_layers = all_layers;
    scan_image(scanner, path, options, out);
    return out;
  }

  fs::path dir_;
};

TEST_F(ImageScanner, DockerSaveHonoursWhiteoutsAndOpaqueDirs) {
  const std::string path = docker_save();
  const std::string image = path + "!/shop:1.0@sha256:" + hex('e');
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  const std::map<std::string, std::string> expected = {
      {image + "!/" + layer_digest(0) + "!/opt/app/lib/log4j-core-2.12.4.jar", "2.12.4"},
      {image + "!/" + layer_digest(1) + "!/opt/app/lib/replaced.jar", "2.17.1"},
      {image + "!/" + layer_digest(2) + "!/opt/other/log4j-core-2.17.0.jar", "2.17.0"},
  };
  EXPECT_EQ(by_location(out), expected);
  for (const Finding& f : out.findings) {
    EXPECT_EQ(f.path, path);
    EXPECT_FALSE(has(f.evidence, "present in layer 1, deleted or replaced by a later layer (not in the image)"));
  }
  const auto it = std::find_if(out.findings.begin(), out.findings.end(),
                               [](const Finding& f) { return f.version == "2.12.4"; });
  ASSERT_NE(it, out.findings.end());
  EXPECT_TRUE(has(it->evidence, "image shop:1.0, layer 1 of 3"));
  EXPECT_EQ(out.stats.archives, 3u + 3u);  // three layers, three jars
}

TEST_F(ImageScanner, AllLayersAlsoReportsDeletedCopies) {
  const std::string path = docker_save();
  const std::string layer1 = path + "!/shop:1.0@sha256:" + hex('e') + "!/" + layer_digest(0) + "!/";
  ScanOutput out = scan(path, /*all_layers=*/true);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  std::map<std::string, std::string> found = by_location(out);
  EXPECT_EQ(found.size(), 7u);
  // Each hidden copy is there, and says it is not in the image.
  const std::map<std::string, std::string> hidden = {{"opt/app/lib/log4j-core-2.14.1.jar", "2.14.1"},  // whiteout
                                                     {"opt/gone/lib/log4j-core-2.14.0.jar", "2.14.0"},  // dir whited out
                                                     {"opt/other/log4j-core-2.15.0.jar", "2.15.0"},  // opaque dir
                                                     {"opt/app/lib/replaced.jar", "2.16.0"}};  // replaced
  for (const auto& [name, version] : hidden) {
    SCOPED_TRACE(name);
    const std::string location = layer1 + name;  // (clang 14 cannot capture a structured binding)
    EXPECT_EQ(found[location], version);
    auto f = std::find_if(out.findings.begin(), out.findings.end(),
                          [&](const Finding& x) { return x.location == location; });
    ASSERT_NE(f, out.findings.end());
    EXPECT_TRUE(has(f->evidence, "present in layer 1, deleted or replaced by a later layer (not in the image)"));
  }
}

TEST_F(ImageScanner, CompressedLayersInDockerSave) {
  const std::string path = docker_save(ArchiveKind::kTarGz);
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  EXPECT_EQ(out.findings.size(), 3u);
}

TEST_F(ImageScanner, FileScannerRecognisesAnImageTar) {
  // Met during a walk, an image tar is read as an image, whiteouts honoured,
  // not as a plain tar of layer tars.
  const std::string path = docker_save();
  FileScanner scanner({});
  ScanOutput walked;
  scanner.scan_file(path, fs::file_size(path), true, walked);
  EXPECT_EQ(by_location(walked), by_location(scan(path)));
  EXPECT_EQ(walked.findings.size(), 3u);
}

TEST_F(ImageScanner, OciLayoutDirectoryAndTar) {
  const std::string dir = oci_layout();
  const std::string image = "shop:2.0@sha256:" + hex('e');
  ScanOutput out = scan(dir);
  EXPECT_TRUE(out.errors.empty()) << errors_text(out);
  const std::map<std::string, std::string> expected = {
      {dir + "!/" + image + "!/" + layer_digest(0) + "!/opt/app/lib/log4j-core-2.12.4.jar", "2.12.4"},
      {dir + "!/" + image + "!/" + layer_digest(1) + "!/opt/app/lib/replaced.jar", "2.17.1"},
      {dir + "!/" + image + "!/" + layer_digest(2) + "!/opt/other/log4j-core-2.17.0.jar", "2.17.0"},
  };
  EXPECT_EQ(by_location(out), expected);
  EXPECT_EQ(scan(dir, true).findings.size(), 7u);

  const std::string tar = oci_tar();
  ScanOutput from_tar = scan(tar);
  EXPECT_TRUE(from_tar.errors.empty()) << errors_text(from_tar);
  std::map<std::string, std::string> expected_tar;
  for (const auto& [loc, v] : expected) expected_tar[tar + loc.substr(dir.size())] = v;
  EXPECT_EQ(by_location(from_tar), expected_tar);
}

TEST_F(ImageScanner, MissingLayerIsAnErrorAndTheRestIsScanned) {
  const std::string path = docker_save();
  // Rewrite the image without its middle layer.
  std::vector<Member> members;
  auto src = archive::open_file_source(path);
  ASSERT_TRUE(src.ok());
  auto index = archive::index_tar(**src);
  ASSERT_TRUE(index.ok());
  for (const auto& m : *index) {
    if (m.name == hex('2') + "/layer.tar") continue;
    std::string bytes(m.size, '\0');
    ASSERT_TRUE((*src)->read_at(m.data_offset, bytes.data(), bytes.size()));
    members.push_back({m.name, bytes});
  }
  write_file(path, make_archive(ArchiveKind::kTar, members));
  ScanOutput out = scan(path);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, path + "!/shop:1.0@sha256:" + hex('e') + "!/" + layer_digest(1));
  EXPECT_NE(out.errors[0].error.find("not in the image tar"), std::string::npos) << out.errors[0].error;
  // Without layer 2 nothing deletes 2.14.1 and opt/gone or replaces 2.16.0;
  // layer 3 still hides opt/other.
  std::vector<std::string> versions;
  for (const Finding& f : out.findings) versions.push_back(f.version.value_or("?"));
  std::sort(versions.begin(), versions.end());
  EXPECT_EQ(versions, (std::vector<std::string>{"2.12.4", "2.14.0", "2.14.1", "2.16.0", "2.17.0"}));
}

TEST_F(ImageScanner, UnreadableManifestIsOneError) {
  const std::string path =
      write_file(dir_ / "bad.tar", make_archive(ArchiveKind::kTar, {{"manifest.json", R"({"not":"an array"})"}}));
  ScanOutput out = scan(path);
  EXPECT_TRUE(out.findings.empty());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].location, path);
  EXPECT_EQ(out.errors[0].error, "not a readable container image: manifest.json: not a JSON array");
}

TEST(LooksLikeImage, NeedsAManifestOrAnOciLayout) {
  auto members = [](std::initializer_list<const char*> names) {
    std::vector<archive::TarMember> v;
    for (const char* n : names) v.push_back({n, 0, 0, '0'});
    return v;
  };
  EXPECT_TRUE(looks_like_image(members({"abc/layer.tar", "manifest.json"})));
  EXPECT_TRUE(looks_like_image(members({"oci-layout", "index.json", "blobs/sha256/x"})));
  EXPECT_FALSE(looks_like_image(members({"oci-layout", "blobs/sha256/x"})));
  EXPECT_FALSE(looks_like_image(members({"opt/app/manifest.json.bak", "index.json"})));
  EXPECT_FALSE(looks_like_image({}));
}

}  // namespace
}  // namespace l4s::inventory
