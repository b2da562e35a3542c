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

bool is_end_record(const uint8_t* tail) { return std::memcmp(tail, "PK\5\6", 4) == 0; }

// A zip behind a prefix is recognised by its end record, without a comment
// (so in the last 22 bytes), as on disk.
bool ends_with_end_record(const archive::ByteSource& src) {
  uint8_t tail[4];
  return src.size() >= kMinArchiveBytes && src.read_at(src.size() - kMinArchiveBytes, tail, 4) && is_end_record(tail);
}

std::string too_small(uint64_t size) { return "not an archive: only " + std::to_string(size) + " bytes"; }

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
  stats.apple_double += o.stats.apple_double;
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

Verdict sniff_verdict(const void* head, size_t n, std::string_view name) {
  const auto* b = static_cast<const uint8_t*>(head);
  if (base_name(name).starts_with("._") && n >= 4 && std::memcmp(b, "\x00\x05\x16\x07", 4) == 0)
    return Verdict::kAppleDouble;
  switch (sniff(head, n)) {
    case ContentKind::kZip: return Verdict::kZip;
    case ContentKind::kTar:
    case ContentKind::kCompressed: return Verdict::kTar;
    default: break;
  }
  if (has_archive_extension(name)) {
    // A .rar is WinRAR's, not a resource adapter archive.
    return n >= 4 && std::memcmp(b, "Rar!", 4) == 0 ? Verdict::kNotArchive : Verdict::kZip;
  }
  return Verdict::kZipIfEndRecord;
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
  if (size < kMinArchiveBytes) {
    if (has_archive_extension(path) || has_tar_extension(path)) {
      out.errors.push_back({path, too_small(size)});
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
  Verdict verdict = sniff_verdict(head, static_cast<size_t>(n), path);
  if (verdict == Verdict::kZipIfEndRecord) {
    uint8_t tail[4];
    const bool ends = pread(fd, tail, 4, static_cast<off_t>(size - kMinArchiveBytes)) == 4 && is_end_record(tail);
    verdict = ends ? Verdict::kZip : Verdict::kNotArchive;
  }
  close(fd);
  if (verdict == Verdict::kAppleDouble) out.stats.apple_double++;
  if (verdict != Verdict::kZip && verdict != Verdict::kTar) return;

  auto src = archive::open_file_source(path);
  if (!src) {
    out.errors.push_back({path, src.error()});
    out.stats.errors++;
    return;
  }
  out.stats.bytes_read += size;
  if (verdict == Verdict::kTar) {
    // A container image saved as a tar is scanned layer by layer, whiteouts honoured.
    if (archive::looks_like_tar(head, static_cast<size_t>(n))) {
      auto members = archive::index_tar(**src);
      if (members && looks_like_image(*members)) {
        ImageOptions image_options;
        image_options.all_layers = limits_.image_all_layers;
        scan_image_tar(*this, *src, *members, path, image_options, out);
        return;
      }
    }
    scan_tar(*src, path, path, 0, nullptr, has_tar_extension(path), out);
  } else {
    Chain top{*src, 0, false, nullptr};
    scan_zip(*src, path, path, 0, &top, out);
  }
}

void FileScanner::scan_source(archive::SourcePtr src, const std::string& path, const std::string& location,
                              const std::string& name, int depth, Chain* chain, ScanOutput& out) {
  // The same decision as scan_file's, on content that is not a file of its own.
  if (src->size() < kMinArchiveBytes) {
    if (has_archive_extension(name) || has_tar_extension(name)) {
      out.errors.push_back({location, too_small(src->size())});
      out.stats.errors++;
    }
    return;
  }
  uint8_t head[kSniffBytes];
  size_t n = static_cast<size_t>(std::min<uint64_t>(src->size(), sizeof head));
  if (!src->read_at(0, head, n)) {
    out.errors.push_back({location, "cannot read nested content"});
    out.stats.errors++;
    return;
  }
  Verdict verdict = sniff_verdict(head, n, name);
  if (verdict == Verdict::kZipIfEndRecord) verdict = ends_with_end_record(*src) ? Verdict::kZip : Verdict::kNotArchive;
  if (verdict == Verdict::kAppleDouble) out.stats.apple_double++;
  if (verdict != Verdict::kZip && verdict != Verdict::kTar) return;
  if (depth > limits_.max_depth) {
    out.errors.push_back({location, "nested deeper than " + std::to_string(limits_.max_depth) + " archives"});
    out.stats.errors++;
    return;
  }
  if (verdict == Verdict::kTar)
    scan_tar(src, path, location, depth, chain, has_tar_extension(name), out);
  else
    scan_zip(src, path, location, depth, chain, out);
}

void FileScanner::scan_zip(archive::SourcePtr src, const std::string& path, const std::string& location, int depth,
                           Chain* chain, ScanOutput& out) {
  // Only called on content that claims to be a zip: every failure is reported.
  auto reader = archive::ZipReader::open(src);
  if (!reader) {
    out.errors.push_back({location, "not a valid zip archive: " + reader.error()});
    out.stats.errors++;
    return;
  }
  out.stats.archives++;
  ZipContainer container(*reader);
  DetectContext ctx{path, location, std::string(base_name(location)), &out.errors};
  auto found = detect_components(container, ctx);
  std::move(found.begin(), found.end(), std::back_inserter(out.findings));

  auto report = [&](const std::string& where, std::string error) {
    out.errors.push_back({where, std::move(error)});
    out.stats.errors++;
  };
  for (const archive::ZipEntry& e : reader->entries()) {
    if (e.is_directory() || is_never_archive_name(e.name)) continue;
    std::string nested = location + "!/" + e.name;
    const bool named = has_archive_extension(e.name) || has_tar_extension(e.name);
    if (e.uncompressed_size < kMinArchiveBytes) {
      if (named) report(nested, too_small(e.uncompressed_size));
      continue;
    }
    auto head = reader->peek(e, kSniffBytes);
    if (!head) {
      // Unreadable entries matter only when they would have been archives.
      if (named) report(nested, head.error());
      continue;
    }
    const Verdict verdict = sniff_verdict(head->data(), head->size(), e.name);
    if (verdict == Verdict::kNotArchive) continue;
    if (verdict == Verdict::kAppleDouble) {
      out.stats.apple_double++;
      continue;
    }
    const bool claimed = verdict != Verdict::kZipIfEndRecord;
    if (!claimed) {
      // Only its end can make it a zip. Stored entries are looked at in place;
      // a compressed one is inflated for that only when it starts like a
      // launcher (#!, MZ), as inflating every resource would cost too much.
      const bool launcher = sniff(head->data(), head->size()) == ContentKind::kMaybePrefixedZip;
      if ((e.method != 0 && !launcher) || e.uncompressed_size > limits_.max_nested_bytes) continue;
    } else if (depth + 1 > limits_.max_depth) {
      report(nested, "nested deeper than " + std::to_string(limits_.max_depth) + " archives");
      continue;
    } else if (e.uncompressed_size > limits_.max_nested_bytes) {
      report(nested, "nested archive of " + std::to_string(e.uncompressed_size) + " bytes exceeds --max-nested-size");
      continue;
    }
    auto child = reader->open_entry(e, budget_, limits_.max_nested_bytes);
    if (!child) {
      if (claimed) report(nested, child.error());
      continue;
    }
    if (!claimed && !ends_with_end_record(**child)) continue;
    bool repeats = false;
    for (const Chain* a = chain; a && !repeats; a = a->parent)
      repeats = a->source->size() == (*child)->size() && (!a->crc_known || a->crc == e.crc32) &&
                same_bytes(*a->source, **child);
    if (repeats) {
      report(nested, "archive contains itself (recursive archive)");
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
        if (!e.regular || is_never_archive_name(e.name)) return;
        // The tar stream is decompressed whole anyway; copying out an entry is
        // cheap, but skip huge entries whose name does not suggest an archive.
        bool named = has_archive_extension(e.name) || has_tar_extension(e.name);
        if (!named && (e.size < kMinArchiveBytes || e.size > (64ull << 20))) return;
        std::string nested = location + "!/" + e.name;
        if (e.size > limits_.max_nested_bytes) {
          if (named) {
            out.errors.push_back({nested, "nested archive exceeds --max-nested-size"});
            out.stats.errors++;
          }
          return;
        }
        // scan_source decides what it is (and whether it is too deep) as for a file.
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
