#include "hunt/prefilter.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace l4s::hunt {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// Case-insensitive match of lower-case `lit` at data[p].
bool at(std::string_view data, size_t p, std::string_view lit) {
  if (p + lit.size() > data.size()) return false;
  for (size_t i = 0; i < lit.size(); ++i) {
    if (lower(data[p + i]) != lit[i]) return false;
  }
  return true;
}

// Skips any number of "25" (a '%' that was itself URL-encoded) after a '%'.
size_t skip_percent25(std::string_view data, size_t p) {
  while (at(data, p, "25")) p += 2;
  return p;
}

size_t skip_zeros(std::string_view data, size_t p) {
  while (p < data.size() && data[p] == '0') ++p;
  return p;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_';
}

// Whether data[p] lies in a run of 12+ base64 characters that mixes upper
// case, lower case and digits, as base64 of text does and words and URL
// queries ("kernel+smoke+test") do not.
bool in_base64_run(std::string_view data, size_t p) {
  size_t b = p, e = p;
  while (b > 0 && is_base64_char(data[b - 1])) --b;
  while (e < data.size() && is_base64_char(data[e])) ++e;
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

// Skips "#x" or "#" and leading zeros of a numeric character reference;
// npos when data[p] does not start one. *hex says which.
size_t numeric_reference_digits(std::string_view data, size_t p, bool* hex) {
  if (at(data, p, "#x")) {
    *hex = true;
    return skip_zeros(data, p + 2);
  }
  if (at(data, p, "#")) {
    *hex = false;
    return skip_zeros(data, p + 1);
  }
  return std::string_view::npos;
}

// Whether data[p] starts a '{' in some encoding. A '$' in any encoding is
// only a trigger when one follows: "%24top", "$HOME", "%2450" (a price) and
// OData's "$filter" cannot start a lookup, and cost nothing more than this.
// Permissive on '%': "%5c" and "%26" may start an encoded backslash escape
// or entity.
bool open_brace_at(std::string_view data, size_t p) {
  if (p >= data.size()) return false;
  switch (data[p]) {
    case '{':
      return true;
    case '%': {
      size_t q = skip_percent25(data, p + 1);
      return at(data, q, "7b") || at(data, q, "u007b") || at(data, q, "5c") || at(data, q, "26");
    }
    case '\\': {
      size_t q = p + 1;
      while (q < data.size() && data[q] == '\\') ++q;
      return at(data, q, "u007b") || at(data, q, "x7b") || at(data, q, "173");
    }
    case '&': {
      bool hex = false;
      size_t q = numeric_reference_digits(data, p + 1, &hex);
      if (q != std::string_view::npos) return at(data, q, hex ? "7b" : "123");
      return at(data, p + 1, "lbrace;") || at(data, p + 1, "lcub;");
    }
  }
  return false;
}

// After an encoded '$' ending at data[p]: an optional ';' (for entities), then '{'.
bool entity_then_open_brace(std::string_view data, size_t p) {
  if (p < data.size() && data[p] == ';') ++p;
  return open_brace_at(data, p);
}

// Whether a trigger starts at data[p] (data[p] is one of the scanned bytes).
bool is_trigger(std::string_view data, size_t p) {
  switch (data[p]) {
    case '$':
      return open_brace_at(data, p + 1);
    case '%': {
      size_t q = skip_percent25(data, p + 1);
      if (at(data, q, "24")) return open_brace_at(data, q + 2);
      return at(data, q, "u0024") && open_brace_at(data, q + 5);
    }
    case '\\': {
      size_t q = p + 1;
      while (q < data.size() && data[q] == '\\') ++q;
      if (at(data, q, "u0024")) return open_brace_at(data, q + 5);
      if (at(data, q, "x24") || at(data, q, "044")) return open_brace_at(data, q + 3);
      return at(data, q, "44") && open_brace_at(data, q + 2);
    }
    case '&': {
      bool hex = false;
      size_t q = numeric_reference_digits(data, p + 1, &hex);
      if (q != std::string_view::npos) return at(data, q, hex ? "24" : "36") && entity_then_open_brace(data, q + 2);
      return at(data, p + 1, "dollar;") && open_brace_at(data, p + 8);
    }
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
      return in_base64_run(data, p);
  }
  return false;
}

bool is_scanned(char c) {
  return c == '$' || c == '%' || c == '\\' || c == '&' || c == 'J' || c == 'R' || c == 'k';
}

// Whether a trigger can start with the byte pair (a, b): a cheap table test
// before is_trigger's exact check, so frequent letters ('k' in "like") cost one
// load instead of a mispredicted branch chain.
struct PairTable {
  uint64_t bits[256][4] = {};
  constexpr void set(unsigned char a, unsigned char b) { bits[a][b >> 6] |= uint64_t{1} << (b & 63); }
  constexpr PairTable() {
    for (unsigned char b : {'{', '%', '\\', '&'}) set('$', b);
    for (unsigned char b : {'2', 'u', 'U'}) set('%', b);
    for (unsigned char b : {'\\', 'u', 'U', 'x', 'X', '0', '4'}) set('\\', b);
    for (unsigned char b : {'#', 'd', 'D'}) set('&', b);
    set('J', 'H');
    set('R', '7');
    set('k', 'e');
  }
  bool has(unsigned char a, unsigned char b) const { return (bits[a][b >> 6] >> (b & 63)) & 1; }
};
constexpr PairTable kPairs;

// Checks the candidates of a 16/32-byte step; npos when none is a trigger.
inline size_t check_mask(std::string_view data, size_t p, uint64_t mask) {
  while (mask != 0) {
    size_t q = p + static_cast<size_t>(__builtin_ctzll(mask));
    if (q + 1 < data.size() && kPairs.has(static_cast<unsigned char>(data[q]), static_cast<unsigned char>(data[q + 1])) &&
        is_trigger(data, q)) {
      return q;
    }
    mask &= mask - 1;
  }
  return std::string_view::npos;
}

size_t scalar_tail(std::string_view data, size_t p) {
  for (; p < data.size(); ++p) {
    if (is_scanned(data[p]) && is_trigger(data, p)) return p;
  }
  return std::string_view::npos;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define L4S_HAVE_AVX2_PATH 1
// Byte pairs that can start a trigger, classified by nibbles with shuffles.
// First byte: each of $ % \\ & J R k gets its own bit (their low nibbles
// differ; the high-nibble table confirms), exactly. Second byte: the bits of
// the first bytes it may follow ('{' '%' '\\' '&' after '$', '2' 'u' 'U' after '%',
// ...), as a superset. A pair is a candidate when the two share a bit.
__attribute__((target("avx2"))) inline __m256i Classify(__m256i v, __m256i lo_table, __m256i hi_table) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, nibble));
  __m256i hi = _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  return _mm256_and_si256(lo, hi);
}

