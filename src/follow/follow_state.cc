#include "follow/follow_state.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"

namespace l4s::follow {

Result<FollowState> load_follow_state(const std::string& path, bool* existed) {
  if (existed) *existed = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return FollowState{};
  if (existed) *existed = true;
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(buf.str());
    if (j.at("version").get<int>() != 1) return Result<FollowState>::failure(path + ": unknown state version");
    FollowState s;
    s.output = j.at("output").get<std::string>();
    s.output_size = j.at("output_size").get<uint64_t>();
    for (const auto& f : j.at("files")) {
      FileState e;
      e.path = f.at("path").get<std::string>();
      e.dev = f.at("dev").get<uint64_t>();
      e.ino = f.at("ino").get<uint64_t>();
      e.head_len = f.at("head_len").get<uint64_t>();
      e.head_sha256 = f.at("head_sha256").get<std::string>();
      e.offset = f.at("offset").get<uint64_t>();
      e.line = f.at("line").get<uint64_t>();
      s.files.push_back(std::move(e));
    }
    return s;
  } catch (const std::exception& e) {
    return Result<FollowState>::failure(path + ": not a follow state: " + e.what());
  }
}

Status save_follow_state(const std::string& path, const FollowState& state) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["output"] = state.output;
  j["output_size"] = state.output_size;
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const FileState& f : state.files) {
    files.push_back({{"path", f.path},
                     {"dev", f.dev},
                     {"ino", f.ino},
                     {"head_len", f.head_len},
                     {"head_sha256", f.head_sha256},
                     {"offset", f.offset},
                     {"line", f.line}});
  }
  j["files"] = std::move(files);
  // Paths are bytes; replace what is not UTF-8 rather than throw.
  std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string error;
  if (!write_file_atomically(path, [&](std::ostream& o) { o << text << '\n'; }, &error)) return Status::failure(error);
  return {};
}

}  // namespace l4s::follow
