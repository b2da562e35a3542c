// Appends JSON text to a string without building a document first: for the
// hot paths (one object per detection, millions of them) where constructing
// an nlohmann::json costs more than finding the record did.
//
// The output is byte for byte what nlohmann's dump(indent, ' ', false,
// error_handler_t::replace) prints for the same values: the same escapes,
// invalid UTF-8 replaced by U+FFFD the same way, the same layout when
// indenting. So the documents stay identical whichever path wrote them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace l4s {

class JsonWriter {
 public:
  // indent < 0: compact. Otherwise pretty, nested `base_depth` levels deep
  // (for a value written inside a larger indented document).
  explicit JsonWriter(std::string* out, int indent = -1, int base_depth = 0)
      : out_(out), indent_(indent), depth_(base_depth) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The next value belongs to this key (inside an object).
  JsonWriter& key(std::string_view key);

  JsonWriter& string(std::string_view s);
  JsonWriter& string_or_null(std::string_view s) { return s.empty() ? null() : string(s); }
  JsonWriter& uint(uint64_t v);
  JsonWriter& integer(int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  JsonWriter& Strings(const std::vector<std::string>& values);  // an array of strings

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void before_value();  // the comma and line break before a member or an array element
  void new_line(int depth);

  std::string* out_;
  int indent_;
  int depth_;
  // Per open container: '\1' while nothing is written in it yet (a string:
  // no allocation for the shallow documents written here).
  std::string empty_;
  bool after_key_ = false;
};

// `s` as a JSON string literal (quotes included), escaped as above.
void append_json_string(std::string* out, std::string_view s);

}  // namespace l4s
