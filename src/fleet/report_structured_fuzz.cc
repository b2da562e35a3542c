// Fuzz target with structured, JSON-aware mutations: the scan report reader
// (`fix --from`) and the fleet parser (`fleet import`, `report FILE`) on
// reports that are nearly right. Byte mutations rarely get past the JSON
// syntax; this mutator parses the input (a document or JSON lines), changes
// its structure (a value's type, keys dropped, duplicated or added, arrays and
// objects swapped, huge/negative/fractional numbers, long/empty/unicode
// strings, values wrapped in arrays, lines spliced) and writes it back,
// falling back to libFuzzer's byte mutations when it does not parse.
// Seeds: fuzz/seeds/report_structured_fuzz (reports as the binary writes them).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_depth.h"
#include "fleet/parse_fuzz_body.h"
#include "report/scan_report_reader_fuzz_body.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using nlohmann::json;
using Rng = std::mt19937;

// Field names the readers look for, so added keys hit real code.
const char* const kKeys[] = {"type", "findings", "errors", "detections", "path", "location", "component", "version",
                             "status", "severity", "cves", "mitigated_cves", "evidence", "process", "pid", "stats",
                             "files", "archives", "seconds", "tool", "host", "started", "finished", "roots", "file",
                             "line", "offset", "jndi", "jndi_targets", "port", "remote", "layers", "protocol", "peer",
                             "extras", "target", "callbacks", "time", "vulnerable", "sent", "hits", "error", "reason"};
const char* const kTypes[] = {"finding", "error", "summary", "detection", "hit", "target", "callback", "incident"};
// Raw JSON texts nlohmann cannot build: out-of-range numbers, lone surrogates.
const char* const kRaw[] = {"1e400",  "-1e400", "18446744073709551616", "-9223372036854775809", "1e-400", "-0",
                            "0.5",    "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\u0000\"", "[[[[[[[[]]]]]]]]"};
const char* const kSentinel = "\x01raw\x01";

uint64_t pick(Rng& rng, uint64_t n) { return n ? std::uniform_int_distribution<uint64_t>(0, n - 1)(rng) : 0; }

json random_scalar(Rng& rng) {
  switch (pick(rng, 16)) {
    case 0: return nullptr;
    case 1: return pick(rng, 2) == 0;
    case 2: return 0;
    case 3: return -1;
    case 4: return 1e300;
    case 5: return -1e300;
    case 6: return 0.5;
    case 7: return UINT64_MAX;
    case 8: return INT64_MIN;
    case 9: return "";
    case 10: return std::string(pick(rng, 3) == 0 ? 3000 : 300, 'A');  // inputs stay under -max_len
    case 11: return "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xe2\x80\xae";  // é € emoji, RTL override
    case 12: return "${jndi:ldap://x/a}\n\r\t\"\\";
    case 13: return kTypes[pick(rng, std::size(kTypes))];
    case 14: return json::object();
    default: return json::array();
  }
}

// Every node, parents before children (bounded: reports are small).
void collect(json& root, std::vector<json*>* out) {
  std::vector<json*> stack{&root};
  while (!stack.empty() && out->size() < 4096) {
    json* j = stack.back();
    stack.pop_back();
    out->push_back(j);
    if (j->is_structured())
      for (auto& child : *j) stack.push_back(&child);
  }
}

// One structural change somewhere in `doc`; raw text for the sentinel when
// the change needs JSON nlohmann would not write.
void mutate_value(json& doc, Rng& rng, std::string* raw) {
  std::vector<json*> nodes;
  collect(doc, &nodes);
  json& n = *nodes[pick(rng, nodes.size())];
  switch (pick(rng, 12)) {
    case 0:  // another type
      n = random_scalar(rng);
      break;
    case 1:  // drop a key or an element
      if (n.is_object() && !n.empty()) {
        auto it = n.begin();
        std::advance(it, pick(rng, n.size()));
        n.erase(it.key());
      } else if (n.is_array() && !n.empty()) {
        n.erase(pick(rng, n.size()));
      }
      break;
    case 2:  // add a known key, or duplicate an element
      if (n.is_object()) n[kKeys[pick(rng, std::size(kKeys))]] = pick(rng, 2) ? random_scalar(rng) : *nodes[pick(rng, nodes.size())];
      else if (n.is_array() && !n.empty()) n.push_back(n[pick(rng, n.size())]);
      break;
    case 3: {  // object <-> array
      if (n.is_object()) {
        json a = json::array();
        for (auto& v : n) a.push_back(v);
        n = a;
      } else if (n.is_array()) {
        json o = json::object();
        for (size_t i = 0; i < n.size(); ++i) o[i < std::size(kKeys) ? kKeys[i] : std::to_string(i)] = n[i];
        n = o;
      }
      break;
    }
    case 4:  // wrap in an array
      n = json::array({n});
      break;
    case 5:  // numbers: huge, negative, fractional
      if (n.is_number()) {
        const double d = n.get<double>();
        json choices[] = {d * -1, d + 0.5, d * 1e200, -9.3e18, 9.3e18, UINT64_MAX, 1e-300};
        n = choices[pick(rng, std::size(choices))];
      } else {
        n = random_scalar(rng);
      }
      break;
    case 6:  // strings: long, empty, unicode, or a type name
      if (n.is_string()) {
        std::string s = n.get<std::string>();
        switch (pick(rng, 4)) {
          case 0: n = ""; break;
          case 1: n = s + std::string(1 + pick(rng, 2000), s.empty() ? 'x' : s[0]); break;
          case 2: n = s + "\xe2\x80\x8b\xf4\x8f\xbf\xbf"; break;
          default: n = kTypes[pick(rng, std::size(kTypes))]; break;
        }
      } else {
        n = random_scalar(rng);
      }
      break;
    case 7:  // JSON nlohmann would not write
      n = kSentinel;
      *raw = kRaw[pick(rng, std::size(kRaw))];
      break;
    case 8:  // a key duplicated in the text (nlohmann's objects hold one of each)
      if (n.is_object() && !n.empty()) {
        std::string text = "{";
        for (auto it = n.begin(); it != n.end(); ++it) text += json(it.key()).dump() + ":" + it.value().dump() + ",";
        auto dup = n.begin();
        std::advance(dup, pick(rng, n.size()));
        text += json(dup.key()).dump() + ":" + random_scalar(rng).dump() + "}";
        n = kSentinel;
        *raw = text;
      }
      break;
    case 9:  // nesting past the readers' limit
      n = kSentinel;
      *raw = std::string(l4s::kMaxJsonDepth + 1, '[') + std::string(l4s::kMaxJsonDepth + 1, ']');
      break;
    case 10:  // the type field, which decides how a line is read
      if (n.is_object()) n["type"] = pick(rng, 4) ? json(kTypes[pick(rng, std::size(kTypes))]) : random_scalar(rng);
      break;
    default:  // copy another node here
      n = json(*nodes[pick(rng, nodes.size())]);
      break;
  }
}

