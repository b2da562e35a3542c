#include "core/accounts.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <vector>

namespace l4s {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t colon = line.find(':', start);
    if (colon == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, colon - start));
    start = colon + 1;
  }
}

bool parse_id(std::string_view s, unsigned* id) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *id);
  return ec == std::errc() && p == s.data() + s.size();
}

// Calls f(fields) for every well-formed line of at least `min_fields`
// fields until f returns true.
template <typename F>
void for_each_line(std::string_view text, size_t min_fields, F f) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    std::vector<std::string_view> fields = split_fields(line);
    if (fields.size() < min_fields || fields[0].empty()) continue;
    if (f(fields)) return;
  }
}

std::optional<PasswdEntry> find_passwd(std::string_view text, const unsigned* uid, std::string_view name) {
  std::optional<PasswdEntry> found;
  for_each_line(text, 7, [&](const std::vector<std::string_view>& f) {
    PasswdEntry e;
    if (!parse_id(f[2], &e.uid) || !parse_id(f[3], &e.gid)) return false;
    if (uid ? e.uid != *uid : f[0] != name) return false;
    e.name = f[0];
    e.passwd = f[1];
    e.gecos = f[4];
    e.dir = f[5];
    e.shell = f[6];
    found = std::move(e);
    return true;
  });
  return found;
}

std::optional<GroupEntry> find_group(std::string_view text, const unsigned* gid, std::string_view name) {
  std::optional<GroupEntry> found;
  for_each_line(text, 3, [&](const std::vector<std::string_view>& f) {
    GroupEntry e;
    if (!parse_id(f[2], &e.gid)) return false;
    if (gid ? e.gid != *gid : f[0] != name) return false;
    e.name = f[0];
    e.passwd = f[1];
    if (f.size() > 3) e.members = f[3];
    found = std::move(e);
    return true;
  });
  return found;
}

}  // namespace

std::optional<PasswdEntry> passwd_by_uid(std::string_view text, unsigned uid) { return find_passwd(text, &uid, {}); }
std::optional<PasswdEntry> passwd_by_name(std::string_view text, std::string_view name) {
  return find_passwd(text, nullptr, name);
}
std::optional<GroupEntry> group_by_gid(std::string_view text, unsigned gid) { return find_group(text, &gid, {}); }
std::optional<GroupEntry> group_by_name(std::string_view text, std::string_view name) {
  return find_group(text, nullptr, name);
}

std::string read_account_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string user_name_from_files(unsigned uid, const char* passwd_path) {
  if (auto e = passwd_by_uid(read_account_file(passwd_path), uid)) return e->name;
  return std::to_string(uid);
}

std::string group_name_from_files(unsigned gid, const char* group_path) {
  if (auto e = group_by_gid(read_account_file(group_path), gid)) return e->name;
  return std::to_string(gid);
}

}  // namespace l4s
