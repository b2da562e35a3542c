#include "inventory/file_scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "archive/tar_index.h"
#include "archive/tar_reader.h"
#include "archive/zip_reader.h"
#include "inventory/detect.h"
#include "inventory/directory_container.h"
#include "inventory/image_scanner.h"
#include "inventory/zip_container.h"

namespace l4s::inventory {
namespace {

constexpr size_t kSniffBytes = 512;
constexpr uint64_t kMinArchiveBytes = 22;  // an empty zip is 22 bytes

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

std::string_view base_name(std::string_view p) {
  auto pos = p.find_last_of('/');
  return pos == std::string_view::npos ? p : p.substr(pos + 1);
}

std::string strerror_text(int e) { return std::strerror(e); }

}  // namespace

// Ancestor chain of nested archives, outermost file included, to catch an
// archive that contains itself (a quine such as r.zip) at the first level.
struct FileScanner::Chain {
  archive::SourcePtr source;  // the ancestor's bytes
  uint32_t crc;               // its CRC-32 when known from a zip entry
  bool crc_known;
  const Chain* parent;
};

namespace {

bool same_bytes(const archive::ByteSource& a, const archive::ByteSource& b) {
  if (a.size() != b.size()) return false;
  uint8_t x[65536], y[65536];
  for (uint64_t off = 0; off < a.size(); off += sizeof x) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof x, a.size() - off));
    if (!a.read_at(off, x, n) || !b.read_at(off, y, n) || std::memcmp(x, y, n) != 0) return false;
  }
  return true;
}

}  // namespace

void ScanOutput::merge(ScanOutput&& o) {
  std::move(o.findings.begin(), o.findings.end(), std::back_inserter(findings));
  std::move(o.errors.begin(), o.errors.end(), std::back_inserter(errors));
  stats.files += o.stats.files;
  stats.archives += o.stats.archives;
  stats.bytes_read += o.stats.bytes_read;
  stats.errors += o.stats.errors;
}

ContentKind sniff(const void* head, size_t n) {
  const auto* b = static_cast<const uint8_t*>(head);
  if (archive::looks_like_zip(b, n)) return ContentKind::kZip;
  if (archive::looks_like_tar(b, n)) return ContentKind::kTar;
  if (archive::detect_compression(b, n) != archive::Compression::kNone) return ContentKind::kCompressed;
  // Launcher scripts (#!) and Windows stubs (MZ) in front of a jar.
  if (n >= 2 && ((b[0] == '#' && b[1] == '!') || (b[0] == 'M' && b[1] == 'Z'))) return ContentKind::kMaybePrefixedZip;
  return ContentKind::kOther;
}

bool has_archive_extension(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kExt = {
      ".jar", ".war", ".ear", ".zip", ".aar", ".par", ".sar", ".rar", ".jmod", ".jpi", ".hpi", ".nar", ".kar", ".apk"};
  for (auto e : kExt)
    if (ends_with_ci(name, e)) return true;
  return false;
}

bool has_tar_extension(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kExt = {".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2",
                                                           ".tar.xz", ".txz", ".tar.zst", ".tzst"};
  for (auto e : kExt)
    if (ends_with_ci(name, e)) return true;
  return false;
}

bool is_never_archive_name(std::string_view name) {
  // The bulk of a jar's entries; skipping them avoids a partial inflate each.
  static constexpr std::array<std::string_view, 22> kExt = {
      ".class", ".properties", ".xml", ".html", ".htm", ".txt", ".mf", ".java", ".json", ".xsd", ".dtd", ".sf",
      ".rsa", ".dsa", ".ec", ".png", ".gif", ".jpg", ".css", ".js", ".md", ".kotlin_module"};
  for (auto e : kExt)
    if (ends_with_ci(name, e)) return true;
  return false;
}

std::string FileScanner::class_folder_root(const std::string& path) {
  // Standard package layouts first, then relocated log4j-core (".../core/lookup/JndiLookup.class").
  static constexpr std::array<std::string_view, 5> kMarkers = {
      "/org/apache/logging/log4j/core/lookup/JndiLookup.class",
      "/org/apache/logging/log4j/core/net/JndiManager.class",
      "/org/apache/logging/log4j/core/LoggerContext.class",
      "/org/apache/log4j/Category.class",
      "/ch/qos/logback/classic/LoggerContext.class"};
  for (auto m : kMarkers)
    if (path.size() > m.size() && path.compare(path.size() - m.size(), m.size(), m) == 0)
      return path.substr(0, path.size() - m.size());
  // JndiManager too, so that a relocated copy whose JndiLookup `fix` removed is still found.
  for (std::string_view shaded : {"/core/lookup/JndiLookup.class", "/core/net/JndiManager.class"}) {
    if (path.size() <= shaded.size() || path.compare(path.size() - shaded.size(), shaded.size(), shaded) != 0)
      continue;
    // Root at the folder holding the relocated package; its prefix is unknown.
    std::string dir = path.substr(0, path.size() - shaded.size());
    auto pos = dir.find_last_of('/');
    return pos == std::string::npos ? dir : dir.substr(0, pos);
  }
  return "";
}

