#include "report/scan_report_reader.h"

#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace l4s::report {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object; the first type error sticks, naming
// `where` and the key.
class Fields {
 public:
  Fields(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Absent or null leaves `out` alone.
  void text(const char* key, std::string* out) {
    if (const json* v = get(key)) {
      if (v->is_string()) *out = v->get<std::string>();
      else fail(key, "a string");
    }
  }
  void text(const char* key, std::optional<std::string>* out) {
    std::string s;
    if (const json* v = get(key)) {
      text(key, &s);
      if (v->is_string()) *out = std::move(s);
    }
  }
  void texts(const char* key, std::vector<std::string>* out) {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_array()) return fail(key, "an array of strings");
    out->clear();
    for (const json& s : *v) {
      if (!s.is_string()) return fail(key, "an array of strings");
      out->push_back(s.get<std::string>());
    }
  }
  void flag(const char* key, bool* out) {
    if (const json* v = get(key)) {
      if (v->is_boolean()) *out = v->get<bool>();
      else fail(key, "true or false");
    }
  }
  // A number in [0, max of N]; floats are truncated toward 0 for integer N.
  template <typename N>
  void number(const char* key, N* out) {
    const json* v = get(key);
    if (!v) return;
    const double max = static_cast<double>(std::numeric_limits<N>::max());
    if (v->is_number_unsigned() && static_cast<double>(v->get<uint64_t>()) <= max)
      *out = static_cast<N>(v->get<uint64_t>());
    else if (v->is_number_integer() && v->get<int64_t>() >= 0 && static_cast<double>(v->get<int64_t>()) <= max)
      *out = static_cast<N>(v->get<int64_t>());
    else if (v->is_number_float() && v->get<double>() >= 0 && v->get<double>() < max)
      *out = static_cast<N>(v->get<double>());
    else
      fail(key, "a number of 0 or more");
  }
  // A nested object, or nullptr when absent, null or mistyped.
  const json* object(const char* key) {
    const json* v = get(key);
    if (v && !v->is_object()) fail(key, "an object");
    return v && v->is_object() ? v : nullptr;
  }
  const json* array(const char* key) {
    const json* v = get(key);
    if (v && !v->is_array()) fail(key, "an array");
    return v && v->is_array() ? v : nullptr;
  }
  void fail(const char* key, const char* what) {
    if (error_.empty()) error_ = where_ + ": \"" + key + "\" is not " + what;
  }
  void fail_value(const char* key, const std::string& value, const char* expected) {
    if (error_.empty()) error_ = where_ + ": \"" + key + "\" is \"" + value + "\", not " + expected;
  }

 private:
  const json* get(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  const json& j_;
  std::string where_;
  std::string error_;
};

Status read_finding(const json& j, const std::string& where, Finding* f) {
  if (!j.is_object()) return Status::failure(where + ": a finding is not a JSON object");
  Fields in(j, where);
  in.text("path", &f->path);
  in.text("location", &f->location);
  in.text("component", &f->component);
  in.text("version", &f->version);
  in.text("version_range", &f->version_range);
  in.text("version_source", &f->version_source);
  std::string status;
  in.text("status", &status);
  if (status == "vulnerable") f->status = FindingStatus::kVulnerable;
  else if (status == "mitigated") f->status = FindingStatus::kMitigated;
  else if (status == "safe" || status.empty()) f->status = FindingStatus::kSafe;
  else in.fail_value("status", status, "vulnerable, mitigated or safe");
  in.texts("cves", &f->cves);
  in.texts("mitigated_cves", &f->mitigated_cves);
  std::string severity;
  in.text("severity", &severity);
  if (severity == "critical") f->severity = Severity::kCritical;
  else if (severity == "high") f->severity = Severity::kHigh;
  else if (severity == "medium") f->severity = Severity::kMedium;
  else if (severity == "low") f->severity = Severity::kLow;
  else if (severity == "none" || severity.empty()) f->severity = Severity::kNone;
  else in.fail_value("severity", severity, "critical, high, medium, low or none");
  in.text("shaded_prefix", &f->shaded_prefix);
  in.flag("metadata_mismatch", &f->metadata_mismatch);
  in.text("claimed_version", &f->claimed_version);
  in.texts("evidence", &f->evidence);
  if (const json* p = in.object("process")) {
    Fields proc(*p, where + ": process");
    ProcessRef ref;
    proc.number("pid", &ref.pid);
    proc.text("user", &ref.user);
    proc.text("command", &ref.command);
    proc.flag("deleted_on_disk", &ref.deleted_on_disk);
    proc.flag("no_lookups_flag", &ref.no_lookups_flag);
    if (!proc.ok()) return Status::failure(proc.error());
    f->process = std::move(ref);
  }
  return in.ok() ? Status() : Status::failure(in.error());
}

Status read_error(const json& j, const std::string& where, ScanError* e) {
  if (!j.is_object()) return Status::failure(where + ": an error is not a JSON object");
  Fields in(j, where);
  in.text("location", &e->location);
  in.text("error", &e->error);
  return in.ok() ? Status() : Status::failure(in.error());
}

// The summary fields (the top level of a json report, or a jsonl summary line).
Status read_summary(const json& j, const std::string& where, bool take_host, ScanReport* r) {
  Fields in(j, where);
  if (const json* tool = in.object("tool")) {
    Fields t(*tool, where + ": tool");
    r->tool_version.clear();
    t.text("version", &r->tool_version);
    if (!t.ok()) return Status::failure(t.error());
  }
  if (take_host) in.text("host", &r->host);
  r->started.clear();
  r->finished.clear();
  r->roots.clear();
  in.text("started", &r->started);
  in.text("finished", &r->finished);
  in.texts("roots", &r->roots);
  if (const json* stats = in.object("stats")) {
    Fields s(*stats, where + ": stats");
    r->stats = ScanStats{};
    s.number("files", &r->stats.files);
    s.number("archives", &r->stats.archives);
    s.number("bytes_read", &r->stats.bytes_read);
    s.number("errors", &r->stats.errors);
    s.number("seconds", &r->stats.seconds);
    s.number("apple_double", &r->stats.apple_double);
    if (!s.ok()) return Status::failure(s.error());
  }
  return in.ok() ? Status() : Status::failure(in.error());
}

// 1-based line of byte `offset` in `text`.
size_t line_of(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  for (size_t i = 0; i < offset; ++i) line += text[i] == '\n';
  return line;
}

}  // namespace

