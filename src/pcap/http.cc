// HTTP/1.x requests and responses over one TCP direction (see http.h).
#include "pcap/http.h"

#include <algorithm>
#include <cctype>

#include "hunt/prefilter.h"
#include "pcap/wire.h"

namespace l4s::pcap {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

bool is_class_path(std::string_view uri) {
  size_t q = uri.find_first_of("?#");
  std::string_view path = uri.substr(0, q);
  return path.size() >= 6 && starts_with_ci(path.substr(path.size() - 6), ".class");
}

// Most connections carry no HTTP: the pairing is made when the first message needs it.
HttpExchange& exchange(const StreamContext& cx) {
  if (!cx.http) cx.http = std::make_unique<HttpExchange>();
  return *cx.http;
}

}  // namespace

StreamNext HttpRequestState::consume(std::string& buf, bool at_end, const StreamContext& cx) {
  FlowEndpoints ep = cx.endpoints();
  while (!buf.empty()) {
    if (framing == BodyFraming::kHead) {
      // Bytes between messages (a stray CRLF) are skipped.
      size_t skip = 0;
      while (skip < buf.size() && (buf[skip] == '\r' || buf[skip] == '\n')) ++skip;
      if (skip) {
        buf.erase(0, skip);
        head_scan = 0;
        continue;
      }
      size_t end = find_head_end(buf, head_scan);
      if (end == std::string::npos) {
        if (buf.size() > kMaxHead || at_end) {
          // Not a head we can read (too long, or cut off): examine it raw.
          cx.rec.examine_lines(buf, ep, "payload", nullptr);
          buf.clear();
          head_scan = 0;
          return at_end ? StreamNext::kKeep : StreamNext::kRaw;
        }
        head_scan = buf.size();
        return StreamNext::kKeep;
      }
      on_head(std::string_view(buf).substr(0, end), ep, cx);
      buf.erase(0, end);
      head_scan = 0;
      continue;
    }
    if (!body_step(buf, cx.options.max_body)) break;
    if (framing == BodyFraming::kHead) {  // body complete
      cx.rec.examine_lines(body, ep, "body", &request);
      body.clear();
    }
  }
  if (at_end && !body.empty()) {
    cx.rec.examine_lines(body, ep, "body", &request);
    body.clear();
  }
  return StreamNext::kKeep;
}

bool HttpMessageState::body_step(std::string& buf, size_t keep_limit) {
  auto keep = [&](size_t n) {
    if (body.size() < keep_limit) body.append(buf, 0, std::min(n, keep_limit - body.size()));
    buf.erase(0, n);
  };
  // Content-Length bytes or a chunk's data: `then` once all `remaining` came.
  auto take_remaining = [&](BodyFraming then) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, buf.size()));
    keep(n);
    remaining -= n;
    if (remaining == 0) framing = then;
    return remaining == 0;
  };
  switch (framing) {
    case BodyFraming::kHead:
      return true;
    case BodyFraming::kBody:
      return take_remaining(BodyFraming::kHead);
    case BodyFraming::kUntilClose:
      keep(buf.size());
      return false;
    case BodyFraming::kChunkSize: {
      size_t nl = buf.find('\n');
      if (nl == std::string::npos) {
        if (buf.size() > 1024) {
          framing = BodyFraming::kUntilClose;  // not chunked after all
          return true;
        }
        return false;
      }
      uint64_t size = 0;
      size_t i = 0;
      int digits = 0;
      for (; i < nl && std::isxdigit(static_cast<unsigned char>(buf[i])) && digits < 15; ++i, ++digits)
        size = size * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(buf[i]))
                                                      ? buf[i] - '0'
                                                      : std::tolower(static_cast<unsigned char>(buf[i])) - 'a' + 10);
      buf.erase(0, nl + 1);
      if (digits == 0) {
        framing = BodyFraming::kUntilClose;
        return true;
      }
      remaining = size;
      framing = size == 0 ? BodyFraming::kTrailers : BodyFraming::kChunkData;
      return true;
    }
    case BodyFraming::kChunkData:
      return take_remaining(BodyFraming::kChunkDataEnd);
    case BodyFraming::kChunkDataEnd: {
      size_t nl = buf.find('\n');
      if (nl == std::string::npos) {
        if (buf.size() <= 2) return false;
        framing = BodyFraming::kUntilClose;  // no CRLF after the chunk: framing lost
        return true;
      }
      buf.erase(0, nl + 1);
      framing = BodyFraming::kChunkSize;
      return true;
    }
    case BodyFraming::kTrailers: {
      size_t nl = buf.find('\n');
      if (nl == std::string::npos) return false;
      bool blank = nl == 0 || (nl == 1 && buf[0] == '\r');
      buf.erase(0, nl + 1);
      if (blank) framing = BodyFraming::kHead;
      return true;
    }
  }
  return false;
}

