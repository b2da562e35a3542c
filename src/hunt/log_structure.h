// What Log4j saw of a log line.
//
// A structured log wraps each value an application logged in its own syntax:
// a JSON layout quotes and escapes the message, logfmt quotes values with
// spaces, CSV doubles quotes, W3C/IIS and Zeek logs put fields in columns.
// Log4j saw the value, not the line around it: evaluating the raw line lets
// the object's closing '}' complete a lookup Log4j never completed, and lets
// escapes create or break one. split_log_line cuts a line into the values it
// holds, undoing exactly the escaping its format applied, and says for each
// which decoding the path from the request to the logger applied upstream of
// the application (a web server percent-decodes the request target before the
// application logs it; it decodes Basic credentials). Anything else a value
// holds in encoded form reached Log4j encoded, and Log4j decodes nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hunt/decoders.h"
#include "hunt/log_fields.h"

namespace l4s::hunt {

struct LogMessage {
  std::string text;   // the value as the application had it
  std::string field;  // where it was: JSON key path, logfmt key, column name,
                      // "request_target"; "" for a whole unstructured line
  LayerSet decoded_upstream = kNoLayers;  // layers peeled before the application logged it
};

// The values of `line`, in the order an analyst reads them (a JSON object's
// message first). A line of no known structure is one message: the line
// itself (and the request target of an HTTP request line in it, apart). Never
// empty for a non-empty line.
std::vector<LogMessage> split_log_line(std::string_view line, const LogFormatHints& hints = {});

// The request targets of HTTP request lines ("GET /a?b HTTP/1.1") in `text`.
std::vector<std::string_view> find_request_targets(std::string_view text);

}  // namespace l4s::hunt
