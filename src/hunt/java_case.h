// Java's String.toLowerCase() / toUpperCase() on UTF-8 text.
//
// Log4j's ${lower:x} and ${upper:x} lookups call these in the JVM's default
// locale, and attackers rely on Java's rules, which differ from C's tolower and
// from ICU's simple case folding:
//   upper: U+0131 'ı' -> "I", U+017F 'ſ' -> "S", U+FB01 'ﬁ' -> "FI", U+00DF 'ß' -> "SS"
//   lower: U+212A KELVIN SIGN -> "k", U+0130 'İ' -> "i\u0307" (so it does not give "i")
// The mapping tables are generated from a real JVM (tools/GenJavaCaseTable.java)
// for a non-Turkish, non-Azeri, non-Lithuanian locale (en_US, ROOT).
//
// Known approximation: the final-sigma rule (U+03A3 -> U+03C2 at the end of a
// word) uses a simple letter-run notion of "word" instead of Java's
// BreakIterator; it only affects Greek text.
//
// Bytes that are not well-formed UTF-8 are copied unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace l4s::hunt {

std::string java_to_lower_case(std::string_view text);
std::string java_to_upper_case(std::string_view text);

// Decodes one well-formed UTF-8 sequence at text[pos]. Returns its length (1-4)
// and stores the code point, or returns 0 when the bytes there are not a
// well-formed sequence (overlong forms and surrogates are rejected).
int decode_utf8(std::string_view text, size_t pos, uint32_t* code_point);

// Appends the UTF-8 encoding of a code point (<= U+10FFFF).
void append_utf8(uint32_t code_point, std::string* out);

// Number of UTF-16 code units Java uses for text[0, n) when the text was
// decoded from UTF-8; every malformed byte counts as one unit (as a decoder's
// replacement character would).
size_t utf16_length(std::string_view text);

}  // namespace l4s::hunt
