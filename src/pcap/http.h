// HTTP/1.x over one TCP direction.
//   requests   the request line, every header line and the body are examined
//              with hunt's evaluator; a `Java/` user agent fetching a `.class`
//              is a second-stage fetch (a kJavaClassFetch event)
//   responses  only the status, type and first body bytes of those fetches
//              matter: they say whether a payload was served
// Both sides frame bodies the same way (Content-Length, chunked, or until the
// connection closes): one state machine, HttpMessageState, shared by both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "pcap/protocol.h"

namespace l4s::pcap {

// What the responses on a connection need to know of its requests: a response
// names neither its method nor its URI, only its place in the order.
struct HttpExchange {
  std::deque<size_t> pending_fetches;       // kJavaClassFetch events awaiting their response
  std::deque<std::string> request_methods;  // a HEAD's response has no body
};

enum class BodyFraming { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kUntilClose };

// Where a direction is in its current message, and the body bytes kept.
struct HttpMessageState {
  BodyFraming framing = BodyFraming::kHead;
  size_t head_scan = 0;    // bytes of an incomplete head already searched for its end
  uint64_t remaining = 0;  // body or chunk bytes still to come
  std::string body;        // body bytes kept (the request's to examine, the response's magic)

  // Consumes body bytes from `buf` per the framing; keeps up to `keep_limit`
  // of them in `body`. Returns false when it needs more bytes.
  bool body_step(std::string& buf, size_t keep_limit);
};

struct HttpRequestState : HttpMessageState {
  HttpRequestInfo request;  // the current request (the context of its detections)

  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);

 private:
  void on_head(std::string_view head, const FlowEndpoints& ep, const StreamContext& cx);
};

struct HttpResponseState : HttpMessageState {
  size_t fetch_event = SIZE_MAX;  // the class fetch this response answers, to complete with the body's magic

  StreamNext consume(std::string& buf, bool at_end, const StreamContext& cx);

 private:
  void mark_fetch_magic(Recorder& rec);
};

}  // namespace l4s::pcap
