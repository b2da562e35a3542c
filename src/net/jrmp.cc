#include "net/jrmp.h"

#include <algorithm>
#include <cstring>

namespace l4s::net {
namespace {

// Java object serialization constants (java.io.ObjectStreamConstants).
constexpr uint8_t kStreamMagic[4] = {0xac, 0xed, 0x00, 0x05};
constexpr uint8_t kTcBlockData = 0x77;      // u8 length
constexpr uint8_t kTcBlockDataLong = 0x7a;  // u32 length
constexpr uint8_t kTcString = 0x74;         // u16 length, modified UTF-8
constexpr uint8_t kTcLongString = 0x7c;     // u64 length
constexpr size_t kCallHeaderSize = 8 + 4 + 8 + 2 + 4 + 8;  // ObjID (objNum, UID), op, hash

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Decodes one UTF-16 code unit in modified UTF-8 at in[*pos]; -1 if ill-formed.
int32_t next_unit(Bytes in, size_t* pos) {
  const size_t i = *pos;
  const uint8_t b = in[i];
  auto cont = [&](size_t k) { return i + k < in.size() && (in[i + k] & 0xc0) == 0x80; };
  if (b != 0 && b < 0x80) {
    *pos += 1;
    return b;
  }
  if ((b & 0xe0) == 0xc0 && cont(1)) {
    *pos += 2;
    return (b & 0x1f) << 6 | (in[i + 1] & 0x3f);
  }
  if ((b & 0xf0) == 0xe0 && cont(1) && cont(2)) {
    *pos += 3;
    return (b & 0x0f) << 12 | (in[i + 1] & 0x3f) << 6 | (in[i + 2] & 0x3f);
  }
  *pos += 1;
  return -1;
}

class RmiConversation : public Conversation {
 public:
  RmiConversation(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}

  Step feed(Bytes in) override {
    Step step;
    if (state_ == State::kClosed) return close(step);
    if (buf_.size() + in.size() > kJrmpMaxStream) return close(step);
    buf_.append(reinterpret_cast<const char*>(in.data()), in.size());
    if (buf_.size() < need_) return step;
    while (state_ != State::kClosed) {
      Bytes rest = as_bytes(buf_).subspan(used_);
      if (!advance(rest, &step)) break;
    }
    return step;
  }

 private:
  enum class State { kHeader, kEndpoint, kMessage, kClosed };

  // Runs one protocol step on `rest`; false when more bytes are needed or the
  // conversation ended.
  bool advance(Bytes rest, Step* step) {
    switch (state_) {
      case State::kHeader: {
        JrmpHeader h;
        ParseStatus s = jrmp_parse_header(rest, &h);
        if (s == ParseStatus::kNeedMore) return wait(7);
        if (s != ParseStatus::kOk) {
          close(*step);
          return false;
        }
        used_ += 7;
        if (h.protocol == kJrmpStreamProtocol) {
          step->reply += jrmp_protocol_ack(host_, port_);
          state_ = State::kEndpoint;
        } else if (h.protocol == kJrmpSingleOpProtocol) {
          state_ = State::kMessage;  // no ack, no endpoint: the call follows at once
        } else {
          if (h.protocol == kJrmpMultiplexProtocol) step->reply.push_back(static_cast<char>(kJrmpProtocolNack));
          close(*step);
          return false;
        }
        return true;
      }
      case State::kEndpoint: {
        size_t n = 0;
        ParseStatus s = jrmp_parse_endpoint(rest, &n);
        if (s == ParseStatus::kNeedMore) return wait(6);
        if (s != ParseStatus::kOk) {
          close(*step);
          return false;
        }
        used_ += n;
        state_ = State::kMessage;
        return true;
      }
      case State::kMessage: {
        if (rest.empty()) return wait(1);
        if (rest[0] == kJrmpPing) {
          step->reply.push_back(static_cast<char>(kJrmpPingAck));
          used_ += 1;
          return true;
        }
        if (rest[0] == kJrmpDgcAck) {  // followed by a 14-byte UID; nothing to answer
          if (rest.size() < 15) return wait(15);
          used_ += 15;
          return true;
        }
        if (rest[0] != kJrmpCall) {
          close(*step);
          return false;
        }
        JrmpCall call;
        size_t need = 0;
        ParseStatus s = jrmp_parse_call(rest.subspan(1), &call, &need);
        if (s == ParseStatus::kNeedMore) return wait(1 + need);
        if (s == ParseStatus::kOk && call.object_number == 0 && call.has_name) {
          std::string op = call.operation == kRegistryLookup ? "lookup" : "op " + std::to_string(call.operation);
          step->seen.push_back(path_sighting(std::move(call.name), std::move(op)));
        }
        // Whatever the call was, the answer is silence: closing makes the
        // client fail while reading the return header.
        close(*step);
        return false;
      }
      case State::kClosed:
        return false;
    }
    return false;
  }

  // Records that at least `n` bytes from used_ are needed before parsing again.
  bool wait(size_t n) {
    need_ = used_ + n;
    return false;
  }

  Step& close(Step& step) {
    state_ = State::kClosed;
    buf_.clear();
    step.close = true;
    return step;
  }