__attribute__((target("avx2"))) inline __m256i pair_candidates(const char* at) {
  const __m256i first_lo = _mm256_setr_epi8(0, 0, 32, 0, 1, 2, 8, 0, 0, 0, 16, 64, 4, 0, 0, 0,  //
                                            0, 0, 32, 0, 1, 2, 8, 0, 0, 0, 16, 64, 4, 0, 0, 0);
  const __m256i first_hi = _mm256_setr_epi8(0, 0, 11, 0, 16, 36, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                            0, 0, 11, 0, 16, 36, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i second_lo = _mm256_setr_epi8(4, 0, 2, 8, 12, 71, 1, 32, 20, 0, 0, 1, 5, 0, 0, 0,  //
                                             4, 0, 2, 8, 12, 71, 1, 32, 20, 0, 0, 1, 5, 0, 0, 0);
  const __m256i second_hi = _mm256_setr_epi8(0, 0, 9, 38, 24, 7, 72, 7, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                             0, 0, 9, 38, 24, 7, 72, 7, 0, 0, 0, 0, 0, 0, 0, 0);
  __m256i a = Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)), first_lo, first_hi);
  __m256i b = Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 1)), second_lo, second_hi);
  return _mm256_and_si256(a, b);  // non-zero bytes: candidate pairs
}

