#include "hunt/decoders.h"

#include <algorithm>
#include <array>

#include "hunt/java_case.h"

namespace l4s::hunt {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses `n` hex digits at s[pos]; -1 when they are not all hex.
long parse_hex(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  long v = 0;
  for (size_t i = 0; i < n; ++i) {
    int d = hex_value(s[pos + i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

bool is_surrogate(long cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

// Decodes a UTF-16 escape (value `unit`, at s[pos], `len` bytes long, with a
// possible low surrogate following in the same notation `prefix`). Appends
// UTF-8 and returns the bytes consumed, or 0 when it is a lone surrogate.
size_t append_utf16_escape(std::string_view s, size_t pos, size_t len, long unit, std::string_view prefix,
                         std::string* out) {
  if (!is_surrogate(unit)) {
    if (unit == 0) return 0;  // Keep NUL escapes visible.
    append_utf8(static_cast<uint32_t>(unit), out);
    return len;
  }
  if (unit >= 0xDC00) return 0;
  size_t next = pos + len;
  if (s.substr(next, prefix.size()) != prefix) return 0;
  long low = parse_hex(s, next + prefix.size(), 4);
  if (low < 0xDC00 || low > 0xDFFF) return 0;
  append_utf8(static_cast<uint32_t>(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)), out);
  return 2 * len;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '-' || c == '_';
}

// Decoded bytes that are worth putting back into the text: readable, and,
// for tokens found anywhere, holding the start of a lookup in some encoding.
bool mostly_printable(std::string_view s) {
  if (s.empty()) return false;
  size_t bad = 0;
  for (unsigned char c : s) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ++bad;
  }
  return bad * 20 <= s.size();
}

bool has_lookup_start(std::string_view s) {
  // Each form starts with one of these (a loop: find_first_of would memchr its set per byte).
  if (std::none_of(s.begin(), s.end(), [](char c) { return c == '$' || c == '%' || c == '\\' || c == '&'; }))
    return false;
  std::string lower = java_to_lower_case(s);
  for (std::string_view t : {"${", "%24", "$%7b", "\\u0024", "\\x24", "\\044", "&#36", "&#x24", "&dollar;"}) {
    if (lower.find(t) != std::string::npos) return true;
  }
  return false;
}

void add_layer(std::vector<Layer>* layers, Layer layer) {
  if (std::find(layers->begin(), layers->end(), layer) == layers->end()) layers->push_back(layer);
}

struct NamedEntity {
  std::string_view name;
  std::string_view text;
};

// HTML5 named character references for the characters a lookup needs, plus
// the common ones a log encoder emits.
constexpr NamedEntity kEntities[] = {
    {"amp", "&"},    {"lt", "<"},      {"gt", ">"},      {"quot", "\""},  {"apos", "'"},    {"dollar", "$"},
    {"lbrace", "{"}, {"lcub", "{"},    {"rbrace", "}"},  {"rcub", "}"},   {"colon", ":"},   {"sol", "/"},
    {"bsol", "\\"},  {"period", "."},  {"num", "#"},     {"percnt", "%"}, {"commat", "@"},  {"lowbar", "_"},
    {"verbar", "|"}, {"vert", "|"},    {"equals", "="},  {"quest", "?"},  {"plus", "+"},    {"comma", ","},
    {"semi", ";"},   {"lpar", "("},    {"rpar", ")"},    {"excl", "!"},   {"ast", "*"},     {"midast", "*"},
    {"grave", "`"},  {"Hat", "^"},     {"lsqb", "["},    {"lbrack", "["}, {"rsqb", "]"},    {"rbrack", "]"},
    {"tilde", "~"},  {"nbsp", "\xC2\xA0"}};

}  // namespace

std::string_view layer_name(Layer layer) {
  switch (layer) {
    case Layer::kUrl: return "url";
    case Layer::kUrlUnicode: return "url_unicode";
    case Layer::kUnicodeEscape: return "unicode_escape";
    case Layer::kHexEscape: return "hex_escape";
    case Layer::kOctalEscape: return "octal_escape";
    case Layer::kJsonEscape: return "json_escape";
    case Layer::kHtmlEntity: return "html_entity";
    case Layer::kBase64: return "base64";
    case Layer::kBasicAuth: return "basic_auth";
  }
  return "?";
}

bool decode_percent(std::string_view in, std::string* out, bool* saw_url, bool* saw_url_unicode) {
  out->clear();
  out->reserve(in.size());
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    if (in[i] == '%') {
      long v = parse_hex(in, i + 1, 2);
      if (v >= 0) {
        out->push_back(static_cast<char>(v));
        *saw_url = changed = true;
        i += 3;
        continue;
      }
      if (i + 1 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
        long unit = parse_hex(in, i + 2, 4);
        if (unit >= 0) {
          size_t used = append_utf16_escape(in, i, 6, unit, in.substr(i, 2), out);
          if (used) {
            *saw_url_unicode = changed = true;
            i += used;
            continue;
          }
        }
      }
    }
    out->push_back(in[i++]);
  }
  return changed;
}

bool decode_backslash_escapes(std::string_view in, std::string* out, std::vector<Layer>* seen, LayerSet allowed) {
  auto allows = [&](Layer layer) { return (allowed & layer_bit(layer)) != 0; };
  out->clear();
  out->reserve(in.size());
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    if (in[i] != '\\' || i + 1 >= in.size()) {
      out->push_back(in[i++]);
      continue;
    }
    char c = in[i + 1];
    if (c == 'u' && allows(Layer::kUnicodeEscape)) {
      long unit = parse_hex(in, i + 2, 4);
      size_t used = unit >= 0 ? append_utf16_escape(in, i, 6, unit, "\\u", out) : 0;
      if (used) {
        add_layer(seen, Layer::kUnicodeEscape);
        changed = true;
        i += used;
        continue;
      }
    } else if ((c == 'x' || c == 'X') && allows(Layer::kHexEscape)) {
      long v = parse_hex(in, i + 2, 2);
      if (v > 0) {
        out->push_back(static_cast<char>(v));
        add_layer(seen, Layer::kHexEscape);
        changed = true;
        i += 4;
        continue;
      }
    } else if (c >= '0' && c <= '7' && allows(Layer::kOctalEscape)) {
      // Two or three octal digits (\44, \044, \173); a lone digit is too
      // common in ordinary text (regex back-references) to mean anything.
      size_t n = 0;
      int v = 0;
      while (n < 3 && i + 1 + n < in.size() && in[i + 1 + n] >= '0' && in[i + 1 + n] <= '7') {
        v = v * 8 + (in[i + 1 + n] - '0');
        ++n;
      }
      if (n >= 2 && v > 0 && v < 0x80) {
        out->push_back(static_cast<char>(v));
        add_layer(seen, Layer::kOctalEscape);
        changed = true;
        i += 1 + n;
        continue;
      }
    } else if (allows(Layer::kJsonEscape)) {
      static constexpr std::string_view kFrom = "/\"\\ntrbf";
      static constexpr std::string_view kTo = "/\"\\\n\t\r\b\f";
      size_t k = kFrom.find(c);
      if (k != std::string_view::npos) {
        out->push_back(kTo[k]);
        add_layer(seen, Layer::kJsonEscape);
        changed = true;
        i += 2;
        continue;
      }
    }
    out->push_back(in[i++]);
  }
  return changed;
}

bool decode_html_entities(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  bool changed = false;
  for (size_t i = 0; i < in.size();) {
    if (in[i] != '&') {
      out->push_back(in[i++]);
      continue;
    }
    if (i + 2 < in.size() && in[i + 1] == '#') {
      bool hex = in[i + 2] == 'x' || in[i + 2] == 'X';
      size_t j = i + (hex ? 3 : 2);
      long cp = 0;
      size_t digits = 0;
      while (j < in.size() && digits < 8) {
        int d = hex ? hex_value(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
        if (d < 0) break;
        cp = cp * (hex ? 16 : 10) + d;
        ++digits;
        ++j;
      }
      if (digits > 0 && cp > 0 && cp <= 0x10FFFF && !is_surrogate(cp)) {
        append_utf8(static_cast<uint32_t>(cp), out);
        if (j < in.size() && in[j] == ';') ++j;  // Browsers accept the reference without ';'.
        changed = true;
        i = j;
        continue;
      }
    } else {
      size_t semi = in.find(';', i + 1);
      if (semi != std::string_view::npos && semi - i <= 8) {
        std::string_view name = in.substr(i + 1, semi - i - 1);
        auto it = std::find_if(std::begin(kEntities), std::end(kEntities),
                               [&](const NamedEntity& e) { return e.name == name; });
        if (it != std::end(kEntities)) {
          out->append(it->text);
          changed = true;
          i = semi + 1;
          continue;
        }
      }
    }
    out->push_back(in[i++]);
  }
  return changed;
}

bool decode_base64(std::string_view in, std::string* out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out->clear();
  out->reserve(in.size() * 3 / 4 + 1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// The end of the base64 token starting at s[i]: the alphabet run plus up to two '='.
size_t base64_token_end(std::string_view s, size_t i, size_t* run_end) {
  size_t end = i;
  while (end < s.size() && is_base64_char(s[end])) ++end;
  *run_end = end;
  while (end < s.size() && s[end] == '=' && end - *run_end < 2) ++end;
  return end;
}

// Whether the token at in[i] follows "Basic " (the Authorization scheme).
bool follows_basic(std::string_view in, size_t i) {
  size_t k = i;
  while (k > 0 && in[k - 1] == ' ') --k;
  if (k == i || k < 5) return false;
  if (k > 5 && is_base64_char(in[k - 6])) return false;
  std::string_view word = in.substr(k - 5, 5);
  if (std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    // ASCII (nearly always): Java's lower case of ASCII is ASCII's.
    static constexpr std::string_view kBasic = "basic";
    for (size_t j = 0; j < 5; ++j) {
      char c = word[j];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c) != kBasic[j]) return false;
    }
    return true;
  }
  return java_to_lower_case(word) == "basic";
}

bool decode_base64_tokens(std::string_view in, std::string* out, size_t min_length, std::vector<Layer>* seen,
                          LayerSet allowed) {
  const bool basic_auth = (allowed & layer_bit(Layer::kBasicAuth)) != 0;
  const bool base64 = (allowed & layer_bit(Layer::kBase64)) != 0;
  out->clear();
  out->reserve(in.size());
  size_t copied = 0;  // in[0, copied) has been written to *out
  bool changed = false;
  std::string decoded;
  auto replace = [&](size_t start, size_t stop, Layer layer) {
    out->append(in.substr(copied, start - copied));
    out->append(decoded);
    copied = stop;
    changed = true;
    add_layer(seen, layer);
  };
  auto is_payload = [&](std::string_view t) {
    return t.size() >= min_length && decode_base64(t, &decoded) && mostly_printable(decoded) &&
           has_lookup_start(decoded);
  };
  for (size_t i = 0; i < in.size();) {
    if (!is_base64_char(in[i]) || (i > 0 && is_base64_char(in[i - 1]))) {
      ++i;
      continue;
    }
    size_t run_end;
    size_t token_end = base64_token_end(in, i, &run_end);
    std::string_view token = in.substr(i, token_end - i);
    if (follows_basic(in, i)) {
      // The credentials, whatever they hold: a server decodes them.
      if (basic_auth && decode_base64(token, &decoded) && mostly_printable(decoded)) replace(i, token_end, Layer::kBasicAuth);
    } else if (!base64) {
      // Nothing else is decoded.
    } else if (is_payload(token)) {
      replace(i, token_end, Layer::kBase64);
    } else if (token.find('/') != std::string_view::npos) {
      // '/' is in the alphabet, so a path like /Basic/Base64/JHtqbmRp... is one
      // run: try its segments too.
      for (size_t s = i; s < run_end;) {
        size_t e = s;
        while (e < run_end && in[e] != '/') ++e;
        size_t stop = e;
        if (e == run_end) stop = token_end;  // The last segment owns the padding.
        if (is_payload(in.substr(s, stop - s))) replace(s, stop, Layer::kBase64);
        s = e + 1;
      }
    }
    i = token_end;
  }
  out->append(in.substr(copied));
  return changed;
}

std::vector<DecodedText> peel_layers(std::string_view text, const DecodeLimits& limits, LayerSet allowed) {
  constexpr LayerSet kBackslash = layer_bit(Layer::kUnicodeEscape) | layer_bit(Layer::kHexEscape) |
                                  layer_bit(Layer::kOctalEscape) | layer_bit(Layer::kJsonEscape);
  constexpr LayerSet kBase64Tokens = layer_bit(Layer::kBase64) | layer_bit(Layer::kBasicAuth);
  std::vector<DecodedText> variants;
  std::string current(text);
  std::vector<Layer> layers;
  std::string next;
  for (int round = 0; round < limits.max_rounds; ++round) {
    bool changed = false;
    std::vector<Layer> seen;
    // Each of these decoders changes nothing without its escape character:
    // skip the copy it would make.
    auto holds = [&](char c) { return current.find(c) != std::string::npos; };
    if ((allowed & kBackslash) && holds('\\') && decode_backslash_escapes(current, &next, &seen, allowed)) {
      current.swap(next);
      changed = true;
    }
    if ((allowed & layer_bit(Layer::kHtmlEntity)) && holds('&') && decode_html_entities(current, &next)) {
      current.swap(next);
      seen.push_back(Layer::kHtmlEntity);
      changed = true;
    }
    bool url = false, url_unicode = false;
    if ((allowed & kRequestTargetLayers) && holds('%') && decode_percent(current, &next, &url, &url_unicode)) {
      current.swap(next);
      if (url) seen.push_back(Layer::kUrl);
      if (url_unicode) seen.push_back(Layer::kUrlUnicode);
      changed = true;
    }
    if ((allowed & kBase64Tokens) && decode_base64_tokens(current, &next, limits.min_base64_length, &seen, allowed)) {
      current.swap(next);
      changed = true;
    }
    if (!changed) break;
    layers.insert(layers.end(), seen.begin(), seen.end());
    variants.push_back({current, layers});
  }
  return variants;
}

}  // namespace l4s::hunt
