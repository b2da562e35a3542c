#include "hunt/java_case.h"

#include <algorithm>
#include <iterator>

namespace l4s::hunt {
namespace {

struct CasePair {
  uint32_t from;
  uint32_t to;
};

struct CaseExpansion {
  uint32_t from;
  const char* to_utf8;
};

#include "hunt/java_case_table.inc"

template <size_t N>
const CasePair* find_pair(const CasePair (&table)[N], uint32_t cp) {
  auto it = std::lower_bound(std::begin(table), std::end(table), cp,
                             [](const CasePair& p, uint32_t c) { return p.from < c; });
  return (it != std::end(table) && it->from == cp) ? it : nullptr;
}

template <size_t N>
const CaseExpansion* find_expansion(const CaseExpansion (&table)[N], uint32_t cp) {
  for (const CaseExpansion& e : table) {
    if (e.from == cp) return &e;
  }
  return nullptr;
}

// "Cased" in the Unicode sense, approximated by "has a case mapping or is the
// target of one"; only used by the final-sigma rule.
bool is_cased(uint32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  if (find_pair(kLowerSingle, cp) || find_pair(kUpperSingle, cp)) return true;
  return find_expansion(kUpperMulti, cp) != nullptr;
}

bool is_letter_like(uint32_t cp) {
  if (cp < 0x80) return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || cp == '\'';
  return true;  // Non-ASCII: treat as part of the word (approximation, see header).
}

// Java lower-cases U+03A3 to final sigma U+03C2 when a cased letter precedes it
// in the same word and none follows it.
bool is_final_sigma(std::string_view text, size_t pos, size_t len) {
  bool cased_before = false;
  for (size_t i = pos; i > 0;) {
    size_t start = i - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    uint32_t cp;
    if (decode_utf8(text, start, &cp) == 0 || !is_letter_like(cp)) break;
    if (is_cased(cp)) {
      cased_before = true;
      break;
    }
    i = start;
  }
  if (!cased_before) return false;
  for (size_t i = pos + len; i < text.size();) {
    uint32_t cp;
    int n = decode_utf8(text, i, &cp);
    if (n == 0 || !is_letter_like(cp)) break;
    if (is_cased(cp)) return false;
    i += n;
  }
  return true;
}

template <bool kLower>
std::string map_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      // A run of ASCII (nearly all text) is copied, then mapped in place.
      size_t run = i + 1;
      while (run < text.size() && static_cast<unsigned char>(text[run]) < 0x80) ++run;
      const size_t at = out.size();
      out.append(text.data() + i, run - i);
      for (size_t k = at; k < out.size(); ++k) {
        char& c = out[k];
        if (kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
        if (!kLower && c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));
      }
      i = run;
      continue;
    }
    uint32_t cp;
    int n = decode_utf8(text, i, &cp);
    if (n == 0) {  // Malformed: keep the byte.
      out.push_back(text[i]);
      ++i;
      continue;
    }
    if (kLower && cp == 0x3A3) {
      append_utf8(is_final_sigma(text, i, n) ? 0x3C2 : 0x3C3, &out);
    } else if (const CasePair* p = kLower ? find_pair(kLowerSingle, cp) : find_pair(kUpperSingle, cp)) {
      append_utf8(p->to, &out);
    } else if (const CaseExpansion* e =
                   kLower ? find_expansion(kLowerMulti, cp) : find_expansion(kUpperMulti, cp)) {
      out += e->to_utf8;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

int decode_utf8(std::string_view text, size_t pos, uint32_t* code_point) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t left = text.size() - pos;
  unsigned char c = s[pos];
  if (c < 0x80) {
    *code_point = c;
    return 1;
  }
  auto cont = [&](size_t k) { return k < left && (s[pos + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    *code_point = ((c & 0x1Fu) << 6) | (s[pos + 1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    uint32_t cp = ((c & 0x0Fu) << 12) | ((s[pos + 1] & 0x3Fu) << 6) | (s[pos + 2] & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    *code_point = cp;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    uint32_t cp = ((c & 0x07u) << 18) | ((s[pos + 1] & 0x3Fu) << 12) |
                  ((s[pos + 2] & 0x3Fu) << 6) | (s[pos + 3] & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    *code_point = cp;
    return 4;
  }
  return 0;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t utf16_length(std::string_view text) {
  size_t units = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    int n = decode_utf8(text, i, &cp);
    if (n == 0) n = 1;
    units += (n == 4) ? 2 : 1;
    i += n;
  }
  return units;
}

std::string java_to_lower_case(std::string_view text) { return map_case<true>(text); }
std::string java_to_upper_case(std::string_view text) { return map_case<false>(text); }

}  // namespace l4s::hunt
