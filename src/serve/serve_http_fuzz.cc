// `fleet serve` on hostile requests: raw bytes through Beast's request parser
// (the server's), then the API on an in-memory store. Even inputs carry a
// valid upload token, so bodies reach the report parser and the store; the
// store must never hold a partial report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/clock.h"
#include "fleet/tokens.h"
#include "serve/api.h"

namespace {

namespace http = boost::beast::http;
using namespace l4s;

struct Fixture {
  std::unique_ptr<serve::StorePool> pool;
  serve::Metrics metrics;
  std::unique_ptr<serve::Api> api;
  std::string token;
  Fixture() {
    auto p = serve::StorePool::open(":memory:", 1);
    if (!p.ok()) std::abort();
    pool = std::move(*p);
    serve::ApiLimits limits;
    limits.uploads_per_second = 0;
    limits.max_decompressed = 8u << 20;
    api = std::make_unique<serve::Api>(*pool, limits, metrics);
    auto lease = pool->acquire();
    auto t = fleet::create_token(lease.get()->db(), "fuzz", fleet::Role::kAdmin, "*", "", now_iso8601());
    if (!t.ok()) std::abort();
    token = *t;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  const bool authorized = data[0] % 2 == 0;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1u << 20);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data + 1, size - 1), ec);
  if (ec || !parser.is_done()) return 0;
  auto& req = parser.get();
  serve::Request r;
  r.method = std::string(req.method_string().data(), req.method_string().size());
  r.target = std::string(req.target().data(), req.target().size());
  for (const auto& f : req) {
    std::string name(f.name_string().data(), f.name_string().size());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value().data(), f.value().size());
  }
  if (authorized) r.headers["authorization"] = "Bearer " + fixture.token;
  r.body = req.body();
  r.peer = "fuzz";
  serve::Response response = fixture.api->handle(r);
  if (response.status < 100 || response.status > 599) std::abort();
  // Every stored report has its upload recorded in the same transaction.
  auto lease = fixture.pool->acquire();
  auto rows = lease.get()->db().query(
      "SELECT COUNT(*) FROM reports WHERE hash NOT IN (SELECT report FROM uploads)");
  if (!rows.ok() || (*rows)[0][0] != std::optional<std::string>("0")) std::abort();
  return 0;
}
