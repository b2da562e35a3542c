#include "hunt/prefilter.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace l4s::hunt {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// Case-insensitive match of lower-case `lit` at data[p].
bool At(std::string_view data, size_t p, std::string_view lit) {
  if (p + lit.size() > data.size()) return false;
  for (size_t i = 0; i < lit.size(); ++i) {
    if (Lower(data[p + i]) != lit[i]) return false;
  }
  return true;
}

// Skips any number of "25" (a '%' that was itself URL-encoded) after a '%'.
size_t SkipPercent25(std::string_view data, size_t p) {
  while (At(data, p, "25")) p += 2;
  return p;
}

size_t SkipZeros(std::string_view data, size_t p) {
  while (p < data.size() && data[p] == '0') ++p;
  return p;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_';
}

// Whether data[p] lies in a run of 12+ base64 characters that mixes upper
// case, lower case and digits, as base64 of text does and words and URL
// queries ("kernel+smoke+test") do not.
bool InBase64Run(std::string_view data, size_t p) {
  size_t b = p, e = p;
  while (b > 0 && IsBase64Char(data[b - 1])) --b;
  while (e < data.size() && IsBase64Char(data[e])) ++e;
  if (e - b < 12) return false;
  bool upper = false, lower = false, digit = false;
  for (size_t i = b; i < e; ++i) {
    char c = data[i];
    upper |= c >= 'A' && c <= 'Z';
    lower |= c >= 'a' && c <= 'z';
    digit |= c >= '0' && c <= '9';
  }
  return upper && lower && digit;
}

// Whether a trigger starts at data[p] (data[p] is one of the scanned bytes).
bool IsTrigger(std::string_view data, size_t p) {
  switch (data[p]) {
    case '$':
      if (p + 1 < data.size() && data[p + 1] == '{') return true;
      return p + 1 < data.size() && data[p + 1] == '%' && At(data, SkipPercent25(data, p + 2), "7b");
    case '%': {
      size_t q = SkipPercent25(data, p + 1);
      return At(data, q, "24") || At(data, q, "u0024");
    }
    case '\\': {
      size_t q = p + 1;
      while (q < data.size() && data[q] == '\\') ++q;
      return At(data, q, "u0024") || At(data, q, "x24") || At(data, q, "044") || At(data, q, "44");
    }
    case '&':
      if (At(data, p + 1, "#x")) return At(data, SkipZeros(data, p + 3), "24");
      if (At(data, p + 1, "#")) return At(data, SkipZeros(data, p + 2), "36");
      return At(data, p + 1, "dollar;");
    case 'J':
      return p + 2 < data.size() && data[p + 1] == 'H' && data[p + 2] >= 's' && data[p + 2] <= 'v';
    case 'R':
      return p > 0 && p + 1 < data.size() && data[p + 1] == '7' &&
             std::memchr("CSiy", data[p - 1], 4) != nullptr;
    case 'k':
      // "${" at the third alignment: "..[048AEIMQUYcgkosw]ke". Common in
      // text ("smoke"), so require a base64-looking run around it.
      if (p == 0 || p + 1 >= data.size() || data[p + 1] != 'e' ||
          std::memchr("048AEIMQUYcgkosw", data[p - 1], 16) == nullptr) {
        return false;
      }
      return InBase64Run(data, p);
  }
  return false;
}

bool IsScanned(char c) {
  return c == '$' || c == '%' || c == '\\' || c == '&' || c == 'J' || c == 'R' || c == 'k';
}

}  // namespace

size_t FindTrigger(std::string_view data, size_t from) {
  size_t p = from;
#if defined(__SSE2__)
  const __m128i dollar = _mm_set1_epi8('$'), percent = _mm_set1_epi8('%'), backslash = _mm_set1_epi8('\\'),
                amp = _mm_set1_epi8('&'), j = _mm_set1_epi8('J'), r = _mm_set1_epi8('R'), k = _mm_set1_epi8('k');
  for (; p + 16 <= data.size(); p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data.data() + p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dollar), _mm_cmpeq_epi8(v, percent)),
                                            _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, amp))),
                               _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, j), _mm_cmpeq_epi8(v, r)),
                                            _mm_cmpeq_epi8(v, k)));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    while (mask != 0) {
      size_t q = p + static_cast<size_t>(__builtin_ctz(mask));
      if (IsTrigger(data, q)) return q;
      mask &= mask - 1;
    }
  }
#endif
  for (; p < data.size(); ++p) {
    if (IsScanned(data[p]) && IsTrigger(data, p)) return p;
  }
  return std::string_view::npos;
}

}  // namespace l4s::hunt
