// Store::import_files: many report files in batched transactions (fleet
// import, report FILE...).
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>

#include "fleet/parse.h"
#include "fleet/store.h"

namespace l4s::fleet {

Result<std::string> read_report_input(const std::string& file) {
  if (file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{file + ": cannot read"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string redact_spec(const std::string& spec) {
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db
  static const std::regex kPassword(R"(^(postgres(ql)?://[^:/@]*:)[^@]*@)");
  return std::regex_replace(spec, kPassword, "$1***@");
}

ImportCounts Store::import_files(const std::vector<std::string>& files, const ImportOptions& options) {
  ImportCounts c;
  auto error = [&](const std::string& message) {
    if (options.on_error) options.on_error(message);
  };
  size_t in_batch = 0;
  auto flush = [&]() -> bool {
    if (in_batch == 0) return true;
    in_batch = 0;
    if (Status st = commit(); !st.ok()) {
      error(st.error());
      c.db_error = true;
      return false;
    }
    return true;
  };
  for (const auto& file : files) {
    auto text = read_report_input(file);
    if (!text.ok()) {
      error(text.error());
      ++c.failed;
      continue;
    }
    auto parsed = parse_report(*text, {file, options.host, options.now, ""});
    if (!parsed.ok()) {
      error(parsed.error());
      ++c.failed;
      continue;
    }
    if (in_batch == 0) {
      if (Status st = begin(); !st.ok()) {
        error(st.error());
        c.db_error = true;
        return c;
      }
    }
    ++in_batch;
    auto added = add(*parsed);
    if (!added.ok()) {
      rollback();
      error(file + ": " + added.error());
      c.db_error = true;
      return c;
    }
    if (*added) {
      ++c.added;
      c.rows += parsed->findings.size() + parsed->errors.size() + parsed->detections.size() +
                parsed->callbacks.size() + parsed->probes.size() + 1;
    } else {
      ++c.unchanged;
    }
    if (options.on_report) options.on_report(file, *parsed, *added);
    if (in_batch >= options.batch && !flush()) return c;
  }
  flush();
  return c;
}

}  // namespace l4s::fleet
