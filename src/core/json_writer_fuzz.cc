// Fuzzes the JSON string escaper with hostile bytes (log lines are any
// bytes): its output must be exactly what nlohmann prints for the same
// string, and must parse back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string ours;
  l4s::append_json_string(&ours, input);
  std::string theirs = nlohmann::json(input).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ours != theirs) abort();
  if (nlohmann::json::parse(ours, nullptr, false).is_discarded()) abort();
  return 0;
}
