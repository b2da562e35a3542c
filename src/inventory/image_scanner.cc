#include "inventory/image_scanner.h"

#include <sys/stat.h>

#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "archive/tar_reader.h"

namespace l4s::inventory {
namespace {

using nlohmann::json;

struct Layer {
  std::string blob;    // member name (tar) or relative file (directory)
  std::string digest;  // sha256:... as the manifest or config names it
};

struct Image {
  std::string ref;            // first repo tag, or "image"
  std::string config_digest;  // sha256:...
  std::vector<Layer> layers;  // bottom first
};

// Blob access for both storage forms.
using BlobOpener = std::function<Result<archive::SourcePtr>(const std::string& name)>;

Result<std::string> read_blob_text(const BlobOpener& open, const std::string& name) {
  auto src = open(name);
  if (!src) return Result<std::string>::failure(src.error());
  if ((*src)->size() > (64u << 20)) return Result<std::string>::failure(name + ": metadata file too large");
  std::string text((*src)->size(), '\0');
  if (!(*src)->read_at(0, text.data(), text.size())) return Result<std::string>::failure(name + ": read failed");
  return text;
}

std::string digest_blob(const std::string& digest) {
  auto colon = digest.find(':');
  return colon == std::string::npos ? digest : "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

std::string config_digest_of(const std::string& config_name) {
  // docker save names the config "<hex>.json" or "blobs/sha256/<hex>".
  std::string base = config_name.substr(config_name.find_last_of('/') + 1);
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
  return "sha256:" + base;
}

// docker save: manifest.json lists config and layer tars; layer digests are the
// config's rootfs.diff_ids.
Result<std::vector<Image>> docker_images(const BlobOpener& open) {
  using R = Result<std::vector<Image>>;
  auto text = read_blob_text(open, "manifest.json");
  if (!text) return R::failure(text.error());
  std::vector<Image> images;
  json manifest = json::parse(*text, nullptr, false);
  if (!manifest.is_array()) return R::failure("manifest.json: not a JSON array");
  for (const auto& m : manifest) {
    if (!m.is_object() || !m.contains("Layers") || !m["Layers"].is_array()) continue;
    Image img;
    std::string config = m.value("Config", "");
    img.config_digest = config_digest_of(config);
    if (m.contains("RepoTags") && m["RepoTags"].is_array() && !m["RepoTags"].empty() && m["RepoTags"][0].is_string())
      img.ref = m["RepoTags"][0];
    std::vector<std::string> diff_ids;
    if (auto cfg = read_blob_text(open, config)) {
      json c = json::parse(*cfg, nullptr, false);
      if (c.is_object() && c.contains("rootfs") && c["rootfs"].contains("diff_ids") && c["rootfs"]["diff_ids"].is_array())
        for (const auto& d : c["rootfs"]["diff_ids"])
          if (d.is_string()) diff_ids.push_back(d);
    }
    for (size_t i = 0; i < m["Layers"].size(); ++i) {
      if (!m["Layers"][i].is_string()) continue;
      std::string blob = m["Layers"][i];
      img.layers.push_back({blob, i < diff_ids.size() ? diff_ids[i] : blob});
    }
    images.push_back(std::move(img));
  }
  return images;
}

// OCI layout: index.json -> manifests (following nested indexes) -> config and layers.
Result<std::vector<Image>> oci_images(const BlobOpener& open) {
  using R = Result<std::vector<Image>>;
  auto text = read_blob_text(open, "index.json");
  if (!text) return R::failure(text.error());
  std::vector<Image> images;
  std::function<void(const json&, const std::string&, int)> walk_index = [&](const json& index, const std::string& ref,
                                                                            int depth) {
    if (depth > 4 || !index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) return;
    for (const auto& d : index["manifests"]) {
      if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string()) continue;
      std::string name = ref;
      if (d.contains("annotations") && d["annotations"].is_object()) {
        name = d["annotations"].value("io.containerd.image.name", name);
        if (name.empty()) name = d["annotations"].value("org.opencontainers.image.ref.name", name);
      }
      auto body = read_blob_text(open, digest_blob(d["digest"]));
      if (!body) continue;
      json m = json::parse(*body, nullptr, false);
      if (m.is_object() && m.contains("manifests")) {
        walk_index(m, name, depth + 1);
        continue;
      }
      if (!m.is_object() || !m.contains("layers") || !m["layers"].is_array()) continue;
      Image img;
      img.ref = name;
      if (m.contains("config") && m["config"].is_object()) img.config_digest = m["config"].value("digest", "");
      for (const auto& l : m["layers"])
        if (l.is_object() && l.contains("digest") && l["digest"].is_string())
          img.layers.push_back({digest_blob(l["digest"]), l["digest"]});
      images.push_back(std::move(img));
    }
  };
  walk_index(json::parse(*text, nullptr, false), "", 0);
  return images;
}

std::string parent_dir(const std::string& p) {
  auto pos = p.find_last_of('/');
  return pos == std::string::npos ? "" : p.substr(0, pos);
}

// What upper layers have already decided about paths below them.
struct UpperState {
  std::set<std::string> files;      // present in an upper layer (shadows lower copies)
  std::set<std::string> whiteouts;  // deleted paths (and everything below them)
  std::set<std::string> opaque;     // directories whose lower content is hidden

