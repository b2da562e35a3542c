#include "archive/tar_index.h"

#include <cstring>

namespace l4s::archive {
namespace {

constexpr size_t kBlock = 512;

// Numeric header field: octal text, or base-256 when the high bit is set.
bool parse_number(const uint8_t* f, size_t n, uint64_t* out) {
  uint64_t v = 0;
  if (f[0] & 0x80) {
    for (size_t i = 1; i < n; ++i) {
      if (v >> 56) return false;
      v = (v << 8) | f[i];
    }
    *out = v;
    return true;
  }
  size_t i = 0;
  while (i < n && (f[i] == ' ' || f[i] == 0)) ++i;
  for (; i < n && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (v >> 60) return false;
    v = v * 8 + (f[i] - '0');
  }
  *out = v;
  return true;
}

std::string field(const uint8_t* f, size_t n) {
  size_t len = 0;
  while (len < n && f[len]) ++len;
  return std::string(reinterpret_cast<const char*>(f), len);
}

bool checksum_ok(const uint8_t* h) {
  uint64_t stored;
  if (!parse_number(h + 148, 8, &stored)) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  return sum == stored;
}

std::string normalise(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  while (!name.empty() && name[0] == '/') name.erase(0, 1);
  return name;
}

// "len key=value\n" records of a pax header; returns the path if present.
std::string pax_path(const std::string& data) {
  size_t pos = 0;
  std::string path;
  while (pos < data.size()) {
    size_t space = data.find(' ', pos);
    if (space == std::string::npos) break;
    size_t len = std::strtoul(data.c_str() + pos, nullptr, 10);
    if (len == 0 || pos + len > data.size()) break;
    std::string rec = data.substr(space + 1, len - (space + 1 - pos));
    if (!rec.empty() && rec.back() == '\n') rec.pop_back();
    if (rec.rfind("path=", 0) == 0) path = rec.substr(5);
    pos += len;
  }
  return path;
}

}  // namespace

Result<std::vector<TarMember>> index_tar(const ByteSource& src, size_t max_members) {
  using R = Result<std::vector<TarMember>>;
  std::vector<TarMember> members;
  uint64_t off = 0;
  std::string long_name;
  uint8_t h[kBlock];
  while (off + kBlock <= src.size()) {
    if (!src.read_at(off, h, kBlock)) return R::failure("tar: read failed at offset " + std::to_string(off));
    bool zero = true;
    for (uint8_t b : h) zero = zero && b == 0;
    if (zero) break;  // end-of-archive marker
    if (!checksum_ok(h)) return R::failure("tar: bad header checksum at offset " + std::to_string(off));
    uint64_t size;
    if (!parse_number(h + 124, 12, &size)) return R::failure("tar: bad size at offset " + std::to_string(off));
    uint64_t data = off + kBlock;
    if (size > src.size() || data > src.size() - size)
      return R::failure("tar: member at offset " + std::to_string(off) + " extends past the end");
    char type = static_cast<char>(h[156]);
    uint64_t next = data + ((size + kBlock - 1) / kBlock) * kBlock;
    if (type == 'L' || type == 'x') {
      // The name (GNU) or pax records for the next header.
      if (size > (1u << 20)) return R::failure("tar: oversized extended header at offset " + std::to_string(off));
      std::string text(size, '\0');
      if (!src.read_at(data, text.data(), size)) return R::failure("tar: read failed");
      long_name = type == 'L' ? field(reinterpret_cast<const uint8_t*>(text.data()), text.size()) : pax_path(text);
    } else if (type != 'g') {
      TarMember m;
      if (!long_name.empty()) {
        m.name = long_name;
      } else {
        m.name = field(h, 100);
        if (std::memcmp(h + 257, "ustar", 5) == 0 && h[345]) m.name = field(h + 345, 155) + "/" + m.name;
      }
      m.name = normalise(m.name);
      long_name.clear();
      m.data_offset = data;
      m.size = size;
      m.type = type;
      members.push_back(std::move(m));
      if (members.size() > max_members) return R::failure("tar: more than " + std::to_string(max_members) + " members");
    }
    off = next;
  }
  return members;
}

}  // namespace l4s::archive
