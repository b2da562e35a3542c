#include "hunt/log_structure.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace l4s::hunt {
namespace {

constexpr int kMaxNesting = 3;  // a JSON value holding a JSON line (Docker's "log") holding ...

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Fields that hold a request target as the server received it (encoded),
// by the names JSON access logs (nginx, ECS, ALB, CloudFront), W3C and
// Zeek give them.
bool names_request_target(std::string_view field) {
  size_t dot = field.rfind('.');
  std::string last = lower(dot == std::string_view::npos ? field : field.substr(dot + 1));
  std::string whole = lower(field);
  static constexpr std::string_view kNames[] = {
      "uri",        "url",          "request_uri", "requesturi", "request_url", "path",      "query",
      "querystring", "query_string", "args",       "request_path", "cs-uri-stem", "cs-uri-query", "cs-uri",
      "cs_uri_stem", "cs_uri_query", "target",     "request_target"};
  if (std::find(std::begin(kNames), std::end(kNames), last) != std::end(kNames)) return true;
  // ECS "url.original", "url.full", "url.path", "url.query"
  return whole.starts_with("url.") || whole == "http.request.uri";
}

// Message fields come first: that is what the application logged.
int field_rank(std::string_view field) {
  std::string f = lower(field);
  for (std::string_view m : {"message", "msg", "log", "@message", "log.message", "message.text", "text"})
    if (f == m) return 0;
  return 1;
}

void add_message(std::string text, std::string field, LayerSet upstream, int depth, const LogFormatHints& hints,
                 std::vector<LogMessage>* out);

// A JSON object line, each string value with its key path.
class JsonValues : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return after_value(); }
  bool number_unsigned(number_unsigned_t) override { return after_value(); }
  bool number_float(number_float_t, const string_t&) override { return after_value(); }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& value) override {
    values.push_back({path(), std::move(value)});
    return after_value();
  }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    in_object_.push_back(true);
    return ++depth_ <= 512;
  }
  bool key(string_t& key) override {
    keys_.back() = std::move(key);
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    in_object_.pop_back();
    --depth_;
    return after_value();
  }
  bool start_array(std::size_t) override {
    in_object_.push_back(false);
    return ++depth_ <= 512;
  }
  bool end_array() override {
    in_object_.pop_back();
    --depth_;
    return after_value();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  std::vector<std::pair<std::string, std::string>> values;  // key path, value

 private:
  bool after_value() { return true; }
  std::string path() const {
    std::string p;
    for (const std::string& k : keys_) {
      if (!p.empty()) p += '.';
      p += k;
    }
    return p;
  }
  std::vector<std::string> keys_;
  std::vector<bool> in_object_;
  int depth_ = 0;
};

bool split_json(std::string_view text, int depth, const LogFormatHints& hints, std::vector<LogMessage>* out) {
  // A NUL cannot be in JSON, and the parser would stop at it: text.
  if (text.find('\0') != std::string_view::npos) return false;
  JsonValues sax;
  if (!nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true)) return false;
  if (sax.values.empty()) return false;  // no string for Log4j to have seen: read the line as text
  std::stable_sort(sax.values.begin(), sax.values.end(),
                   [](const auto& a, const auto& b) { return field_rank(a.first) < field_rank(b.first); });
  for (auto& [field, value] : sax.values) {
    LayerSet upstream = layer_bit(Layer::kBasicAuth);
    if (names_request_target(field)) upstream |= kRequestTargetLayers;
    add_message(std::move(value), field, upstream, depth + 1, hints, out);
  }
  return true;
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '@' || c == '/';
}

