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

namespace l4s::core {

class JsonWriter {
 public:
  // indent < 0: compact. Otherwise pretty, nested `base_depth` levels deep
  // (for a value written inside a larger indented document).
  explicit JsonWriter(std::string* out, int indent = -1, int base_depth = 0)
      : out_(out), indent_(indent), depth_(base_depth) {}

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  // The next value belongs to this key (inside an object).
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view s);
  JsonWriter& StringOrNull(std::string_view s) { return s.empty() ? Null() : String(s); }
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  JsonWriter& Strings(const std::vector<std::string>& values);  // an array of strings

 private:
  JsonWriter& Open(char bracket);
  JsonWriter& Close(char bracket);
  void BeforeValue();  // the comma and line break before a member or an array element
  void NewLine(int depth);

  std::string* out_;
  int indent_;
  int depth_;
  std::vector<bool> empty_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

// `s` as a JSON string literal (quotes included), escaped as above.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace l4s::core
