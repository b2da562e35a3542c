// `log4shield canary`: LDAP/RMI/DNS/HTTP listeners that record every JNDI
// callback into the SQLite store and serve nothing; `--list` prints the store.
#include <array>
#include <cstdio>
#include <iostream>
#include <memory>

#include <asio/io_context.hpp>

#include "canary/canary.h"
#include "cli/commands.h"
#include "cli/upload_flags.h"
#include "core/host.h"
#include "net/callback_store.h"

namespace l4s::cli {
namespace {

struct CanaryFlags {
  std::vector<std::string> ldap, rmi, dns, http;
  std::string zone;
  std::string answer;
  std::string db = "log4shield-canary.db";
  std::string format = "text";
  bool list = false;
  std::string token;
  double idle_timeout = 10;
  size_t max_connections = 1024;
  bool allow_non_loopback = false;
  UploadFlags upload;
};

void print(const net::Callback& cb, bool jsonl) {
  std::cout << (jsonl ? net::format_json(cb) : net::format_text(cb)) << '\n' << std::flush;
}

// The callbacks as the report the fleet server takes: one JSON line each.
upload::Report canary_report(const std::string& jsonl) { return {jsonl, host_name(), "canary"}; }

int list_callbacks(net::CallbackStore& store, const CanaryFlags& flags) {
  auto rows = flags.token.empty() ? store.list() : store.find(flags.token);
  if (!rows.ok()) {
    std::cerr << "log4shield canary: " << rows.error() << "\n";
    return kExitIncomplete;
  }
  std::string jsonl;
  for (const auto& cb : *rows) {
    print(cb, flags.format == "jsonl");
    if (flags.upload.enabled()) jsonl += net::format_json(cb) + "\n";
  }
  return upload_after_run("canary", flags.upload, canary_report(jsonl), rows->empty() ? kExitClean : kExitFound);
}

// Builds the listener list from the flags; false (with a message) on a bad address.
bool add_listeners(const CanaryFlags& flags, net::CanaryOptions* options) {
  auto add = [&](net::Protocol p, const std::vector<std::string>& addrs) {
    for (const auto& a : addrs) {
      auto ep = net::parse_endpoint(a);
      if (!ep.ok()) {
        std::cerr << "log4shield canary: --" << net::to_string(p) << ": " << ep.error() << "\n";
        return false;
      }
      options->listen.push_back({p, *ep});
    }
    return true;
  };
  if (!add(net::Protocol::kLdap, flags.ldap) || !add(net::Protocol::kRmi, flags.rmi) ||
      !add(net::Protocol::kDns, flags.dns) || !add(net::Protocol::kHttp, flags.http))
    return false;
  if (options->listen.empty()) {  // the two protocols Log4Shell payloads use
    options->listen.push_back({net::Protocol::kLdap, {"127.0.0.1", 1389}});
    options->listen.push_back({net::Protocol::kRmi, {"127.0.0.1", 1099}});
  }
  return true;
}

bool parse_ipv4(const std::string& s, std::array<uint8_t, 4>* out) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return false;
  *out = {static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(c), static_cast<uint8_t>(d)};
  return true;
}

int run_canary(CanaryFlags& flags) {
  if (flags.format != "text" && flags.format != "jsonl") {
    std::cerr << "log4shield canary: unknown --format " << flags.format << " (text, jsonl)\n";
    return kExitUsage;
  }
  if (!prepare_upload("canary", flags.upload)) return kExitUsage;
  auto store = net::CallbackStore::open(flags.db);
  if (!store.ok()) {
    std::cerr << "log4shield canary: " << store.error() << "\n";
    return kExitIncomplete;
  }
  if (flags.list) return list_callbacks(**store, flags);

  net::CanaryOptions options;
  if (!add_listeners(flags, &options)) return kExitUsage;
  if (!flags.zone.empty()) {
    auto zone = net::dns_parse_zone(flags.zone);
    if (!zone.ok()) {
      std::cerr << "log4shield canary: --zone: " << zone.error() << "\n";
      return kExitUsage;
    }
    options.dns.zone = *zone;
  }
  if (!flags.answer.empty()) {
    std::array<uint8_t, 4> ip;
    if (!parse_ipv4(flags.answer, &ip) || flags.zone.empty()) {
      std::cerr << "log4shield canary: --answer needs an IPv4 address and a --zone\n";
      return kExitUsage;
    }
    options.dns.answer = ip;
  }
  options.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(flags.idle_timeout * 1000));
  options.max_connections = flags.max_connections;
  options.allow_non_loopback = flags.allow_non_loopback;

