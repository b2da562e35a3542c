// The subset of ASN.1 BER that LDAP clients send: definite lengths only,
// single-byte tags, long-form lengths of at most four bytes. Everything else is
// rejected, so a hostile peer cannot make us buffer or recurse without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/bytes.h"

namespace l4s::net {

// Common tags (class, constructed bit and number folded into one byte).
inline constexpr uint8_t kBerInteger = 0x02;
inline constexpr uint8_t kBerOctetString = 0x04;
inline constexpr uint8_t kBerEnumerated = 0x0a;
inline constexpr uint8_t kBerSequence = 0x30;

// One tag-length-value element.
struct BerElement {
  uint8_t tag = 0;
  Bytes value;          // the content octets
  size_t header_size = 0;  // tag + length octets
  size_t total_size() const { return header_size + value.size(); }
};

// Decodes the element at the start of `in`. On kOk, `*out` describes it; its
// value may only be used while `in` lives. kMalformed: indefinite length,
// multi-byte tag, length field over 4 bytes. Elements longer than `max_size`
// (header included) are kTooLarge as soon as their header is read.
ParseStatus ber_read(Bytes in, size_t max_size, BerElement* out);

// Reads consecutive elements out of a constructed value.
class BerReader {
 public:
  explicit BerReader(Bytes in) : rest_(in) {}
  // The next element, which must be complete; false when malformed or absent.
  bool next(BerElement* out);
  // Like next() but also requires the tag.
  bool expect(uint8_t tag, BerElement* out);
  bool empty() const { return rest_.empty(); }

 private:
  Bytes rest_;
};

// Appends a TLV with a minimal definite length.
void ber_append(std::string* out, uint8_t tag, std::string_view value);
// The minimal two's complement content octets of v (for INTEGER/ENUMERATED).
std::string ber_integer_content(int64_t v);
// Interprets up to 8 content octets as a signed big-endian integer.
bool ber_integer_value(Bytes content, int64_t* out);

}  // namespace l4s::net