Result<ScanReport> scan_report_from_json(const json& whole, const std::string& source) {
  if (!whole.is_object() || !whole.contains("findings"))
    return Error{source + ": not a scan report (json with \"findings\", or jsonl)"};
  ScanReport r;
  if (Status s = read_summary(whole, source, /*take_host=*/true, &r); !s.ok()) return Error{s.error()};
  Fields in(whole, source);
  const json* findings = in.array("findings");
  const json* errors = in.array("errors");
  if (!in.ok()) return Error{in.error()};
  if (findings) {
    for (size_t i = 0; i < findings->size(); ++i) {
      Finding f;
      if (Status s = read_finding((*findings)[i], source + ": findings[" + std::to_string(i) + "]", &f); !s.ok())
        return Error{s.error()};
      r.findings.push_back(std::move(f));
    }
  }
  if (errors) {
    for (size_t i = 0; i < errors->size(); ++i) {
      ScanError e;
      if (Status s = read_error((*errors)[i], source + ": errors[" + std::to_string(i) + "]", &e); !s.ok())
        return Error{s.error()};
      r.errors.push_back(std::move(e));
    }
  }
  return r;
}

Result<ScanReport> scan_report_from_jsonl(const std::vector<json>& lines, const std::vector<size_t>& line_numbers,
                                          const std::string& source) {
  if (lines.empty()) return Error{source + ": empty report"};
  ScanReport r;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json& j = lines[i];
    const std::string where = source + ":" + std::to_string(i < line_numbers.size() ? line_numbers[i] : i + 1);
    if (!j.is_object()) return Error{where + ": not a JSON object (expected a scan report, json or jsonl)"};
    auto type = j.find("type");
    if (type == j.end() || !type->is_string())
      return Error{where + ": no \"type\" string (expected finding, error or summary)"};
    const std::string& t = type->get_ref<const std::string&>();
    std::string host;
    Fields in(j, where);
    in.text("host", &host);
    if (!in.ok()) return Error{in.error()};
    if (t == "finding") {
      Finding f;
      if (Status s = read_finding(j, where, &f); !s.ok()) return Error{s.error()};
      if (r.host.empty()) r.host = std::move(host);
      r.findings.push_back(std::move(f));
    } else if (t == "error") {
      ScanError e;
      if (Status s = read_error(j, where, &e); !s.ok()) return Error{s.error()};
      r.errors.push_back(std::move(e));
    } else if (t == "summary") {
      if (Status s = read_summary(j, where, r.host.empty(), &r); !s.ok()) return Error{s.error()};
    } else if (t == "jvm") {
      // A hot patch (fix --running): about a process, not a file to fix.
    } else {
      return Error{where + ": \"type\" is \"" + t + "\", not finding, error or summary (not a scan report)"};
    }
  }
  return r;
}

Result<ScanReport> read_scan_report(std::string_view text, const std::string& source) {
  json whole;
  size_t whole_error_at = std::string_view::npos;
  try {
    whole = json::parse(text);
  } catch (const json::parse_error& e) {
    whole = json();
    whole_error_at = e.byte;
  } catch (const json::exception&) {  // a number too large for a double ("7e707") is out_of_range
    whole = json();
  }
  if (whole.is_object() && whole.contains("findings")) return scan_report_from_json(whole, source);

  std::vector<json> lines;
  std::vector<size_t> numbers;
  size_t n = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++n;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        // A document that is not one JSON value per line: say where it broke.
        const size_t at = lines.empty() && whole_error_at != std::string_view::npos
                              ? line_of(text, whole_error_at > 0 ? whole_error_at - 1 : 0)
                                                                                     : n;
        return Error{source + ":" + std::to_string(at) + ": not a scan report (json or jsonl)"};
      }
      lines.push_back(std::move(j));
      numbers.push_back(n);
    }
    start = end + 1;
  }
  return scan_report_from_jsonl(lines, numbers, source);
}

Result<ScanReport> read_scan_report_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read"};
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read"};
  return read_scan_report(ss.str(), path);
}

}  // namespace l4s::report
