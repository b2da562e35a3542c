// `log4shield probe URL...`: send harmless JNDI payloads with a token per
// injection point to the given targets only, then correlate with what the
// canary recorded in the shared SQLite file.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/upload_flags.h"
#include "core/host.h"
#include "net/callback_store.h"
#include "net/token.h"
#include "probe/http_sender.h"
#include "probe/probe_plan.h"
#include "probe/probe_report.h"

namespace l4s::cli {
namespace {

struct ProbeFlags {
  std::vector<std::string> urls;
  std::string targets_file;
  std::string callback = "127.0.0.1:1389";
  std::string callback_rmi = "127.0.0.1:1099";
  std::string callback_dns = "127.0.0.1:53";
  std::string zone;
  std::string variants = "ldap";
  std::string headers = "minimal";
  std::string points = "headers,query,path";
  bool bundle = false;
  std::string db = "log4shield-canary.db";
  double wait = 30;
  double rate = 10;
  size_t concurrency = 4;
  double timeout = 10;
  bool insecure = false;
  bool follow_redirects = false;
  std::string format = "text";
  UploadFlags upload;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Target {
  std::string url;
  std::string where;  // "FILE:LINE: " for a line of --targets, else ""
};

Result<std::vector<Target>> read_targets(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read " + path};
  std::vector<Target> out;
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty() && line[0] != '#') out.push_back({line, path + ":" + std::to_string(n) + ": "});
  }
  if (in.bad()) return Error{"cannot read " + path};
  return out;
}

// An error that quotes the input, shortened: a target line may be any bytes.
std::string shortened(const std::string& message) {
  constexpr size_t kMax = 300;
  return message.size() <= kMax ? message : message.substr(0, kMax) + "...";
}

// Fills the plan options from the flags; an error message for bad values.
Result<net::ProbePlanOptions> plan_options(const ProbeFlags& f) {
  net::ProbePlanOptions o;
  if (f.headers == "minimal") o.headers = net::probe_headers(net::HeaderList::kMinimal);
  else if (f.headers == "full") o.headers = net::probe_headers(net::HeaderList::kFull);
  else if (f.headers != "none") {
    std::ifstream in(f.headers);
    if (!in) return Error{"--headers: not minimal, full, none or a readable file: " + f.headers};
    std::stringstream ss;
    ss << in.rdbuf();
    auto list = net::parse_header_list(ss.str());
    if (!list.ok()) return Error{"--headers " + f.headers + ": " + list.error()};
    if (list->empty()) return Error{"--headers " + f.headers + ": no header name in it"};
    o.headers = *list;
  }
  o.query = o.path = false;
  bool headers_point = false;
  for (const auto& p : split_list(f.points)) {
    if (p == "headers") headers_point = true;
    else if (p == "query") o.query = true;
    else if (p == "path") o.path = true;
    else if (p == "form") o.form = true;
    else if (p == "json") o.json = true;
    else return Error{"--points: unknown point " + p + " (headers, query, path, form, json)"};
  }
  if (!headers_point) o.headers.clear();
  if (f.variants == "all") {
    o.variants.clear();
    for (const auto& v : net::payload_variants()) {
      std::string_view t = v.template_text;
      if (f.zone.empty() && t.find("{ZONE}") != std::string_view::npos) continue;
      o.variants.push_back(v.id);
    }
  } else {
    o.variants = split_list(f.variants);
  }
  o.context.ldap = f.callback;
  o.context.rmi = f.callback_rmi;
  o.context.dns = f.callback_dns;
  o.context.zone = f.zone;
  o.bundle = f.bundle;
  return o;
}

int run_probe(ProbeFlags& f) {
  if (f.format != "text" && f.format != "jsonl") {
    std::cerr << "log4shield probe: unknown --format " << f.format << " (text, jsonl)\n";
    return kExitUsage;
  }
  if (!prepare_upload("probe", f.upload)) return kExitUsage;
  std::vector<Target> targets;
  for (const auto& url : f.urls) targets.push_back({url, ""});
  if (!f.targets_file.empty()) {
    auto more = read_targets(f.targets_file);
    if (!more.ok()) {
      std::cerr << "log4shield probe: --targets: " << more.error() << "\n";
      return kExitUsage;
    }
    if (more->empty()) {
      std::cerr << "log4shield probe: --targets " << f.targets_file << ": no target URL in it\n";
      return kExitUsage;
    }
    targets.insert(targets.end(), more->begin(), more->end());
  }
  if (targets.empty()) {
    std::cerr << "log4shield probe: no targets (URL arguments or --targets FILE)\n";
    return kExitUsage;
  }
  auto options = plan_options(f);
  if (!options.ok()) {
    std::cerr << "log4shield probe: " << options.error() << "\n";
    return kExitUsage;
  }
  std::mt19937_64 rng(std::random_device{}());
  std::vector<net::ProbeRequest> requests;
  for (const auto& t : targets) {
    auto plan = net::plan_probes(t.url, *options, rng);
    if (!plan.ok()) {
      std::cerr << "log4shield probe: " << shortened(t.where + plan.error()) << "\n";
      return kExitUsage;
    }
    requests.insert(requests.end(), plan->begin(), plan->end());
  }

  if (!std::filesystem::exists(f.db))
    std::cerr << "log4shield probe: warning: " << f.db << " does not exist yet; is `log4shield canary --db " << f.db
              << "` running?\n";
  auto store = net::CallbackStore::open(f.db);
  if (!store.ok()) {
    std::cerr << "log4shield probe: " << store.error() << "\n";
    return kExitIncomplete;
  }
  auto before = (*store)->list();  // callbacks already recorded cannot be ours: tokens are fresh
  const int64_t after_id = before.ok() && !before->empty() ? before->back().id : 0;

  const std::string run = "run-" + net::make_token(rng);
  net::SendOptions send;
  send.concurrency = f.concurrency;
  send.rate = f.rate;
  send.timeout = std::chrono::milliseconds(static_cast<int64_t>(f.timeout * 1000));
  send.insecure = f.insecure;
  send.follow_redirects = f.follow_redirects;
  send.user_agent = "log4shield-probe/" L4S_VERSION;
  std::vector<net::SentProbe> sent;
  std::cerr << "log4shield probe: " << requests.size() << " request(s) to " << targets.size() << " target(s)\n";
  net::send_requests(requests, send, [&](size_t i, const net::SendResult& r) {
    for (const auto& inj : requests[i].injections)
      sent.push_back({inj.token, run, r.time_ms, requests[i].target, inj.point, inj.variant, inj.payload,
                      r.http_status, r.error});
  });
  // The registry lets a later `--list` (or another tool) attribute late callbacks.
  if (Status s = (*store)->add_probes(sent); !s.ok())
    std::cerr << "log4shield probe: probes not recorded: " << s.error() << "\n";

  if (f.wait > 0) {
    std::cerr << "log4shield probe: waiting " << f.wait << " s for callbacks\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(f.wait * 1000)));
  }
  auto callbacks = (*store)->list(after_id);
  if (!callbacks.ok()) {
    std::cerr << "log4shield probe: " << callbacks.error() << "\n";
    return kExitIncomplete;
  }
  auto results = net::correlate(sent, *callbacks);
  std::cout << (f.format == "jsonl" ? net::format_report_jsonl(results) : net::format_report_text(results))
            << std::flush;
  bool any_hit = false, any_response = false;
  for (const auto& r : results) {
    any_hit |= !r.hits.empty();
    any_response |= r.failed < r.sent;
  }
  const int rc = any_hit ? kExitFound : any_response ? kExitClean : kExitIncomplete;
  if (!f.upload.enabled()) return rc;
  return upload_after_run("probe", f.upload, {net::format_report_jsonl(results), host_name(), "probe"}, rc);
}

}  // namespace

