// `log4shield fleet serve`: the HTTPS endpoint hosts upload their reports to,
// and `fleet token create|list|revoke` to manage who may. The work is
// serve's (Api, Server) and fleet's (tokens); this file parses flags.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/fleet_common.h"
#include "core/clock.h"
#include "fleet/store.h"
#include "fleet/tokens.h"
#include "serve/api.h"
#include "serve/server.h"
#include "serve/store_pool.h"

namespace l4s::cli {
namespace {

struct ServeFlags {
  std::string db = "fleet.db";
  serve::ServerOptions server;
  serve::ApiLimits limits;
  double max_body_mib = 64, max_inflated_mib = 512;
  double header_timeout = 10, body_timeout = 120;
  size_t db_connections = 4;
};

int run_serve(ServeFlags f) {
  f.limits.max_body = static_cast<size_t>(f.max_body_mib * 1024 * 1024);
  f.limits.max_decompressed = static_cast<size_t>(f.max_inflated_mib * 1024 * 1024);
  f.server.max_body = f.limits.max_body;
  f.server.header_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.header_timeout * 1000));
  f.server.body_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.body_timeout * 1000));
  auto pool = serve::StorePool::open(f.db, f.db_connections);
  if (!pool.ok()) {
    std::cerr << "log4shield fleet serve: " << pool.error() << "\n";
    return kExitIncomplete;
  }
  serve::Metrics metrics;
  serve::Api api(**pool, f.limits, metrics);
  auto server = serve::Server::bind(f.server, api, metrics);
  if (!server.ok()) {
    std::cerr << "log4shield fleet serve: " << server.error() << "\n";
    return kExitUsage;
  }
  if (f.server.insecure_http)
    std::cerr << "log4shield fleet serve: plain HTTP (--insecure-http): tokens and reports cross the network "
                 "unencrypted unless a TLS-terminating proxy is in front\n";
  std::cerr << fmt::format("log4shield fleet serve: listening on {} (store: {} {})\n", (*server)->url(),
                           (*pool)->engine(), (*pool)->redacted_spec())
            << std::flush;
  (*server)->run();
  std::cerr << "log4shield fleet serve: stopped\n";
  return kExitClean;
}

struct TokenFlags {
  std::string db = "fleet.db";
  std::string name, role, hosts = "*", expires, format = "text";
};

int with_store(const char* command, const std::string& spec, const std::function<int(fleet::Store&)>& run) {
  auto store = fleet::Store::open(spec);
  if (!store.ok()) {
    std::cerr << "log4shield " << command << ": " << store.error() << "\n";
    return kExitIncomplete;
  }
  return run(**store);
}

int run_token_create(const TokenFlags& f) {
  auto role = fleet::role_from_string(f.role);
  if (!role.ok()) {
    std::cerr << "log4shield fleet token create: " << role.error() << "\n";
    return kExitUsage;
  }
  return with_store("fleet token create", f.db, [&](fleet::Store& store) {
    auto token = fleet::create_token(store.db(), f.name, *role, f.hosts, f.expires, now_iso8601());
    if (!token.ok()) {
      std::cerr << "log4shield fleet token create: " << token.error() << "\n";
      return kExitUsage;
    }
    // The token on stdout alone (`> token-file`), once: only its hash is kept.
    std::cout << *token << "\n" << std::flush;
    std::cerr << fmt::format("token '{}' ({}, hosts {}{}) created; it is shown only now\n", f.name, f.role, f.hosts,
                             f.expires.empty() ? "" : ", expires " + f.expires);
    return kExitClean;
  });
}

int run_token_list(const TokenFlags& f) {
  if (f.format != "text" && f.format != "json") {
    std::cerr << "log4shield fleet token list: unknown --format " << f.format << " (text, json)\n";
    return kExitUsage;
  }
  return with_store("fleet token list", f.db, [&](fleet::Store& store) {
    auto tokens = fleet::list_tokens(store.db());
    if (!tokens.ok()) {
      std::cerr << "log4shield fleet token list: " << tokens.error() << "\n";
      return kExitIncomplete;
    }
    if (f.format == "json") {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const auto& t : *tokens)
        all.push_back({{"name", t.name}, {"role", fleet::to_string(t.role)}, {"hosts", t.hosts}, {"created", t.created},
                       {"expires", t.expires}, {"revoked", t.revoked}});
      std::cout << all.dump(2) << "\n";
      return kExitClean;
    }
    std::cout << fmt::format("{:<24} {:<7} {:<20} {:<21} {:<21} {}\n", "NAME", "ROLE", "HOSTS", "CREATED", "EXPIRES",
                             "REVOKED");
    for (const auto& t : *tokens)
      std::cout << fmt::format("{:<24} {:<7} {:<20} {:<21} {:<21} {}\n", t.name, fleet::to_string(t.role), t.hosts,
                               t.created, t.expires.empty() ? "-" : t.expires, t.revoked.empty() ? "-" : t.revoked);
    return kExitClean;
  });
}