FileScanner::FileScanner(const ScanLimits& limits)
    : limits_(limits), budget_(limits.memory_budget, limits.spill_dir) {}

void FileScanner::scan_class_folder(const std::string& root, ScanOutput& out) {
  {
    std::lock_guard<std::mutex> lock(folders_mu_);
    if (!folders_done_.insert(root).second) return;
  }
  DirectoryContainer container(root);
  DetectContext ctx{root, root, std::string(base_name(root)), &out.errors};
  auto found = detect_components(container, ctx);
  for (auto& f : found) f.evidence.push_back("exploded class folder");
  std::move(found.begin(), found.end(), std::back_inserter(out.findings));
}

void FileScanner::scan_file(const std::string& path, uint64_t size, bool is_root, ScanOutput& out) {
  out.stats.files++;
  std::string root = class_folder_root(path);
  if (!root.empty()) scan_class_folder(root, out);
  const bool name_says_archive = has_archive_extension(path);
  const bool name_says_tar = has_tar_extension(path);
  if (size < kMinArchiveBytes) {
    if (name_says_archive || name_says_tar) {
      out.errors.push_back({path, "not an archive: only " + std::to_string(size) + " bytes"});
      out.stats.errors++;
    }
    return;
  }
  // Sniff with one small read; only archives are mapped.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    out.errors.push_back({path, strerror_text(errno)});
    out.stats.errors++;
    return;
  }
  uint8_t head[kSniffBytes];
  ssize_t n = pread(fd, head, sizeof head, 0);
  if (n < 0) {
    out.errors.push_back({path, strerror_text(errno)});
    out.stats.errors++;
    close(fd);
    return;
  }
  out.stats.bytes_read += static_cast<uint64_t>(n);
  ContentKind kind = sniff(head, static_cast<size_t>(n));
  if (kind == ContentKind::kMaybePrefixedZip || (kind == ContentKind::kOther && !name_says_archive)) {
    // A prefixed jar ends with an end-of-central-directory record (no comment: last 22 bytes).
    uint8_t tail[4];
    if (pread(fd, tail, 4, static_cast<off_t>(size - 22)) == 4 && std::memcmp(tail, "PK\5\6", 4) == 0)
      kind = ContentKind::kMaybePrefixedZip;
    else if (kind == ContentKind::kMaybePrefixedZip && !name_says_archive)
      kind = ContentKind::kOther;
  }
  close(fd);
  if (kind == ContentKind::kOther && !name_says_archive) return;
  if (kind == ContentKind::kOther && name_says_archive && std::memcmp(head, "Rar!", 4) == 0) return;  // WinRAR

  auto src = archive::open_file_source(path);
  if (!src) {
    out.errors.push_back({path, src.error()});
    out.stats.errors++;
    return;
  }
  out.stats.bytes_read += size;
  if (kind == ContentKind::kTar) {
    // A container image saved as a tar is scanned layer by layer, whiteouts honoured.
    auto members = archive::index_tar(**src);
    if (members && looks_like_image(*members)) {
      ImageOptions image_options;
      image_options.all_layers = limits_.image_all_layers;
      scan_image_tar(*this, *src, *members, path, image_options, out);
      return;
    }
  }
  if (kind == ContentKind::kTar || kind == ContentKind::kCompressed)
    scan_tar(*src, path, path, 0, nullptr, name_says_tar, out);
  else {
    Chain top{*src, 0, false, nullptr};
    scan_zip(*src, path, path, 0, &top, name_says_archive || kind != ContentKind::kOther, out);
  }
}

void FileScanner::scan_source(archive::SourcePtr src, const std::string& path, const std::string& location,
                              const std::string& name, int depth, Chain* chain, ScanOutput& out) {
  uint8_t head[kSniffBytes];
  size_t n = static_cast<size_t>(std::min<uint64_t>(src->size(), sizeof head));
  if (!src->read_at(0, head, n)) {
    out.errors.push_back({location, "cannot read nested content"});
    out.stats.errors++;
    return;
  }
  ContentKind kind = sniff(head, n);
  if (kind == ContentKind::kTar || kind == ContentKind::kCompressed)
    scan_tar(src, path, location, depth, chain, has_tar_extension(name), out);
  else if (kind == ContentKind::kZip || kind == ContentKind::kMaybePrefixedZip || has_archive_extension(name))
    scan_zip(src, path, location, depth, chain, true, out);
}

