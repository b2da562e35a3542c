// Transport encodings between what an attacker sent and what a log stores.
//
// Log4j never decodes anything (`%24%7Bjndi:...` does not reach JNDI), but the
// application decodes before logging, while web servers, WAFs and proxies
// store the encoded form: URL encoding (repeated, IIS %uXXXX), JSON/Java
// \uXXXX, nginx/Apache \xHH, octal \044, HTML entities, JSON escapes, base64
// in `Authorization: Basic` and base64 blobs that decode to a lookup. Peeling
// these layers gives the text the vulnerable application would have logged;
// each layer is recorded for the report.
//
// Decoding only ever shrinks text, and the number of rounds is bounded, so
// hostile input cannot make it expensive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::hunt {

enum class Layer : uint8_t {
  kUrl,             // %XX
  kUrlUnicode,      // IIS %uXXXX
  kUnicodeEscape,   // \uXXXX (JSON, Java, JavaScript)
  kHexEscape,       // \xHH (nginx, Apache)
  kOctalEscape,     // \044, \44
  kJsonEscape,      // \/ \" \\ \n \t \r \b \f
  kHtmlEntity,      // &#36; &#x7b; &dollar; &lbrace; ...
  kBase64,          // a base64 token that decodes to a lookup
  kBasicAuth,       // the credentials of "Authorization: Basic <base64>"
};

// "url", "url_unicode", "unicode_escape", "hex_escape", "octal_escape",
// "json_escape", "html_entity", "base64", "basic_auth".
std::string_view layer_name(Layer layer);

// A set of layers (bit i = Layer i): which decoders a caller allows.
using LayerSet = uint16_t;
constexpr LayerSet layer_bit(Layer layer) { return static_cast<LayerSet>(1u << static_cast<unsigned>(layer)); }
inline constexpr LayerSet kAllLayers = 0x1FF;
inline constexpr LayerSet kNoLayers = 0;
// What a web server does to a request target before the application sees
// it (IIS also decodes %uXXXX).
inline constexpr LayerSet kRequestTargetLayers = layer_bit(Layer::kUrl) | layer_bit(Layer::kUrlUnicode);

struct DecodedText {
  std::string text;
  std::vector<Layer> layers;  // in the order they were peeled; a layer repeats for url x2 etc.
};

struct DecodeLimits {
  int max_rounds = 6;            // each round peels every layer it recognises once
  size_t min_base64_length = 8;  // shorter tokens are words, not payloads
};

// Peels layers round by round until nothing changes or max_rounds. Returns the
// text after each round that changed something (so the last entry is the most
// decoded form); empty when `text` holds no recognised encoding. Callers
// evaluate the original text as well: decoding can also damage a payload
// that was logged verbatim.
// Only the decoders of `allowed` run.
std::vector<DecodedText> peel_layers(std::string_view text, const DecodeLimits& limits = {},
                                     LayerSet allowed = kAllLayers);

// Single-layer decoders, exposed for tests and reuse. Each returns true when
// it changed something; undecodable sequences are kept verbatim.
bool decode_percent(std::string_view in, std::string* out, bool* saw_url, bool* saw_url_unicode);
bool decode_backslash_escapes(std::string_view in, std::string* out, std::vector<Layer>* seen,
                              LayerSet allowed = kAllLayers);
bool decode_html_entities(std::string_view in, std::string* out);
bool decode_base64_tokens(std::string_view in, std::string* out, size_t min_length, std::vector<Layer>* seen,
                          LayerSet allowed = kAllLayers);

// Tolerant base64 (standard or URL-safe alphabet, padding optional, no
// whitespace). Returns false on characters outside the alphabet or an
// impossible length.
bool decode_base64(std::string_view in, std::string* out);

}  // namespace l4s::hunt
