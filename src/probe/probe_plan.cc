#include "probe/probe_plan.h"

#include <cctype>
#include <cstdio>
#include <strings.h>

#include "net/token.h"
#include "probe/probe_headers.inc"  // kHeadersMinimal, kHeadersFull: data/headers-*.txt

namespace l4s::net {
namespace {

struct Url {
  std::string base;   // scheme://authority
  std::string path;   // "/" at least
  std::string query;  // without '?'
};

Result<Url> split_url(const std::string& s) {
  size_t scheme_end = s.find("://");
  if (scheme_end == std::string::npos) return Error{"not a URL: " + s};
  std::string scheme = s.substr(0, scheme_end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return Error{"only http and https targets: " + s};
  size_t auth_end = s.find_first_of("/?#", scheme_end + 3);
  if (auth_end == scheme_end + 3) return Error{"no host in " + s};
  Url u;
  u.base = s.substr(0, auth_end);
  if (auth_end == std::string::npos) {
    u.path = "/";
    return u;
  }
  std::string rest = s.substr(auth_end);
  rest = rest.substr(0, rest.find('#'));
  size_t q = rest.find('?');
  u.path = rest.substr(0, q);
  if (u.path.empty()) u.path = "/";
  if (q != std::string::npos) u.query = rest.substr(q + 1);
  return u;
}

std::vector<std::pair<std::string, std::string>> split_query(const std::string& q) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= q.size() && !q.empty()) {
    size_t amp = q.find('&', start);
    if (amp == std::string::npos) amp = q.size();
    std::string part = q.substr(start, amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
    }
    start = amp + 1;
  }
  return out;
}

std::string join_query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// How a header carries the payload: some need a shape to be parsed and logged.
std::string header_value(const std::string& name, const std::string& payload) {
  if (strcasecmp(name.c_str(), "Referer") == 0 || strcasecmp(name.c_str(), "Origin") == 0 ||
      strcasecmp(name.c_str(), "Location") == 0)
    return "https://" + payload;
  if (strcasecmp(name.c_str(), "Authorization") == 0) return "Bearer " + payload;
  if (strcasecmp(name.c_str(), "Cookie") == 0) return "session=" + payload;
  return payload;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// One planned point before payloads: kind + name.
struct Point {
  enum Kind { kHeader, kQuery, kPath, kForm, kJson } kind;
  std::string name;
  std::string label() const {
    switch (kind) {
      case kHeader: return "header:" + name;
      case kQuery: return "query:" + name;
      case kPath: return "path";
      case kForm: return "form:" + name;
      case kJson: return "json:" + name;
    }
    return "";
  }
};

// Applies injections of one request kind to a request.
void apply(const Url& url, const std::vector<std::pair<Point, Injection>>& items, ProbeRequest* r) {
  auto params = split_query(url.query);
  std::string path = url.path;
  std::vector<std::pair<std::string, std::string>> body;
  bool is_json = false;
  for (const auto& [point, inj] : items) {
    switch (point.kind) {
      case Point::kHeader:
        r->headers.emplace_back(point.name, header_value(point.name, inj.payload));
        break;
      case Point::kQuery: {
        bool replaced = false;
        for (auto& [k, v] : params) {
          if (k != point.name) continue;
          v = percent_encode(inj.payload);
          replaced = true;
        }
        if (!replaced) params.emplace_back(point.name, percent_encode(inj.payload));
        break;
      }
      case Point::kPath:
        path += (path.back() == '/' ? "" : "/") + path_segment(inj.payload);
        break;
      case Point::kForm:
        body.emplace_back(point.name, percent_encode(inj.payload));
        break;
      case Point::kJson:
        body.emplace_back(point.name, inj.payload);
        is_json = true;
        break;
    }
    r->injections.push_back(inj);
  }
  std::string query = join_query(params);
  r->url = url.base + path + (query.empty() ? "" : "?" + query);
  if (body.empty()) {
    r->method = "GET";
    return;
  }
  r->method = "POST";
  if (is_json) {
    r->content_type = "application/json";
    r->body = "{";
    for (size_t i = 0; i < body.size(); ++i)
      r->body += (i ? "," : "") + json_string(body[i].first) + ":" + json_string(body[i].second);
    r->body += "}";
  } else {
    r->content_type = "application/x-www-form-urlencoded";
    r->body = join_query(body);
  }
}

}  // namespace

Result<std::vector<ProbeRequest>> plan_probes(const std::string& target, const ProbePlanOptions& options,
                                              std::mt19937_64& rng) {
  auto url = split_url(target);
  if (!url.ok()) return Error{url.error()};
  std::vector<const PayloadVariant*> variants;
  for (const auto& id : options.variants) {
    const PayloadVariant* v = find_variant(id);
    if (!v) return Error{"unknown payload variant: " + id};
    variants.push_back(v);
  }

  std::vector<Point> points;
  for (const auto& h : options.headers) points.push_back({Point::kHeader, h});
  if (options.query) {
    bool has_new = false;
    for (const auto& [k, v] : split_query(url->query)) {
      points.push_back({Point::kQuery, k});
      has_new |= k == options.new_param;
    }
    if (!has_new) points.push_back({Point::kQuery, options.new_param});
  }
  if (options.path) points.push_back({Point::kPath, ""});
  if (options.form)
    for (const auto& f : options.body_fields) points.push_back({Point::kForm, f});
  if (options.json)
    for (const auto& f : options.body_fields) points.push_back({Point::kJson, f});

  // Requests by "kind group": GET-side points, form body, JSON body.
  auto group = [](Point::Kind k) { return k == Point::kForm ? 1 : k == Point::kJson ? 2 : 0; };
  std::vector<ProbeRequest> out;
  for (const PayloadVariant* v : variants) {
    std::vector<std::pair<Point, Injection>> bundles[3];
    for (const Point& p : points) {
      Injection inj{p.label(), v->id, make_token(rng), ""};
      auto payload = make_payload(*v, options.context, inj.token);
      if (!payload.ok()) return Error{payload.error()};
      inj.payload = *payload;
      if (options.bundle) {
        bundles[group(p.kind)].emplace_back(p, std::move(inj));
        continue;
      }
      ProbeRequest r;
      r.target = target;
      apply(*url, {{p, std::move(inj)}}, &r);
      out.push_back(std::move(r));
    }
    for (auto& b : bundles) {
      if (b.empty()) continue;
      ProbeRequest r;
      r.target = target;
      apply(*url, b, &r);
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<std::string> probe_headers(HeaderList list) {
  auto parsed = parse_header_list(list == HeaderList::kMinimal ? kHeadersMinimal : kHeadersFull);
  return parsed.ok() ? *parsed : std::vector<std::string>{};
}

Result<std::vector<std::string>> parse_header_list(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    for (char c : line)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
        return Error{"bad header name: " + std::string(line)};
    out.emplace_back(line);
  }
  return out;
}

}  // namespace l4s::net