// The same with the byte before the pair: "ke" (base64 of "${" at the third
// alignment) only counts after [048AEIMQUYcgkosw], so "like Gecko", in
// nearly every user agent, is no candidate (it was four fifths of them on
// access logs). 'k' and 'e' get bits 64 and 128; the byte before carries bit
// 64 in the rectangle [3-5]x[0145 89D] and 128 in [6-7]x[37BF] (a superset
// of the set, without 'i'), and every other bit for any byte. `at - 1` must
// be readable.
__attribute__((target("avx2"))) inline __m256i triple_candidates(const char* at) {
  const __m256i first_lo = _mm256_setr_epi8(0, 0, 32, 0, 1, 2, 8, 0, 0, 0, 16, -64, 4, 0, 0, 0,  //
                                            0, 0, 32, 0, 1, 2, 8, 0, 0, 0, 16, -64, 4, 0, 0, 0);
  const __m256i first_hi = _mm256_setr_epi8(0, 0, 11, 0, 16, 36, -64, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                            0, 0, 11, 0, 16, 36, -64, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i second_lo = _mm256_setr_epi8(4, 0, 2, 8, 12, -57, 1, 32, 20, 0, 0, 1, 5, 0, 0, 0,  //
                                             4, 0, 2, 8, 12, -57, 1, 32, 20, 0, 0, 1, 5, 0, 0, 0);
  const __m256i second_hi = _mm256_setr_epi8(0, 0, 9, 38, 24, 7, -56, 7, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                             0, 0, 9, 38, 24, 7, -56, 7, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i prev_lo = _mm256_setr_epi8(127, 127, 63, -65, 127, 127, 63, -65, 127, 127, 63, -65, 63, 127, 63, -65,  //
                                           127, 127, 63, -65, 127, 127, 63, -65, 127, 127, 63, -65, 63, 127, 63, -65);
  const __m256i prev_hi = _mm256_setr_epi8(63, 63, 63, 127, 127, 127, -65, -65, 63, 63, 63, 63, 63, 63, 63, 63,  //
                                           63, 63, 63, 127, 127, 127, -65, -65, 63, 63, 63, 63, 63, 63, 63, 63);
  __m256i a = Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)), first_lo, first_hi);
  __m256i b = Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 1)), second_lo, second_hi);
  __m256i c = Classify(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at - 1)), prev_lo, prev_hi);
  return _mm256_and_si256(_mm256_and_si256(a, b), c);  // non-zero bytes: candidate pairs
}

__attribute__((target("avx2"))) size_t find_trigger_avx2(std::string_view data, size_t p) {
  const __m256i zero = _mm256_setzero_si256();
  for (; p + 65 <= data.size(); p += 64) {
    __m256i a = p > 0 ? triple_candidates(data.data() + p) : pair_candidates(data.data() + p);
    __m256i b = triple_candidates(data.data() + p + 32);
    __m256i any = _mm256_or_si256(a, b);
    if (_mm256_testz_si256(any, any)) continue;
    uint32_t ma = ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero)));
    uint32_t mb = ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero)));
    size_t q = ma ? check_mask(data, p, ma) : std::string_view::npos;
    if (q == std::string_view::npos && mb) q = check_mask(data, p + 32, mb);
    if (q != std::string_view::npos) return q;
  }
  return scalar_tail(data, p);
}

__attribute__((target("avx2"))) size_t count_newlines_avx2(const char* p, size_t n, size_t* done) {
  const __m256i nl = _mm256_set1_epi8('\n'), zero = _mm256_setzero_si256();
  size_t count = 0, i = 0;
  while (i + 32 <= n) {
    __m256i acc = _mm256_setzero_si256();
    for (int steps = 0; steps < 255 && i + 32 <= n; ++steps, i += 32) {
      acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)), nl));
    }
    __m256i sums = _mm256_sad_epu8(acc, zero);
    count += static_cast<size_t>(_mm256_extract_epi64(sums, 0)) + static_cast<size_t>(_mm256_extract_epi64(sums, 1)) +
             static_cast<size_t>(_mm256_extract_epi64(sums, 2)) + static_cast<size_t>(_mm256_extract_epi64(sums, 3));
  }
  *done = i;
  return count;
}

// The same pair classification 64 bytes at a time (AVX-512BW).
__attribute__((target("avx512f,avx512bw"))) inline __m512i Classify512(__m512i v, __m512i lo_table, __m512i hi_table) {
  const __m512i nibble = _mm512_set1_epi8(0x0f);
  __m512i lo = _mm512_shuffle_epi8(lo_table, _mm512_and_si512(v, nibble));
  __m512i hi = _mm512_shuffle_epi8(hi_table, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
  return _mm512_and_si512(lo, hi);
}

__attribute__((target("avx512f,avx512bw"))) size_t find_trigger_avx512(std::string_view data, size_t p) {
// GCC 12.2 false positive (GCC PR 105593, fixed in 12.3 and 13): _mm512_broadcast_i32x4 passes
// _mm512_undefined_epi32(), whose deliberate self-initialisation warns once inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
  const __m512i first_lo = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 32, 0, 1, 2, 8, 0, 0, 0, 16, 64, 4, 0, 0, 0));
  const __m512i first_hi = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 11, 0, 16, 36, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  const __m512i second_lo = _mm512_broadcast_i32x4(_mm_setr_epi8(4, 0, 2, 8, 12, 71, 1, 32, 20, 0, 0, 1, 5, 0, 0, 0));
  const __m512i second_hi = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, 9, 38, 24, 7, 72, 7, 0, 0, 0, 0, 0, 0, 0, 0));
