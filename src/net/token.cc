#include "net/token.h"

#include <cctype>

namespace l4s::net {

bool looks_like_token(std::string_view s) {
  if (s.size() < 12 || s.size() > 20 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string make_token(std::mt19937_64& rng) {
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string t(1, kAlnum[rng() % 26]);
  while (t.size() < 16) t.push_back(kAlnum[rng() % 36]);
  return t;
}

NameParts split_path_name(std::string_view name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    if (slash > start) parts.emplace_back(name.substr(start, slash - start));
    start = slash + 1;
  }
  NameParts out;
  size_t at = 0;
  while (at < parts.size() && !looks_like_token(parts[at])) ++at;
  if (at == parts.size()) at = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i == at) out.token = parts[i];
    else out.extras.push_back(parts[i]);
  }
  return out;
}

NameParts split_dns_labels(const std::vector<std::string>& labels, size_t zone_labels) {
  NameParts out;
  if (zone_labels >= labels.size()) return out;
  const size_t n = labels.size() - zone_labels;  // labels left of the zone
  size_t at = zone_labels ? n - 1 : 0;
  for (size_t i = n; i-- > 0;) {
    if (looks_like_token(labels[i])) {
      at = i;
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (i == at) out.token = labels[i];
    else if (!labels[i].empty() && labels[i] != "_") out.extras.push_back(labels[i]);
  }
  // Resolvers randomise letter case (0x20 encoding); tokens are lowercase.
  if (looks_like_token(out.token))
    for (char& c : out.token) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace l4s::net
