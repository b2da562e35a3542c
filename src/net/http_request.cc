#include "net/http_request.h"

#include <cctype>
#include <strings.h>

namespace l4s::net {
namespace {

constexpr size_t kMaxMethod = 32;
constexpr std::string_view kNotFound =
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class HttpConversation : public Conversation {
 public:
  Step feed(Bytes in) override {
    Step step;
    step.close = closed_;
    if (closed_) return step;
    buf_.append(as_string_view(in));
    // Fail fast on clients speaking another protocol (an LDAP bind, a TLS
    // hello): they wait for an answer and would otherwise sit out the timeout.
    // Methods are short; the bound also keeps this scan cheap.
    for (size_t i = 0; i < buf_.size() && buf_[i] != ' '; ++i) {
      if (!is_token_char(buf_[i]) || i >= kMaxMethod) {
        finish(&step, kBadRequest);
        return step;
      }
    }
    size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buf_.size() > kHttpMaxHead) finish(&step, kBadRequest);
      return step;
    }
    auto head = http_parse_head(std::string_view(buf_).substr(0, end + 4));
    if (!head.ok()) {
      finish(&step, kBadRequest);
      return step;
    }
    std::string detail = head->method;
    if (!head->user_agent.empty()) detail += " " + head->user_agent;
    Sighting s = path_sighting(head->path, std::move(detail));
    s.name = head->target;
    step.seen.push_back(std::move(s));
    finish(&step, kNotFound);
    return step;
  }

 private:
  void finish(Step* step, std::string_view reply) {
    step->reply.append(reply);
    step->close = closed_ = true;
    buf_.clear();
  }

  std::string buf_;
  bool closed_ = false;
};

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Result<HttpRequestHead> http_parse_head(std::string_view head) {
  if (head.size() > kHttpMaxHead) return Error{"request head too large"};
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return Error{"no request line"};
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return Error{"bad request line"};
  HttpRequestHead h;
  h.method = std::string(line.substr(0, sp1));
  h.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (h.method.empty() || h.target.empty() || version.substr(0, 5) != "HTTP/") return Error{"bad request line"};
  for (char c : h.method)
    if (!is_token_char(c)) return Error{"bad method"};
  std::string_view target = h.target;
  target = target.substr(0, target.find('?'));
  h.path = percent_decode(target);

  size_t pos = eol + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) return Error{"unterminated header line"};
    std::string_view field = head.substr(pos, next - pos);
    pos = next + 2;
    if (field.empty()) break;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error{"bad header line"};
    std::string_view name = field.substr(0, colon);
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (name.size() == 10 && strncasecmp(name.data(), "user-agent", 10) == 0) h.user_agent = std::string(value);
  }
  return h;
}

std::unique_ptr<Conversation> make_http_conversation() { return std::make_unique<HttpConversation>(); }

}  // namespace l4s::net
