#include "inventory/class_markers.h"

#include <string.h>  // memmem (GNU)

namespace l4s::inventory {

bool is_class_file(std::string_view b) {
  return b.size() >= 10 && static_cast<uint8_t>(b[0]) == 0xCA && static_cast<uint8_t>(b[1]) == 0xFE &&
         static_cast<uint8_t>(b[2]) == 0xBA && static_cast<uint8_t>(b[3]) == 0xBE;
}

int class_major(std::string_view b) {
  if (!is_class_file(b)) return 0;
  return (static_cast<uint8_t>(b[6]) << 8) | static_cast<uint8_t>(b[7]);
}

bool contains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  return memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

std::string_view entry_base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view entry_dir(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
}

bool has_stem(std::string_view path, std::string_view stem) {
  std::string_view base = entry_base_name(path);
  return base.size() > stem.size() + 1 && base.substr(0, stem.size()) == stem && base[stem.size()] == '.';
}

}  // namespace l4s::inventory
