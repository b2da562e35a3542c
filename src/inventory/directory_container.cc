#include "inventory/directory_container.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace l4s::inventory {

DirectoryContainer::DirectoryContainer(std::string root, size_t max_entries) : root_(std::move(root)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end && entries_.size() < max_entries; it.increment(ec)) {
    std::error_code ec2;
    if (!it->is_regular_file(ec2) || it->is_symlink(ec2)) continue;
    std::string rel = fs::relative(it->path(), root_, ec2).generic_string();
    if (ec2) continue;
    entries_.push_back(Entry{std::move(rel), static_cast<uint64_t>(it->file_size(ec2))});
  }
}

Result<std::string> DirectoryContainer::read_entry(size_t i, uint64_t max_bytes) const {
  const Entry& e = entries_[i];
  std::string path = root_ + "/" + e.name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::string>::failure(path + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > max_bytes)
      return Result<std::string>::failure(path + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  return data;
}

}  // namespace l4s::inventory