void add_probe_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ProbeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "probe",
      "Send harmless ${jndi:...} payloads, a unique token per injection point, to the given URLs only, and report "
      "which points made the target call the canary (run `log4shield canary` with the same --db).");
  cmd->add_option("urls", f->urls, "Targets: http:// or https:// URLs");
  cmd->add_option("--targets", f->targets_file, "File with one target URL per line ('#' comments)");
  cmd->add_option("--callback", f->callback, "LDAP canary HOST:PORT as the targets reach it")->capture_default_str();
  cmd->add_option("--callback-rmi", f->callback_rmi, "RMI canary HOST:PORT")->capture_default_str();
  cmd->add_option("--callback-dns", f->callback_dns, "DNS canary HOST:PORT (dns variant)")->capture_default_str();
  cmd->add_option("--zone", f->zone, "DNS zone delegated to the canary (dns-label, dns-host, cve-2021-45046)");
  cmd->add_option("--variants", f->variants,
                  "Comma list of payload variants, or all: ldap, ldap-info, rmi, dns, dns-label, dns-host, "
                  "obf-default, obf-lower, obf-case, obf-env, obf-nested, cve-2021-45046")
      ->capture_default_str();
  cmd->add_option("--headers", f->headers, "Header list: minimal, full, none or a FILE (one name per line)")
      ->capture_default_str();
  cmd->add_option("--points", f->points, "Comma list of injection points: headers, query, path, form, json")
      ->capture_default_str();
  cmd->add_flag("--bundle", f->bundle,
                "All points of a kind in one request (fewer requests; some servers answer 400). "
                "Default: one point per request");
  cmd->add_flag("--one-per-request", [f](int64_t) { f->bundle = false; }, "One injection point per request (default)");
  cmd->add_option("--db", f->db, "The canary's SQLite file")->capture_default_str();
  cmd->add_option("--wait", f->wait, "Seconds to wait for late callbacks after the last request")
      ->capture_default_str()->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--rate", f->rate, "Requests per second at most (0: unlimited)")->capture_default_str()
      ->check(CLI::Range(0.0, 10000.0));
  cmd->add_option("--concurrency", f->concurrency, "Requests in flight at most")->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--timeout", f->timeout, "Seconds per request")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  cmd->add_flag("--insecure", f->insecure, "Do not verify TLS certificates");
  cmd->add_flag("--follow-redirects", f->follow_redirects,
                "Follow redirects (may carry payloads to hosts other than the targets)");
  cmd->add_option("--format,-f", f->format, "Output: text or jsonl")->capture_default_str();
  add_upload_flags(*cmd, f->upload);
  cmd->callback([f, &exit_code] { exit_code = run_probe(*f); });
}

}  // namespace l4s::cli