  const bool jsonl = flags.format == "jsonl";
  net::CallbackStore& db = **store;
  std::string seen_jsonl;  // this run's callbacks, for --upload
  const bool keep = flags.upload.enabled();
  auto sink = [&db, jsonl, keep, &seen_jsonl](const net::Callback& seen) {
    net::Callback cb = seen;
    // Printed even when the store fails: the callback must not be lost.
    if (Status s = db.add(&cb); !s.ok()) std::cerr << "log4shield canary: not stored: " << s.error() << "\n";
    print(cb, jsonl);
    if (keep) seen_jsonl += net::format_json(cb) + "\n";
  };
  asio::io_context io;
  auto canary = net::Canary::start(io, options, sink);
  if (!canary.ok()) {
    std::cerr << "log4shield canary: " << canary.error() << "\n";
    return kExitIncomplete;
  }
  // Listening addresses go to stderr so that stdout carries only callbacks.
  for (const auto& b : (*canary)->bound())
    std::cerr << "log4shield canary: " << net::to_string(b.protocol) << " listening on " << b.at.text() << " ("
              << b.transport << ")\n";
  std::cerr << "log4shield canary: recording to " << flags.db << std::flush << "\n";
  (*canary)->run_until_signal(io);
  canary->reset();
  return upload_after_run("canary", flags.upload, canary_report(seen_jsonl), kExitClean);
}

}  // namespace

void add_canary_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CanaryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "canary",
      "Listen for JNDI callbacks (LDAP, RMI, DNS, HTTP), record each into a SQLite file and serve nothing. "
      "Without a listener flag: LDAP on 127.0.0.1:1389 and RMI on 127.0.0.1:1099. Port 0 picks a free port.");
  cmd->add_option("--ldap", flags->ldap, "LDAP listener ADDR:PORT; repeatable");
  cmd->add_option("--rmi", flags->rmi, "RMI registry listener ADDR:PORT; repeatable");
  cmd->add_option("--dns", flags->dns, "DNS listener ADDR:PORT (UDP and TCP); repeatable");
  cmd->add_option("--http", flags->http, "HTTP listener ADDR:PORT; repeatable");
  cmd->add_option("--zone", flags->zone, "DNS zone the canary is authoritative for (others get REFUSED)");
  cmd->add_option("--answer", flags->answer, "Answer A queries in --zone with this IPv4 address instead of NXDOMAIN");
  cmd->add_option("--db", flags->db, "SQLite file the callbacks are recorded in")->capture_default_str();
  cmd->add_option("--format,-f", flags->format, "Output: text or jsonl")->capture_default_str();
  cmd->add_flag("--list", flags->list, "Print the recorded callbacks and exit (exit 1 if any)");
  cmd->add_option("--token", flags->token, "With --list: only callbacks carrying this token");
  cmd->add_option("--idle-timeout", flags->idle_timeout, "Close connections silent for this many seconds")
      ->capture_default_str()->check(CLI::Range(0.05, 3600.0));
  cmd->add_option("--max-connections", flags->max_connections, "Open connections at most")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_flag("--allow-non-loopback", flags->allow_non_loopback,
                "Allow listening on addresses other than loopback (reachable by anyone who can route to them)");
  add_upload_flags(*cmd, flags->upload);
  cmd->callback([flags, &exit_code] { exit_code = run_canary(*flags); });
}

}  // namespace l4s::cli