  bool hides(const std::string& path) const {
    if (files.count(path) || whiteouts.count(path)) return true;
    for (std::string dir = parent_dir(path);; dir = parent_dir(dir)) {
      if (whiteouts.count(dir) || opaque.count(dir)) return true;
      if (dir.empty()) return false;
    }
  }
};

std::string clean(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name[0] == '/') name.erase(0, 1);
  while (!name.empty() && name.back() == '/') name.pop_back();
  return name;
}

void scan_layers(FileScanner& scanner, const Image& img, const BlobOpener& open, const std::string& path,
                 const ImageOptions& options, ScanOutput& out) {
  const std::string image_loc = path + "!/" + (img.ref.empty() ? "image" : img.ref) + "@" + img.config_digest;
  UpperState upper;
  // Top layer first: what a layer hides is known before the layers below are read.
  for (size_t i = img.layers.size(); i-- > 0;) {
    const Layer& layer = img.layers[i];
    const std::string layer_loc = image_loc + "!/" + layer.digest;
    auto src = open(layer.blob);
    if (!src) {
      out.errors.push_back({layer_loc, src.error()});
      out.stats.errors++;
      continue;
    }
    UpperState mine;
    Status st = archive::read_tar(*src, scanner.budget(), [&](const archive::TarEntry& e, const auto& materialize) {
      std::string name = clean(e.name);
      std::string base = name.substr(name.find_last_of('/') + 1);
      if (base.rfind(".wh.", 0) == 0) {
        if (base == ".wh..wh..opq") mine.opaque.insert(parent_dir(name));
        else mine.whiteouts.insert((parent_dir(name).empty() ? "" : parent_dir(name) + "/") + base.substr(4));
        return;
      }
      if (!e.regular) return;
      mine.files.insert(name);
      bool hidden = upper.hides(name);
      if (hidden && !options.all_layers) return;
      if (e.size < 22 || is_never_archive_name(name)) return;
      if (!has_archive_extension(name) && !has_tar_extension(name) && e.size > (64ull << 20)) return;
      auto content = materialize(scanner.limits().max_nested_bytes);
      if (!content) {
        out.errors.push_back({layer_loc + "!/" + name, content.error()});
        out.stats.errors++;
        return;
      }
      size_t before = out.findings.size();
      scanner.scan_content(*content, path, layer_loc + "!/" + name, name, 1, out);
      for (size_t k = before; k < out.findings.size(); ++k) {
        out.findings[k].evidence.push_back("image " + (img.ref.empty() ? img.config_digest : img.ref) + ", layer " +
                                           std::to_string(i + 1) + " of " + std::to_string(img.layers.size()));
        if (hidden) out.findings[k].evidence.push_back("present in layer " + std::to_string(i + 1) +
                                                       ", deleted or replaced by a later layer (not in the image)");
      }
    });
    out.stats.archives++;
    if (!st.ok()) {
      out.errors.push_back({layer_loc, "layer unreadable: " + st.error()});
      out.stats.errors++;
    }
    upper.files.merge(mine.files);
    upper.whiteouts.merge(mine.whiteouts);
    upper.opaque.merge(mine.opaque);
  }
}

void scan_with(FileScanner& scanner, const BlobOpener& open, bool has_manifest, const std::string& path,
               const ImageOptions& options, ScanOutput& out) {
  auto images = has_manifest ? docker_images(open) : oci_images(open);
  if (!images) {
    out.errors.push_back({path, "not a readable container image: " + images.error()});
    out.stats.errors++;
    return;
  }
  for (const Image& img : *images) scan_layers(scanner, img, open, path, options, out);
}

}  // namespace

bool looks_like_image(const std::vector<archive::TarMember>& members) {
  bool manifest = false, oci = false, index = false;
  for (const auto& m : members) {
    manifest |= m.name == "manifest.json";
    oci |= m.name == "oci-layout";
    index |= m.name == "index.json";
  }
  return manifest || (oci && index);
}

void scan_image_tar(FileScanner& scanner, archive::SourcePtr tar, const std::vector<archive::TarMember>& members,
                    const std::string& path, const ImageOptions& options, ScanOutput& out) {
  std::map<std::string, const archive::TarMember*> by_name;
  for (const auto& m : members)
    if (m.regular()) by_name[m.name] = &m;
  BlobOpener open = [&](const std::string& name) -> Result<archive::SourcePtr> {
    auto it = by_name.find(name);
    if (it == by_name.end()) return Result<archive::SourcePtr>::failure(name + ": not in the image tar");
    return archive::sub_source(tar, it->second->data_offset, it->second->size);
  };
  scan_with(scanner, open, by_name.count("manifest.json") > 0, path, options, out);
}

void scan_image(FileScanner& scanner, const std::string& path, const ImageOptions& options, ScanOutput& out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    out.errors.push_back({path, "cannot open image"});
    out.stats.errors++;
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    BlobOpener open = [&](const std::string& name) { return archive::open_file_source(path + "/" + name); };
    scan_with(scanner, open, stat((path + "/manifest.json").c_str(), &st) == 0, path, options, out);
    return;
  }
  auto src = archive::open_file_source(path);
  if (!src) {
    out.errors.push_back({path, src.error()});
    out.stats.errors++;
    return;
  }
  auto members = archive::index_tar(**src);
  if (!members) {
    out.errors.push_back({path, "not an uncompressed image tar: " + members.error()});
    out.stats.errors++;
    return;
  }
  scan_image_tar(scanner, *src, *members, path, options, out);
}

}  // namespace l4s::inventory