#pragma GCC diagnostic pop
  for (; p + 65 <= data.size(); p += 64) {
    __m512i a = Classify512(_mm512_loadu_si512(data.data() + p), first_lo, first_hi);
    __m512i b = Classify512(_mm512_loadu_si512(data.data() + p + 1), second_lo, second_hi);
    uint64_t mask = _mm512_test_epi8_mask(a, b);
    if (mask != 0) {
      size_t q = check_mask(data, p, mask);
      if (q != std::string_view::npos) return q;
    }
  }
  return scalar_tail(data, p);
}

__attribute__((target("avx512f,avx512bw,popcnt"))) size_t count_newlines_avx512(const char* p, size_t n, size_t* done) {
  const __m512i nl = _mm512_set1_epi8('\n');
  size_t count = 0, i = 0;
  for (; i + 64 <= n; i += 64) {
    count += static_cast<size_t>(__builtin_popcountll(_mm512_cmpeq_epi8_mask(_mm512_loadu_si512(p + i), nl)));
  }
  *done = i;
  return count;
}

bool have_avx512() {
  static const bool have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return have;
}

bool have_avx2() {
  static const bool have = __builtin_cpu_supports("avx2");
  return have;
}
#endif

}  // namespace

namespace {

size_t find_trigger_sse2(std::string_view data, size_t p) {
#if defined(__SSE2__)
  const __m128i dollar = _mm_set1_epi8('$'), percent = _mm_set1_epi8('%'), backslash = _mm_set1_epi8('\\'),
                amp = _mm_set1_epi8('&'), j = _mm_set1_epi8('J'), r = _mm_set1_epi8('R'), k = _mm_set1_epi8('k');
  for (; p + 16 <= data.size(); p += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data.data() + p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dollar), _mm_cmpeq_epi8(v, percent)),
                                            _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, amp))),
                               _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, j), _mm_cmpeq_epi8(v, r)),
                                            _mm_cmpeq_epi8(v, k)));
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(hit));
    if (mask != 0) {
      size_t q = check_mask(data, p, mask);
      if (q != std::string_view::npos) return q;
    }
  }
#endif
  return scalar_tail(data, p);
}

}  // namespace

bool simd_level_available(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar: return true;
#if defined(__SSE2__)
    case SimdLevel::kSse2: return true;
#endif
#if defined(L4S_HAVE_AVX2_PATH)
    case SimdLevel::kAvx2: return have_avx2();
    case SimdLevel::kAvx512: return have_avx512();
#endif
    default: return false;
  }
}

size_t find_trigger_with(SimdLevel level, std::string_view data, size_t from) {
  switch (level) {
#if defined(L4S_HAVE_AVX2_PATH)
    case SimdLevel::kAvx512: return find_trigger_avx512(data, from);
    case SimdLevel::kAvx2: return find_trigger_avx2(data, from);
#endif
    case SimdLevel::kSse2: return find_trigger_sse2(data, from);
    default: return scalar_tail(data, from);
  }
}

size_t find_trigger(std::string_view data, size_t from) {
#if defined(L4S_HAVE_AVX2_PATH)
  if (have_avx512()) return find_trigger_avx512(data, from);
  if (have_avx2()) return find_trigger_avx2(data, from);
#endif
  return find_trigger_sse2(data, from);
}

size_t find_trigger_scalar(std::string_view data, size_t from) { return scalar_tail(data, from); }

size_t count_newlines(std::string_view data) {
  size_t count = 0, i = 0;
  const char* p = data.data();
  const size_t n = data.size();
#if defined(L4S_HAVE_AVX2_PATH)
  if (have_avx512()) {
    count = count_newlines_avx512(p, n, &i);
  } else if (have_avx2()) {
    count = count_newlines_avx2(p, n, &i);
  }
#endif
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  while (i + 16 <= n) {
    // Byte counters: at most 255 steps before they are summed.
    __m128i acc = _mm_setzero_si128();
    for (int steps = 0; steps < 255 && i + 16 <= n; ++steps, i += 16) {
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), nl));
    }
    __m128i sums = _mm_sad_epu8(acc, zero);
    count += static_cast<size_t>(_mm_cvtsi128_si32(sums)) +
             static_cast<size_t>(_mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

}  // namespace l4s::hunt