  std::string host_;
  uint16_t port_;
  State state_ = State::kHeader;
  std::string buf_;
  size_t used_ = 0;  // bytes of buf_ already consumed
  size_t need_ = 0;  // don't parse again before buf_ holds this many bytes
};

}  // namespace

ParseStatus jrmp_parse_header(Bytes in, JrmpHeader* out) {
  static constexpr char kMagic[4] = {'J', 'R', 'M', 'I'};
  if (in.empty()) return ParseStatus::kNeedMore;
  if (std::memcmp(in.data(), kMagic, std::min<size_t>(in.size(), 4)) != 0) return ParseStatus::kMalformed;
  if (in.size() < 7) return ParseStatus::kNeedMore;
  out->version = load_be16(in.data() + 4);
  out->protocol = in[6];
  // The wire spec says version 1; real JDKs send 2.
  if (out->version != 1 && out->version != 2) return ParseStatus::kMalformed;
  return ParseStatus::kOk;
}

ParseStatus jrmp_parse_endpoint(Bytes in, size_t* consumed) {
  if (in.size() < 2) return ParseStatus::kNeedMore;
  const size_t n = 2 + size_t{load_be16(in.data())} + 4;
  if (in.size() < n) return ParseStatus::kNeedMore;
  *consumed = n;
  return ParseStatus::kOk;
}

ParseStatus jrmp_parse_call(Bytes in, JrmpCall* out, size_t* need) {
  auto more = [&](size_t n) {
    *need = n;
    return ParseStatus::kNeedMore;
  };
  if (in.empty()) return more(1);
  if (std::memcmp(in.data(), kStreamMagic, std::min<size_t>(in.size(), 4)) != 0) return ParseStatus::kMalformed;
  size_t pos = 4;
  // The call header is written in block-data mode; a stream may split it into
  // several blocks, so gather blocks until the first object tag.
  std::string header;
  while (true) {
    if (in.size() < pos + 1) return more(pos + 1);
    const uint8_t tag = in[pos];
    if (tag == kTcBlockData) {
      if (in.size() < pos + 2) return more(pos + 2);
      const size_t len = in[pos + 1];
      if (in.size() < pos + 2 + len) return more(pos + 2 + len);
      header.append(reinterpret_cast<const char*>(in.data() + pos + 2), len);
      pos += 2 + len;
    } else if (tag == kTcBlockDataLong) {
      if (in.size() < pos + 5) return more(pos + 5);
      const uint32_t len = load_be32(in.data() + pos + 1);
      if (len > kJrmpMaxStream) return ParseStatus::kTooLarge;
      if (in.size() < pos + 5 + len) return more(pos + 5 + len);
      header.append(reinterpret_cast<const char*>(in.data() + pos + 5), len);
      pos += 5 + len;
    } else {
      break;
    }
    if (header.size() > kJrmpMaxStream) return ParseStatus::kTooLarge;
  }
  if (header.size() < kCallHeaderSize) return ParseStatus::kMalformed;
  const auto* h = reinterpret_cast<const uint8_t*>(header.data());
  out->object_number = static_cast<int64_t>(load_be64(h));
  out->operation = static_cast<int32_t>(load_be32(h + 22));
  out->interface_hash = load_be64(h + 26);

  const uint8_t tag = in[pos];
  size_t len_size;
  uint64_t len;
  if (tag == kTcString) {
    if (in.size() < pos + 3) return more(pos + 3);
    len_size = 2;
    len = load_be16(in.data() + pos + 1);
  } else if (tag == kTcLongString) {
    if (in.size() < pos + 9) return more(pos + 9);
    len_size = 8;
    len = load_be64(in.data() + pos + 1);
  } else {
    out->has_name = false;  // a call whose first argument is not a string (or has none)
    return ParseStatus::kOk;
  }
  if (len > kJrmpMaxStream) return ParseStatus::kTooLarge;
  const size_t start = pos + 1 + len_size;
  if (in.size() < start + len) return more(start + static_cast<size_t>(len));
  out->has_name = true;
  out->name = java_utf8_to_utf8(in.subspan(start, static_cast<size_t>(len)));
  return ParseStatus::kOk;
}

std::string jrmp_protocol_ack(std::string_view host, uint16_t port) {
  std::string out(1, static_cast<char>(kJrmpProtocolAck));
  const size_t n = std::min<size_t>(host.size(), 0xffff);
  append_be16(&out, static_cast<uint16_t>(n));
  out.append(host.substr(0, n));
  append_be32(&out, port);
  return out;
}

std::string java_utf8_to_utf8(Bytes in) {
  std::string out;
  out.reserve(in.size());
  size_t pos = 0;
  while (pos < in.size()) {
    int32_t u = next_unit(in, &pos);
    if (u >= 0xd800 && u <= 0xdbff) {  // high surrogate: pairs with a following low one
      size_t p2 = pos;
      int32_t lo = p2 < in.size() ? next_unit(in, &p2) : -1;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        append_utf8(&out, 0x10000 + ((static_cast<uint32_t>(u) - 0xd800) << 10) + (static_cast<uint32_t>(lo) - 0xdc00));
        pos = p2;
        continue;
      }
      u = -1;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      u = -1;
    }
    append_utf8(&out, u < 0 ? 0xfffd : static_cast<uint32_t>(u));
  }
  return out;
}

std::unique_ptr<Conversation> make_rmi_conversation(std::string peer_host, uint16_t peer_port) {
  return std::make_unique<RmiConversation>(std::move(peer_host), peer_port);
}

}  // namespace l4s::net