std::string dump(const json& doc, const std::string& raw) {
  std::string text = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!raw.empty()) {
    const std::string marker = json(kSentinel).dump();
    if (size_t at = text.find(marker); at != std::string::npos) text.replace(at, marker.size(), raw);
  }
  return text;
}

// Parses text nlohmann can also write back (no deeper than our dump can recurse).
bool parse(std::string_view text, json* out) {
  if (l4s::json_too_deep_at(text, 64) != std::string_view::npos) return false;
  *out = json::parse(text, nullptr, false);
  return !out->is_discarded();
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A structurally mutated text, or "" when the input is not JSON at all.
std::string mutate_text(std::string_view text, Rng& rng) {
  json doc;
  std::string raw;
  if (parse(text, &doc) && pick(rng, 8) != 0) {
    mutate_value(doc, rng, &raw);
    std::string out = dump(doc, raw);
    if (pick(rng, 8) == 0) out += "\n" + out;  // one document as two lines
    return out;
  }
  // JSON lines: mutate one, or splice, drop, duplicate, swap or cut lines.
  std::vector<std::string> lines = split_lines(text);
  std::vector<size_t> parsed;
  for (size_t i = 0; i < lines.size(); ++i)
    if (parse(lines[i], &doc)) parsed.push_back(i);
  if (parsed.empty()) return "";
  const size_t i = parsed[pick(rng, parsed.size())];
  switch (pick(rng, 6)) {
    case 0:
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    case 1:
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pick(rng, lines.size() + 1)), lines[i]);
      break;
    case 2:
      std::swap(lines[i], lines[pick(rng, lines.size())]);
      break;
    case 3:
      lines[i].resize(pick(rng, lines[i].size() + 1));  // a line cut short
      break;
    case 4:  // a line of another command's output
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pick(rng, lines.size() + 1)),
                   "{\"type\":\"" + std::string(kTypes[pick(rng, std::size(kTypes))]) + "\"}");
      break;
    default:
      parse(lines[i], &doc);
      mutate_value(doc, rng, &raw);
      lines[i] = dump(doc, raw);
      break;
  }
  std::string out;
  for (size_t k = 0; k < lines.size(); ++k) out += (k ? "\n" : "") + lines[k];
  return out;
}

}  // namespace

// The entropic schedule's per-feature bookkeeping took 60 % of the time on
// these inputs (the sinks light up thousands of features): 51 runs/s with it,
// 279 without. Off unless the command line says otherwise.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i)
    if (std::string_view((*argv)[i]).starts_with("-entropic=")) return 0;
  static std::vector<char*> args;
  args.assign(*argv, *argv + *argc);
  static char entropic_off[] = "-entropic=0";
  args.push_back(entropic_off);
  args.push_back(nullptr);
  *argc += 1;
  *argv = args.data();
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Rng rng(seed);
  if (pick(rng, 16) != 0) {
    std::string out = mutate_text(std::string_view(reinterpret_cast<const char*>(data), size), rng);
    if (!out.empty() && out.size() <= max_size) {
      std::memcpy(data, out.data(), out.size());
      return out.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

// Crossover splices JSON lines: a prefix of one input's lines, then a suffix
// of the other's (a hunt line in a scan report, a summary from elsewhere).
extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                                            uint8_t* out, size_t max_out_size, unsigned int seed) {
  Rng rng(seed);
  std::vector<std::string> a = split_lines(std::string_view(reinterpret_cast<const char*>(data1), size1));
  std::vector<std::string> b = split_lines(std::string_view(reinterpret_cast<const char*>(data2), size2));
  std::string text;
  const size_t take_a = pick(rng, a.size() + 1), from_b = pick(rng, b.size() + 1);
  for (size_t i = 0; i < take_a; ++i) text += a[i] + "\n";
  for (size_t i = from_b; i < b.size(); ++i) text += b[i] + "\n";
  const size_t n = std::min(text.size(), max_out_size);
  std::memcpy(out, text.data(), n);
  return n;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  l4s::report::fuzzing::check_scan_report_round_trip(text);
  l4s::fleet::fuzzing::run_fleet_report(text, {"2021-12-10"});
  return 0;
}
