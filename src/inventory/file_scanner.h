// The archive tree: opens one file on disk, recognises archives by content
// (zip with or without a launcher prefix, tar, compressed tar), descends into
// nested archives to any depth within limits, and runs the detectors on every
// zip container and exploded class folder it meets.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "archive/byte_source.h"
#include "core/finding.h"

namespace l4s::inventory {

struct ScanLimits {
  int max_depth = 32;                           // nesting levels below the file on disk
  uint64_t max_nested_bytes = 4ull << 30;       // largest nested archive inflated
  uint64_t memory_budget = 256ull << 20;        // inflated archives held in RAM; more spills
  std::string spill_dir = "/tmp";
  bool image_all_layers = false;                // report copies a later image layer deleted
};

// Results of one worker; merged by the caller. No locking inside.
struct ScanOutput {
  std::vector<Finding> findings;
  std::vector<ScanError> errors;
  ScanStats stats;
  void merge(ScanOutput&& other);
};

class FileScanner {
 public:
  explicit FileScanner(const ScanLimits& limits);

  // Scans one regular file. Thread-safe.
  void scan_file(const std::string& path, uint64_t size, bool is_root, ScanOutput& out);

  // Scans an exploded class folder once (later calls for the same root are
  // no-ops). Thread-safe.
  void scan_class_folder(const std::string& root, ScanOutput& out);

  // Scans content found inside something else (an image layer entry): sniffs
  // it and descends if it is an archive. depth counts levels already opened.
  void scan_content(archive::SourcePtr src, const std::string& path, const std::string& location,
                    const std::string& name, int depth, ScanOutput& out) {
    scan_source(std::move(src), path, location, name, depth, nullptr, out);
  }

  archive::MemoryBudget& budget() { return budget_; }
  const ScanLimits& limits() const { return limits_; }

  // The class-folder root a file belongs to, when its path marks an exploded
  // Log4j / logback copy (".../org/apache/logging/log4j/core/lookup/JndiLookup.class"
  // -> "..."; a relocated ".../x/y/core/lookup/JndiLookup.class" or
  // ".../x/y/core/net/JndiManager.class" -> ".../x"), else "".
  static std::string class_folder_root(const std::string& path);

 struct Chain;  // ancestors of a nested archive, to catch self-containing ones

 private:
  void scan_source(archive::SourcePtr src, const std::string& path, const std::string& location,
                   const std::string& name, int depth, Chain* chain, ScanOutput& out);
  void scan_zip(archive::SourcePtr src, const std::string& path, const std::string& location, int depth,
                Chain* chain, ScanOutput& out);
  void scan_tar(archive::SourcePtr src, const std::string& path, const std::string& location, int depth,
                Chain* chain, bool name_says_tar, ScanOutput& out);

  ScanLimits limits_;
  archive::MemoryBudget budget_;
  std::mutex folders_mu_;
  std::set<std::string> folders_done_;
};

// Content kinds recognised from the first bytes of a file or entry.
enum class ContentKind { kOther, kZip, kTar, kCompressed, kMaybePrefixedZip };
ContentKind sniff(const void* head, size_t n);

// What content is, decided the same way for a file on disk and for a member of
// any archive (issue 17: a member used to be tried as a jar whenever it began
// with #! or MZ). kZip means it claims to be a zip -- zip magic at its start,
// an archive name, or a prefixed zip's end record -- so a failure to open it
// is reported. kZipIfEndRecord: a zip only when its last 22 bytes are an end of
// central directory record (a jar behind a launcher script or stub), else not
// an archive. kAppleDouble: a macOS resource fork ("._NAME" starting with
// 0x00051607), skipped and counted, never opened.
enum class Verdict { kNotArchive, kAppleDouble, kZip, kTar, kZipIfEndRecord };
Verdict sniff_verdict(const void* head, size_t n, std::string_view name);

// Name-based hints (used only to decide whether a failure is worth reporting
// and which entries are worth sniffing; content always decides).
bool has_archive_extension(std::string_view name);
bool has_tar_extension(std::string_view name);
bool is_never_archive_name(std::string_view name);

}  // namespace l4s::inventory
