#include "net/ldap.h"

namespace l4s::net {
namespace {

std::string to_string(Bytes b) { return std::string(as_string_view(b)); }

class LdapConversation : public Conversation {
 public:
  Step feed(Bytes in) override {
    Step step;
    if (closed_) return close(step);
    buf_.append(reinterpret_cast<const char*>(in.data()), in.size());
    size_t used = 0;
    while (used < buf_.size()) {
      Bytes rest(reinterpret_cast<const uint8_t*>(buf_.data()) + used, buf_.size() - used);
      size_t size = 0;
      ParseStatus s = ldap_frame(rest, &size);
      if (s == ParseStatus::kNeedMore) break;
      if (s != ParseStatus::kOk) return close(step);
      auto msg = ldap_parse(rest.first(size));
      used += size;
      if (!msg.ok() || !handle(*msg, &step)) return close(step);
    }
    buf_.erase(0, used);
    return step;
  }

 private:
  // Appends the answer to `msg`; false means hang up.
  bool handle(const LdapMessage& msg, Step* step) {
    switch (msg.op) {
      case kLdapBindRequest:
        // Any version, any credentials: the JDK retries with v2 after an error,
        // and success is what makes it send the search.
        step->reply += ldap_result(msg.message_id, kLdapBindResponse, kLdapSuccess);
        return true;
      case kLdapSearchRequest:
        step->seen.push_back(path_sighting(msg.base_object, "search"));
        step->reply += ldap_result(msg.message_id, kLdapSearchResultDone, kLdapNoSuchObject);
        step->answered = true;
        return true;
      case kLdapExtendedRequest:  // StartTLS and friends: refused, the client gives up
        step->reply += ldap_result(msg.message_id, kLdapExtendedResponse, kLdapProtocolError);
        return true;
      case kLdapAbandonRequest:
        return true;
      default:  // Unbind, or an operation a JNDI lookup never sends
        return false;
    }
  }

  Step& close(Step& step) {
    closed_ = true;
    buf_.clear();
    step.close = true;
    return step;
  }

  std::string buf_;
  bool closed_ = false;
};

}  // namespace

ParseStatus ldap_frame(Bytes in, size_t* size) {
  if (!in.empty() && in[0] != kBerSequence) return ParseStatus::kMalformed;
  BerElement e;
  ParseStatus s = ber_read(in, kLdapMaxMessage, &e);
  if (s == ParseStatus::kOk) *size = e.total_size();
  return s;
}

Result<LdapMessage> ldap_parse(Bytes message) {
  BerElement outer;
  if (ber_read(message, kLdapMaxMessage, &outer) != ParseStatus::kOk || outer.tag != kBerSequence)
    return Error{"LDAPMessage is not a complete SEQUENCE"};
  BerReader fields(outer.value);
  BerElement id, op;
  if (!fields.expect(kBerInteger, &id) || id.value.empty() || id.value.size() > 4)
    return Error{"bad messageID"};
  if (!fields.next(&op)) return Error{"missing protocolOp"};
  LdapMessage msg;
  msg.message_id = to_string(id.value);
  msg.op = op.tag;
  BerReader body(op.value);
  BerElement e;
  switch (op.tag) {
    case kLdapBindRequest:
      if (!body.expect(kBerInteger, &e) || !ber_integer_value(e.value, &msg.bind_version))
        return Error{"BindRequest without version"};
      if (!body.expect(kBerOctetString, &e)) return Error{"BindRequest without name"};
      msg.bind_name = to_string(e.value);
      if (!body.next(&e)) return Error{"BindRequest without authentication"};
      break;
    case kLdapSearchRequest:
      if (!body.expect(kBerOctetString, &e)) return Error{"SearchRequest without baseObject"};
      msg.base_object = to_string(e.value);
      // The rest (scope, deref, limits, filter, attributes) only has to be well formed.
      while (!body.empty())
        if (!body.next(&e)) return Error{"SearchRequest with a malformed field"};
      break;
    case kLdapExtendedRequest:
      if (!body.expect(0x80, &e)) return Error{"ExtendedRequest without requestName"};
      msg.request_name = to_string(e.value);
      break;
    case kLdapUnbindRequest:
    case kLdapAbandonRequest:
      break;
    default:
      break;  // the conversation decides what to do with other operations
  }
  // Optional controls [0]; nothing may follow them.
  if (!fields.empty() && (!fields.expect(0xa0, &e) || !fields.empty())) return Error{"trailing data"};
  return msg;
}

std::string ldap_result(std::string_view message_id, uint8_t op, LdapResultCode code) {
  std::string result;
  ber_append(&result, kBerEnumerated, std::string(1, static_cast<char>(code)));
  ber_append(&result, kBerOctetString, "");  // matchedDN
  ber_append(&result, kBerOctetString, "");  // diagnosticMessage
  std::string body;
  ber_append(&body, kBerInteger, message_id);
  ber_append(&body, op, result);
  std::string out;
  ber_append(&out, kBerSequence, body);
  return out;
}

std::unique_ptr<Conversation> make_ldap_conversation() { return std::make_unique<LdapConversation>(); }

}  // namespace l4s::net