// logfmt ("ts=... level=info msg=\"a b\" ua=x"): unquoted values end at a
// space, quoted ones are Go-quoted strings. A line is logfmt when it starts
// with key=value and holds at least two pairs; anything malformed makes it
// plain text.
bool split_logfmt(std::string_view line, const LogFormatHints& hints, std::vector<LogMessage>* out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t p = 0;
  while (p < line.size()) {
    while (p < line.size() && is_space(line[p])) ++p;
    if (p >= line.size()) break;
    size_t key_start = p;
    while (p < line.size() && is_key_char(line[p])) ++p;
    std::string_view key = line.substr(key_start, p - key_start);
    if (key.empty() || p >= line.size() || line[p] != '=') {
      if (pairs.empty()) return false;  // must start with a pair
      // A bare word: logfmt allows keys without values.
      while (p < line.size() && !is_space(line[p])) ++p;
      pairs.emplace_back(std::string(line.substr(key_start, p - key_start)), std::string());
      continue;
    }
    ++p;
    std::string value;
    if (p < line.size() && line[p] == '"') {
      ++p;
      bool closed = false;
      while (p < line.size()) {
        char c = line[p++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\' || p >= line.size()) {
          value += c;
          continue;
        }
        char e = line[p++];
        switch (e) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case 'r': value += '\r'; break;
          case '"': case '\\': case '/': value += e; break;
          case 'u': {
            std::string decoded;
            std::vector<Layer> seen;
            std::string escape = "\\u" + std::string(line.substr(p, 4));
            if (p + 4 <= line.size() && decode_backslash_escapes(escape, &decoded, &seen, layer_bit(Layer::kUnicodeEscape)) &&
                decoded != escape) {
              value += decoded;
              p += 4;
            } else {
              return false;
            }
            break;
          }
          default: return false;  // not what a logfmt encoder writes
        }
      }
      if (!closed || (p < line.size() && !is_space(line[p]))) return false;
    } else {
      size_t start = p;
      while (p < line.size() && !is_space(line[p])) ++p;
      value = std::string(line.substr(start, p - start));
    }
    pairs.emplace_back(std::string(key), std::move(value));
  }
  size_t with_values = std::count_if(pairs.begin(), pairs.end(), [](const auto& kv) { return !kv.second.empty(); });
  if (with_values < 2) return false;
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return field_rank(a.first) < field_rank(b.first); });
  for (auto& [key, value] : pairs) {
    if (value.empty()) {
      value = key;  // a bare word is text too
      key.clear();
    }
    LayerSet upstream = layer_bit(Layer::kBasicAuth);
    if (names_request_target(key)) upstream |= kRequestTargetLayers;
    add_message(std::move(value), key, upstream, kMaxNesting, hints, out);
  }
  return true;
}