void FileScanner::scan_zip(archive::SourcePtr src, const std::string& path, const std::string& location, int depth,
                           Chain* chain, bool name_says_archive, ScanOutput& out) {
  auto reader = archive::ZipReader::open(src);
  if (!reader) {
    if (name_says_archive) {
      out.errors.push_back({location, "not a valid zip archive: " + reader.error()});
      out.stats.errors++;
    }
    return;
  }
  out.stats.archives++;
  ZipContainer container(*reader);
  DetectContext ctx{path, location, std::string(base_name(location)), &out.errors};
  auto found = detect_components(container, ctx);
  std::move(found.begin(), found.end(), std::back_inserter(out.findings));

  for (const archive::ZipEntry& e : reader->entries()) {
    if (e.is_directory() || e.uncompressed_size < kMinArchiveBytes || is_never_archive_name(e.name)) continue;
    std::string nested = location + "!/" + e.name;
    auto head = reader->peek(e, kSniffBytes);
    if (!head) {
      // Unreadable entries matter only when they would have been archives.
      if (has_archive_extension(e.name) || has_tar_extension(e.name)) {
        out.errors.push_back({nested, head.error()});
        out.stats.errors++;
      }
      continue;
    }
    ContentKind kind = sniff(head->data(), head->size());
    if (kind == ContentKind::kOther && !has_archive_extension(e.name)) continue;
    if (kind == ContentKind::kOther && head->size() >= 4 && std::memcmp(head->data(), "Rar!", 4) == 0) continue;
    if (kind == ContentKind::kMaybePrefixedZip) {
      // Only worth opening if the entry ends like a zip; the reader checks that.
    }
    if (depth + 1 > limits_.max_depth) {
      out.errors.push_back({nested, "nested deeper than " + std::to_string(limits_.max_depth) + " archives"});
      out.stats.errors++;
      continue;
    }
    if (e.uncompressed_size > limits_.max_nested_bytes) {
      out.errors.push_back({nested, "nested archive of " + std::to_string(e.uncompressed_size) +
                                        " bytes exceeds --max-nested-size"});
      out.stats.errors++;
      continue;
    }
    auto child = reader->open_entry(e, budget_, limits_.max_nested_bytes);
    if (!child) {
      out.errors.push_back({nested, child.error()});
      out.stats.errors++;
      continue;
    }
    bool repeats = false;
    for (const Chain* a = chain; a && !repeats; a = a->parent)
      repeats = a->source->size() == (*child)->size() && (!a->crc_known || a->crc == e.crc32) &&
                same_bytes(*a->source, **child);
    if (repeats) {
      out.errors.push_back({nested, "archive contains itself (recursive archive)"});
      out.stats.errors++;
      continue;
    }
    Chain link{*child, e.crc32, true, chain};
    scan_source(*child, path, nested, e.name, depth + 1, &link, out);
  }
}

void FileScanner::scan_tar(archive::SourcePtr src, const std::string& path, const std::string& location, int depth,
                           Chain* chain, bool name_says_tar, ScanOutput& out) {
  bool any_entry = false;
  Status st = archive::read_tar(
      src, budget_,
      [&](const archive::TarEntry& e,
          const std::function<Result<archive::SourcePtr>(uint64_t)>& materialize) {
        any_entry = true;
        if (!e.regular || e.size < kMinArchiveBytes || is_never_archive_name(e.name)) return;
        // The tar stream is decompressed whole anyway; copying out an entry is
        // cheap, but skip huge entries whose name does not suggest an archive.
        bool named = has_archive_extension(e.name) || has_tar_extension(e.name);
        if (!named && e.size > (64ull << 20)) return;
        std::string nested = location + "!/" + e.name;
        if (depth + 1 > limits_.max_depth) {
          out.errors.push_back({nested, "nested deeper than " + std::to_string(limits_.max_depth) + " archives"});
          out.stats.errors++;
          return;
        }
        if (e.size > limits_.max_nested_bytes) {
          out.errors.push_back({nested, "nested archive exceeds --max-nested-size"});
          out.stats.errors++;
          return;
        }
        auto child = materialize(limits_.max_nested_bytes);
        if (!child) {
          out.errors.push_back({nested, child.error()});
          out.stats.errors++;
          return;
        }
        scan_source(*child, path, nested, e.name, depth + 1, chain, out);
      });
  if (any_entry) out.stats.archives++;
  if (!st.ok() && (any_entry || name_says_tar)) {
    out.errors.push_back({location, (any_entry ? "tar archive damaged: " : "not a readable tar archive: ") + st.error()});
    out.stats.errors++;
  }
}

}  // namespace l4s::inventory
