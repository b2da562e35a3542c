// Test-only: archives written in memory by libarchive (zip, tar, tar.gz), so
// the archive-tree tests build every input they read, and scratch folders
// under L4S_TEST_TMP to put them on disk. Use with test_classes.h for the
// log4j-core content itself.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "inventory/memory_container.h"

namespace l4s::inventory::testing {

struct Member {
  std::string name;  // a trailing '/' makes a directory
  std::string content;
};

enum class ArchiveKind { kZip, kZipStored, kTar, kTarGz };

inline std::string make_archive(ArchiveKind kind, const std::vector<Member>& members) {
  std::string out;
  struct archive* w = archive_write_new();
  switch (kind) {
    case ArchiveKind::kZip:
      archive_write_set_format_zip(w);
      break;
    case ArchiveKind::kZipStored:
      archive_write_set_format_zip(w);
      archive_write_set_options(w, "zip:compression=store");
      break;
    case ArchiveKind::kTar:
      archive_write_set_format_pax_restricted(w);
      break;
    case ArchiveKind::kTarGz:
      archive_write_set_format_pax_restricted(w);
      archive_write_add_filter_gzip(w);
      break;
  }
  archive_write_set_bytes_in_last_block(w, 1);
  auto append = [](struct archive*, void* d, const void* b, size_t n) -> la_ssize_t {
    static_cast<std::string*>(d)->append(static_cast<const char*>(b), n);
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_open2(w, &out, nullptr, append, nullptr, nullptr) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(w));
  for (const Member& m : members) {
    const bool dir = !m.name.empty() && m.name.back() == '/';
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_mtime(e, 1639094400, 0);
    archive_entry_set_size(e, dir ? 0 : static_cast<la_int64_t>(m.content.size()));
    if (archive_write_header(w, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(w));
    if (!dir && !m.content.empty() &&
        archive_write_data(w, m.content.data(), m.content.size()) != static_cast<la_ssize_t>(m.content.size()))
      throw std::runtime_error(archive_error_string(w));
    archive_entry_free(e);
  }
  archive_write_close(w);
  archive_write_free(w);
  return out;
}

// The entries of a MemoryContainer (e.g. filled by add_log4j2_copy) as members.
inline std::vector<Member> members_of(const MemoryContainer& c) {
  std::vector<Member> out;
  for (size_t i = 0; i < c.entry_count(); ++i) {
    auto content = c.read_entry(i, UINT64_MAX);
    out.push_back({std::string(c.entry_name(i)), content.ok() ? *content : std::string()});
  }
  return out;
}

// A fresh, empty folder under L4S_TEST_TMP named after the running test.
inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(L4S_TEST_TMP) /
                              (std::string(info->test_suite_name()) + "-" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes bytes to path (parents created); returns path as a string.
inline std::string write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path.string();
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace l4s::inventory::testing
