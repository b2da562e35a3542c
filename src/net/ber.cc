#include "net/ber.h"

namespace l4s::net {

ParseStatus ber_read(Bytes in, size_t max_size, BerElement* out) {
  if (in.size() < 2) return ParseStatus::kNeedMore;
  const uint8_t tag = in[0];
  if ((tag & 0x1f) == 0x1f) return ParseStatus::kMalformed;  // high tag numbers: never used by LDAP
  size_t length = 0;
  size_t header = 2;
  const uint8_t first = in[1];
  if (first < 0x80) {
    length = first;
  } else {
    const size_t octets = first & 0x7f;
    if (octets == 0 || octets > 4) return ParseStatus::kMalformed;  // 0x80 = indefinite length
    if (in.size() < 2 + octets) return ParseStatus::kNeedMore;
    for (size_t i = 0; i < octets; ++i) length = (length << 8) | in[2 + i];
    header += octets;
  }
  if (length > max_size || header + length > max_size) return ParseStatus::kTooLarge;
  if (in.size() < header + length) return ParseStatus::kNeedMore;
  out->tag = tag;
  out->header_size = header;
  out->value = in.subspan(header, length);
  return ParseStatus::kOk;
}

bool BerReader::next(BerElement* out) {
  if (rest_.empty()) return false;
  // Inner elements are bounded by the outer one, which is already complete.
  if (ber_read(rest_, rest_.size(), out) != ParseStatus::kOk) return false;
  rest_ = rest_.subspan(out->total_size());
  return true;
}

bool BerReader::expect(uint8_t tag, BerElement* out) { return next(out) && out->tag == tag; }

void ber_append(std::string* out, uint8_t tag, std::string_view value) {
  out->push_back(static_cast<char>(tag));
  const size_t n = value.size();
  if (n < 0x80) {
    out->push_back(static_cast<char>(n));
  } else {
    int octets = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
    out->push_back(static_cast<char>(0x80 | octets));
    for (int i = octets - 1; i >= 0; --i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  out->append(value);
}

std::string ber_integer_content(int64_t v) {
  std::string bytes;
  for (int i = 7; i >= 0; --i) bytes.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
  // Drop leading octets that only repeat the sign of the next one.
  size_t start = 0;
  while (start < 7) {
    const uint8_t a = static_cast<uint8_t>(bytes[start]);
    const uint8_t b = static_cast<uint8_t>(bytes[start + 1]);
    if ((a == 0x00 && !(b & 0x80)) || (a == 0xff && (b & 0x80))) ++start;
    else break;
  }
  return bytes.substr(start);
}

bool ber_integer_value(Bytes content, int64_t* out) {
  if (content.empty() || content.size() > 8) return false;
  uint64_t v = (content[0] & 0x80) ? ~uint64_t{0} : 0;
  for (uint8_t b : content) v = (v << 8) | b;
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace l4s::net