void HttpRequestState::on_head(std::string_view head, const FlowEndpoints& ep, const StreamContext& cx) {
  HttpHead h;
  parse_http_head(head, &h);
  request.method = std::string(h.method.substr(0, 256));
  request.uri = std::string(h.target.substr(0, 8192));
  request.host = std::string(h.host.substr(0, 256));
  request.user_agent = std::string(h.user_agent.substr(0, 1024));
  if (hunt::has_trigger(head)) {
    cx.rec.examine(h.first_line, ep, "request_line", "", &request);
    for (const HttpHeaderLine& line : h.headers) cx.rec.examine(line.line, ep, "header", line.name, &request);
  }
  HttpExchange& x = exchange(cx);
  x.request_methods.push_back(request.method);
  if (x.request_methods.size() > 64) x.request_methods.pop_front();
  if (starts_with_ci(h.user_agent, "Java/") && is_class_path(h.target)) {
    size_t e = cx.rec.emit(EventKind::kJavaClassFetch, ep, std::string(h.target), "User-Agent: " + request.user_agent,
                           false, false);
    x.pending_fetches.push_back(e);
    if (x.pending_fetches.size() > 64) x.pending_fetches.pop_front();
  }
  body.clear();
  if (h.chunked) {
    framing = BodyFraming::kChunkSize;
  } else if (h.content_length > 0) {
    framing = BodyFraming::kBody;
    remaining = static_cast<uint64_t>(h.content_length);
  } else {
    framing = BodyFraming::kHead;
  }
}

StreamNext HttpResponseState::consume(std::string& buf, bool at_end, const StreamContext& cx) {
  while (!buf.empty()) {
    if (framing == BodyFraming::kHead) {
      size_t skip = 0;
      while (skip < buf.size() && (buf[skip] == '\r' || buf[skip] == '\n')) ++skip;
      buf.erase(0, skip);
      if (buf.empty()) return StreamNext::kKeep;
      size_t end = find_head_end(buf, head_scan);
      if (end == std::string::npos) {
        if (buf.size() > kMaxHead || !looks_like_http_response(buf)) return StreamNext::kIgnore;
        head_scan = buf.size();
        return StreamNext::kKeep;
      }
      HttpHead h;
      parse_http_head(std::string_view(buf).substr(0, end), &h);
      buf.erase(0, end);
      head_scan = 0;
      if (h.status >= 100 && h.status < 200) continue;  // interim response: the real one follows
      HttpExchange& x = exchange(cx);
      std::string method;
      if (!x.request_methods.empty()) {
        method = x.request_methods.front();
        x.request_methods.pop_front();
      }
      size_t fetch = SIZE_MAX;
      if (!x.pending_fetches.empty()) {
        fetch = x.pending_fetches.front();
        x.pending_fetches.pop_front();
        NetEvent& e = *cx.rec.event(fetch);
        e.detail = "HTTP " + std::to_string(h.status) +
                   (h.content_type.empty() ? "" : " " + std::string(h.content_type.substr(0, 128)));
        if (h.status == 200 && (h.content_type.find("java") != std::string_view::npos)) e.served = true;
      }
      remaining = 0;
      bool no_body = method == "HEAD" || h.status == 204 || h.status == 304;
      if (no_body) {
        framing = BodyFraming::kHead;
      } else if (h.chunked) {
        framing = BodyFraming::kChunkSize;
      } else if (h.content_length >= 0) {
        framing = h.content_length > 0 ? BodyFraming::kBody : BodyFraming::kHead;
        remaining = static_cast<uint64_t>(h.content_length);
      } else {
        framing = BodyFraming::kUntilClose;
      }
      body.clear();
      fetch_event = fetch;
      continue;
    }
    // Body: only the first bytes matter (the magic of a class fetch).
    size_t before = body.size();
    bool done = body_step(buf, 16);
    if (fetch_event != SIZE_MAX && before < 4 && body.size() >= 4) mark_fetch_magic(cx.rec);
    if (body.size() > 16) body.resize(16);
    if (!done) break;
    if (framing == BodyFraming::kHead) {
      if (fetch_event != SIZE_MAX && body.size() < 4) mark_fetch_magic(cx.rec);
      fetch_event = SIZE_MAX;
      body.clear();
    }
  }
  return StreamNext::kKeep;
}

void HttpResponseState::mark_fetch_magic(Recorder& rec) {
  NetEvent* event = rec.event(fetch_event);
  if (!event) return;
  NetEvent& e = *event;
  net::Bytes b = net::as_bytes(body);
  if (b.size() >= 4 && b[0] == 0xca && b[1] == 0xfe && b[2] == 0xba && b[3] == 0xbe) {
    e.detail += ", class file served (ca fe ba be)";
    e.served = true;
  } else if (b.size() >= 2 && b[0] == 0xac && b[1] == 0xed) {
    e.detail += ", serialized object served (ac ed)";
    e.served = true;
  }
}

}  // namespace l4s::pcap
