// Small file helpers shared by the remediate tests: a fresh scratch folder
// under the build tree, and whole-file reads and writes.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace l4s::remediate::testing {

// L4S_TEST_TMP/<name>, emptied and created.
inline std::string fresh_dir(const std::string& name) {
  const std::string dir = std::string(L4S_TEST_TMP) + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& s) { std::ofstream(path, std::ios::binary) << s; }

}  // namespace l4s::remediate::testing
