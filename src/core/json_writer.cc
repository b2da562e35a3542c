#include "core/json_writer.h"

#include <cstdio>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace l4s {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when s[i] starts none;
// *bad_at is then where the maximal invalid part ends (the first byte that
// may start something new), as the Unicode "maximal subpart" rule and
// nlohmann's decoder (Hoehrmann's automaton) both have it.
size_t utf8_sequence(std::string_view s, size_t i, size_t* bad_at) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *bad_at = i + 1;
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *bad_at = s.size();  // cut short at the end: one replacement for the rest
      return 0;
    }
    unsigned char b = byte(i + k);
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      *bad_at = i + k;
      return 0;
    }
  }
  return len;
}

}  // namespace

void append_json_string(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Runs of plain ASCII are copied at once (found 16 bytes at a time:
    // reports are mostly long printable strings).
    size_t run = i;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (run + 16 <= s.size()) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + run));
      // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them too.
      __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
      int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        run += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        break;
      }
      run += 16;
    }
#endif
    while (run < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        }
      }
      ++i;
      continue;
    }
    size_t bad_at = 0;
    size_t len = utf8_sequence(s, i, &bad_at);
    if (len > 0) {
      out->append(s.data() + i, len);
      i += len;
    } else {
      out->append("\xEF\xBF\xBD");  // U+FFFD
      i = bad_at;
    }
  }
  out->push_back('"');
}

void JsonWriter::new_line(int depth) {
  out_->push_back('\n');
  out_->append(static_cast<size_t>(depth * indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;  // the top-level value
  if (!empty_.back()) out_->push_back(',');
  empty_.back() = '\0';
  if (indent_ >= 0) new_line(depth_);
}

JsonWriter& JsonWriter::key(std::string_view key) {
  before_value();
  // Keys are nearly always plain ASCII literals: copied as they are, which
  // is what escaping them would give.
  bool plain = true;
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    plain &= u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  }
  if (plain) {
    out_->push_back('"');
    out_->append(key);
    out_->append(indent_ >= 0 ? "\": " : "\":");
  } else {
    append_json_string(out_, key);
    out_->append(indent_ >= 0 ? ": " : ":");
  }
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  out_->push_back(bracket);
  empty_.push_back('\1');
  ++depth_;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  --depth_;
  if (indent_ >= 0 && !empty_.back()) new_line(depth_);
  empty_.pop_back();
  out_->push_back(bracket);
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::uint(uint64_t v) {
  before_value();
  out_->append(std::to_string(v));
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  out_->append(std::to_string(v));
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_->append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Strings(const std::vector<std::string>& values) {
  begin_array();
  for (const std::string& v : values) string(v);
  return end_array();
}

}  // namespace l4s