// RFC 4180 fields of one line; false when a quote is unbalanced.
bool split_csv(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  size_t p = 0;
  for (;;) {
    std::string field;
    if (p < line.size() && line[p] == '"') {
      ++p;
      for (;;) {
        if (p >= line.size()) return false;
        if (line[p] == '"') {
          if (p + 1 < line.size() && line[p + 1] == '"') {
            field += '"';
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        field += line[p++];
      }
      if (p < line.size() && line[p] != ',') return false;
    } else {
      size_t comma = line.find(',', p);
      size_t end = comma == std::string_view::npos ? line.size() : comma;
      field = std::string(line.substr(p, end - p));
      p = end;
    }
    fields->push_back(std::move(field));
    if (p >= line.size()) return true;
    ++p;  // the comma
  }
}

// Zeek escapes bytes it cannot print, and its separator, as \xHH; an
// attacker's literal "\x24" is printable and stays as it came.
std::string unescape_zeek(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(s[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 3]))) {
      int v = std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16);
      if (v < 0x20 || v >= 0x7f || v == '\\') {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool split_columns(std::string_view line, const LogFormatHints& hints, std::vector<LogMessage>* out) {
  std::vector<std::string> values;
  if (hints.syntax == LogSyntax::kCsv) {
    if (!split_csv(line, &values)) return false;
  } else {
    size_t start = 0;
    while (start <= line.size()) {
      size_t sep = line.find(hints.separator, start);
      values.emplace_back(line.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
      if (sep == std::string_view::npos) break;
      start = sep + 1;
    }
  }
  if (values.size() != hints.columns.size()) return false;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string value = std::move(values[i]);
    if (hints.syntax == LogSyntax::kZeekTsv) value = unescape_zeek(value);
    if (value.empty() || value == "-") continue;
    LayerSet upstream = layer_bit(Layer::kBasicAuth);
    if (names_request_target(hints.columns[i])) upstream |= kRequestTargetLayers;
    out->push_back({std::move(value), hints.columns[i], upstream});
  }
  if (out->empty()) out->push_back({std::string(line), "", layer_bit(Layer::kBasicAuth)});
  return true;
}

// What syslog puts before a forwarded JSON line: "<134>..." or
// "Dec 10 12:34:56 host tag[pid]:". A plain-text application line that
// logs a JSON body is not one: Log4j saw that body unparsed.
bool is_syslog_header(std::string_view prefix) {
  prefix = trim(prefix);
  if (prefix.size() >= 3 && prefix[0] == '<' && std::isdigit(static_cast<unsigned char>(prefix[1]))) return true;
  static constexpr std::string_view kMonths[] = {"Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ",
                                                 "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "};
  return !prefix.empty() && prefix.back() == ':' &&
         std::any_of(std::begin(kMonths), std::end(kMonths), [&](std::string_view m) { return prefix.starts_with(m); });
}

void add_plain(std::string text, std::string field, LayerSet upstream, std::vector<LogMessage>* out) {
  std::vector<std::string> targets;
  if ((upstream & kRequestTargetLayers) == 0) {
    for (std::string_view t : find_request_targets(text)) targets.emplace_back(t);
  }
  out->push_back({std::move(text), std::move(field), upstream});
  for (std::string& t : targets) out->push_back({std::move(t), "request_target", static_cast<LayerSet>(upstream | kRequestTargetLayers)});
}

// A value: a JSON line of its own (Docker's "log" field), or text.
void add_message(std::string text, std::string field, LayerSet upstream, int depth, const LogFormatHints& hints,
                 std::vector<LogMessage>* out) {
  std::string_view body = trim(text);
  if (depth < kMaxNesting && body.size() >= 2 && body.front() == '{' && body.back() == '}') {
    std::vector<LogMessage> inner;
    if (split_json(body, depth, hints, &inner)) {
      for (LogMessage& m : inner) {
        if (!field.empty()) m.field = field + "." + m.field;
        out->push_back(std::move(m));
      }
      return;
    }
  }
  add_plain(std::move(text), std::move(field), upstream, out);
}

}  // namespace

std::vector<std::string_view> find_request_targets(std::string_view text) {
  std::vector<std::string_view> targets;
  for (size_t at = text.find(" HTTP/"); at != std::string_view::npos; at = text.find(" HTTP/", at + 1)) {
    size_t start = at;
    while (start > 0 && text[start - 1] != ' ' && text[start - 1] != '"') --start;
    if (start == at || start < 2 || text[start - 1] != ' ') continue;
    size_t method_end = start - 1;
    size_t method_start = method_end;
    while (method_start > 0 && std::isupper(static_cast<unsigned char>(text[method_start - 1]))) --method_start;
    size_t method_length = method_end - method_start;
    if (method_length < 3 || method_length > 12) continue;
    if (method_start > 0 && std::isalnum(static_cast<unsigned char>(text[method_start - 1]))) continue;
    targets.push_back(text.substr(start, at - start));
  }
  return targets;
}

std::vector<LogMessage> split_log_line(std::string_view line, const LogFormatHints& hints) {
  std::vector<LogMessage> out;
  std::string_view body = trim(line);
  const LayerSet basic = layer_bit(Layer::kBasicAuth);
  if (hints.syntax != LogSyntax::kUnknown && !line.starts_with("#") && split_columns(line, hints, &out)) return out;
  out.clear();
  if (body.size() >= 2 && body.back() == '}') {
    // A JSON line, or a JSON object after a prefix ("<134>Dec 10 host app: {...}").
    size_t open = body.front() == '{' ? 0 : body.find(" {");
    if (open != 0 && open != std::string_view::npos) ++open;
    if (open != std::string_view::npos && (open == 0 || is_syslog_header(body.substr(0, open))) &&
        split_json(body.substr(open), 0, hints, &out)) {
      std::string_view prefix = trim(body.substr(0, open));
      if (!prefix.empty()) add_plain(std::string(prefix), "prefix", basic, &out);
      return out;
    }
    out.clear();
  }
  if (split_logfmt(body, hints, &out)) return out;
  out.clear();
  add_plain(std::string(line), "", basic, &out);
  return out;
}

}  // namespace l4s::hunt