int run_token_revoke(const TokenFlags& f) {
  return with_store("fleet token revoke", f.db, [&](fleet::Store& store) {
    auto revoked = fleet::revoke_token(store.db(), f.name, now_iso8601());
    if (!revoked.ok()) {
      std::cerr << "log4shield fleet token revoke: " << revoked.error() << "\n";
      return kExitIncomplete;
    }
    if (!*revoked) {
      std::cerr << "log4shield fleet token revoke: no token named '" << f.name << "'\n";
      return kExitUsage;
    }
    std::cerr << "token '" << f.name << "' revoked: every server refuses it from now on\n";
    return kExitClean;
  });
}

}  // namespace

void add_fleet_serve_commands(CLI::App& fleet, int& exit_code) {
  auto sf = std::make_shared<ServeFlags>();
  CLI::App* serve = fleet.add_subcommand(
      "serve", "HTTPS API that hosts upload reports to (per-host tokens), with the live status, HTML report and metrics");
  serve->add_option("--listen", sf->server.listen, "ADDR:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--db", sf->db, "SQLite file or postgresql://user@host/db URI (many servers may share one)")
      ->capture_default_str();
  serve->add_option("--tls-cert", sf->server.tls_cert, "PEM certificate chain");
  serve->add_option("--tls-key", sf->server.tls_key, "PEM private key");
  serve->add_flag("--insecure-http", sf->server.insecure_http,
                  "Plain HTTP, for a TLS-terminating reverse proxy in front (never on an open network)");
  serve->add_option("--max-body", sf->max_body_mib, "Largest request body, MiB as sent")->capture_default_str();
  serve->add_option("--max-inflated", sf->max_inflated_mib, "Largest body after gzip decoding, MiB")
      ->capture_default_str();
  serve->add_option("--max-connections", sf->server.max_connections, "Connections open at once; more are closed")
      ->capture_default_str();
  serve->add_option("--header-timeout", sf->header_timeout, "Seconds for the TLS handshake and each request header")
      ->capture_default_str();
  serve->add_option("--body-timeout", sf->body_timeout, "Seconds for the rest of a request and its response")
      ->capture_default_str();
  serve->add_option("--rate", sf->limits.uploads_per_second, "Uploads per second per token, sustained (0: no limit)")
      ->capture_default_str();
  serve->add_option("--burst", sf->limits.upload_burst, "Uploads per token at once before --rate applies")
      ->capture_default_str();
  serve->add_option("--workers", sf->server.workers, "Request threads (0: twice the cores)")->capture_default_str();
  serve->add_option("--db-connections", sf->db_connections, "PostgreSQL connections (SQLite uses one)")
      ->capture_default_str();
  serve->callback([sf, &exit_code] { exit_code = run_serve(*sf); });

  CLI::App* token = fleet.add_subcommand("token", "Create, list and revoke the tokens `fleet serve` accepts");
  token->require_subcommand(1);
  auto tf = std::make_shared<TokenFlags>();
  CLI::App* create = token->add_subcommand("create", "Create a token and print it once (only its hash is stored)");
  create->add_option("--db", tf->db, "SQLite file or postgresql://user@host/db URI")->capture_default_str();
  create->add_option("--name", tf->name, "Unique name (shown with each upload)")->required();
  create->add_option("--role", tf->role, "upload (send reports), read (status, report, metrics) or admin (both)")
      ->required();
  create->add_option("--hosts", tf->hosts, "Glob of the hosts an upload token may report (web*, *.dmz.example)")
      ->capture_default_str();
  create->add_option("--expires", tf->expires, "DATE (YYYY-MM-DD, UTC midnight) or YYYY-MM-DDTHH:MM:SSZ");
  create->callback([tf, &exit_code] { exit_code = run_token_create(*tf); });
  CLI::App* list = token->add_subcommand("list", "Tokens, their role, scope, expiry and revocation (never the secret)");
  list->add_option("--db", tf->db, "SQLite file or postgresql://user@host/db URI")->capture_default_str();
  list->add_option("--format,-f", tf->format, "Output: text, json")->capture_default_str();
  list->callback([tf, &exit_code] { exit_code = run_token_list(*tf); });
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token: every server refuses it from the next request");
  revoke->add_option("name", tf->name, "Token name")->required();
  revoke->add_option("--db", tf->db, "SQLite file or postgresql://user@host/db URI")->capture_default_str();
  revoke->callback([tf, &exit_code] { exit_code = run_token_revoke(*tf); });
}

}  // namespace l4s::cli
