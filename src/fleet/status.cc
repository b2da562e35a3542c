#include "fleet/status.h"

#include <time.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/cve.h"

namespace l4s::fleet {
namespace {

using nlohmann::ordered_json;

bool covers(const std::vector<std::string>& roots, const std::string& path) {
  for (std::string root : roots) {
    if (root.rfind("report:", 0) == 0 || root.rfind("image:", 0) == 0 || root.empty()) continue;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (root == "/" || path == root || path.rfind(root + "/", 0) == 0) return true;
  }
  return false;
}

std::string version_of(const Finding& f) { return f.version ? *f.version : f.version_range.empty() ? "unknown" : f.version_range; }

ordered_json null_if_empty(const std::string& v) { return v.empty() ? ordered_json(nullptr) : ordered_json(v); }

ordered_json host_state_json(const HostState& h) {
  ordered_json current = ordered_json::array();
  for (const auto& f : h.current)
    current.push_back({{"location", f.location},
                       {"component", f.component},
                       {"version", version_of(f)},
                       {"status", to_string(f.status)},
                       {"cves", f.cves},
                       {"severity", to_string(f.severity)}});
  return {{"host", h.host},
          {"first_scan", null_if_empty(h.first_scan)},
          {"last_scan", null_if_empty(h.last_scan)},
          {"scans", h.scans},
          {"exposed", h.exposed},
          {"severity", to_string(h.severity)},
          {"open_cves", h.open_cves},
          {"vulnerable", h.vulnerable},
          {"mitigated", h.mitigated},
          {"safe", h.safe},
          {"fixed", h.fixed},
          {"attempts", h.attempts},
          {"attempts_reaching_jndi", h.attempts_reaching_jndi},
          {"first_attempt", null_if_empty(h.first_attempt)},
          {"last_attempt", null_if_empty(h.last_attempt)},
          {"attack_sources", h.attack_sources},
          {"confirmed_callbacks", h.confirmed_callbacks},
          {"current", current}};
}

std::vector<Count> top(const std::map<std::string, int64_t>& counts, size_t limit) {
  std::vector<Count> v;
  for (const auto& [k, n] : counts) v.push_back({k, n});
  std::stable_sort(v.begin(), v.end(), [](const Count& a, const Count& b) { return a.n > b.n; });
  if (v.size() > limit) v.resize(limit);
  return v;
}

bool reaches_jndi(const std::string& verdict) { return verdict == "reaches_jndi_2.14" || verdict == "passes_2.15_checks"; }

// "2021-12-10T12:34:56Z" -> "2021-12-10T12"; other shapes -> "".
std::string hour_of(const std::string& t) {
  if (t.size() < 13 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ')) return "";
  std::string h = t.substr(0, 13);
  h[10] = 'T';
  return h;
}

struct Replay {
  std::map<std::string, Finding> state;        // location \n component -> latest copy
  std::map<std::string, FixEvent> fixes;       // key -> fix (dropped again if it regresses)
};

void apply(Replay& rp, const ReportRow& r, const std::vector<const FindingRow*>& findings) {
  std::set<std::string> seen;
  for (const FindingRow* row : findings) seen.insert(row->f.location + "\n" + row->f.component);
  for (auto it = rp.state.begin(); it != rp.state.end();) {
    if (!seen.count(it->first) && covers(r.roots, it->second.path)) {
      if (it->second.status == FindingStatus::kVulnerable)
        rp.fixes[it->first] = {r.host, it->second.location, it->second.component, version_of(it->second), r.time,
                               "removed", "removed"};
      it = rp.state.erase(it);
    } else {
      ++it;
    }
  }
  for (const FindingRow* row : findings) {
    const Finding* f = &row->f;
    std::string key = f->location + "\n" + f->component;
    auto prev = rp.state.find(key);
    if (f->status == FindingStatus::kVulnerable) {
      rp.fixes.erase(key);
    } else if (prev != rp.state.end() && prev->second.status == FindingStatus::kVulnerable) {
      rp.fixes[key] = {r.host, f->location, f->component, version_of(*f), r.time, row->fixed_by_tool ? "fix" : "rescan",
                       to_string(f->status)};
    }
    rp.state[key] = *f;
  }
}

}  // namespace

Analysis analyze(const Fleet& fleet, const std::string& since, const std::string& now) {
  Analysis a;
  a.generated = now;
  a.since = since;
  a.reports = static_cast<int64_t>(fleet.reports.size());

  std::map<std::string, std::vector<const FindingRow*>> by_report;
  for (const auto& f : fleet.findings) by_report[f.report].push_back(&f);
  std::map<std::string, std::vector<const ReportRow*>> scans_by_host;
  std::set<std::string> hosts;
  for (const auto& r : fleet.reports) {
    if (r.kind == "scan" || r.kind == "fix") {
      scans_by_host[r.host].push_back(&r);
      hosts.insert(r.host);
    } else if (r.kind == "hunt") {
      hosts.insert(r.host);
    }
  }
  std::map<std::string, HostState> states;
  // Per day: host -> (exposed, vulnerable copies) at the end of that day.
  std::map<std::string, std::map<std::string, std::pair<bool, int64_t>>> daily;
  for (const auto& host : hosts) {
    HostState& h = states[host];
    h.host = host;
    Replay rp;
    auto& list = scans_by_host[host];
    std::stable_sort(list.begin(), list.end(), [](const ReportRow* x, const ReportRow* y) { return x->time < y->time; });
    for (const ReportRow* r : list) {
      apply(rp, *r, by_report[r->hash]);
      ++h.scans;
      if (h.first_scan.empty()) h.first_scan = r->time;
      h.last_scan = r->time;
      int64_t vulnerable = 0;
      for (const auto& [k, f] : rp.state) vulnerable += f.status == FindingStatus::kVulnerable;
      daily[r->time.substr(0, 10)][host] = {vulnerable > 0, vulnerable};
    }
    std::set<std::string> cves;
    for (const auto& [k, f] : rp.state) {
      h.current.push_back(f);
      if (f.status == FindingStatus::kVulnerable) ++h.vulnerable;
      else if (f.status == FindingStatus::kMitigated) ++h.mitigated;
      else ++h.safe;
      if (f.status != FindingStatus::kSafe) {
        cves.insert(f.cves.begin(), f.cves.end());
        if (f.severity > h.severity && !f.cves.empty()) h.severity = f.severity;
      }
    }
    std::sort(h.current.begin(), h.current.end(), [](const Finding& x, const Finding& y) { return x.location < y.location; });
    h.open_cves.assign(cves.begin(), cves.end());
    h.exposed = h.vulnerable > 0;
    for (const auto& [k, fx] : rp.fixes) {
      if (!since.empty() && fx.fixed_at < since) continue;
      a.fixed.push_back(fx);
      ++h.fixed;
    }
  }
  std::stable_sort(a.fixed.begin(), a.fixed.end(), [](const FixEvent& x, const FixEvent& y) {
    return x.fixed_at != y.fixed_at ? x.fixed_at < y.fixed_at : x.host + x.location < y.host + y.location;
  });

  // Progress: carry each host's last known state forward day by day.
  std::map<std::string, std::pair<bool, int64_t>> known;
  for (const auto& [day, changes] : daily) {
    for (const auto& [host, st] : changes) known[host] = st;
    Analysis::ProgressPoint p{day, static_cast<int64_t>(known.size()), 0, 0};
    for (const auto& [host, st] : known) p.exposed += st.first, p.vulnerable_copies += st.second;
    a.progress.push_back(p);
  }

  // Attacks.
  std::map<std::string, int64_t> by_hour, sources, callback_hosts, commands;
  std::map<std::string, std::set<std::string>> host_sources;
  for (const auto& d : fleet.detections) {
    if (!since.empty() && !d.timestamp.empty() && d.timestamp < since) continue;
    HostState& h = states[d.host];
    h.host = d.host;
    ++h.attempts;
    ++a.attempts;
    if (reaches_jndi(d.verdict)) ++h.attempts_reaching_jndi, ++a.attempts_reaching_jndi;
    if (!d.timestamp.empty()) {
      if (h.first_attempt.empty() || d.timestamp < h.first_attempt) h.first_attempt = d.timestamp;
      if (d.timestamp > h.last_attempt) h.last_attempt = d.timestamp;
    }
    std::string hour = hour_of(d.timestamp);
    ++by_hour[hour.empty() ? "unknown" : hour];
    if (!d.source_ip.empty()) ++sources[d.source_ip], host_sources[d.host].insert(d.source_ip);
    std::set<std::string> cb_hosts;
    for (const auto& t : d.jndi)
      if (t.remote && !t.host.empty()) cb_hosts.insert(t.host);
    for (const auto& c : cb_hosts) ++callback_hosts[c];
    if (!d.decoded_command.empty()) ++commands[d.decoded_command];
  }
  // Hours without attempts are shown too (up to three months), so the timeline's x axis is time.
  std::vector<std::pair<std::time_t, std::string>> hours;
  for (const auto& [k, n] : by_hour) {
    if (k == "unknown") continue;
    std::tm tm{};
    if (strptime((k + ":00:00").c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) hours.push_back({timegm(&tm), k});
  }
  if (!hours.empty() && hours.back().first - hours.front().first <= 92 * 24 * 3600) {
    for (std::time_t t = hours.front().first; t <= hours.back().first; t += 3600) {
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H", &tm);
      auto it = by_hour.find(buf);
      a.attempts_by_hour.push_back({buf, it == by_hour.end() ? 0 : it->second});
    }
  } else {
    for (const auto& [k, n] : by_hour)
      if (k != "unknown") a.attempts_by_hour.push_back({k, n});
  }
  if (by_hour.count("unknown")) a.attempts_by_hour.push_back({"unknown", by_hour["unknown"]});
  a.top_sources = top(sources, 20);
  a.top_callback_hosts = top(callback_hosts, 20);
  a.decoded_commands = top(commands, 50);
  for (const auto& [host, ips] : host_sources) states[host].attack_sources.assign(ips.begin(), ips.end());

  for (const auto& c : fleet.callbacks)
    if (since.empty() || c.time >= since) a.callbacks.push_back(c);
  for (const auto& p : fleet.probes) {
    if (!p.vulnerable) continue;
    a.confirmed_targets.push_back(p);
    auto it = states.find(p.target_host);
    if (it != states.end()) it->second.confirmed_callbacks += p.hits;
  }

  for (auto& [name, h] : states) {
    if (h.exposed) ++a.hosts_exposed;
    for (const auto& c : h.open_cves) a.exposed_by_cve[c].push_back(name);
    if (h.severity != Severity::kNone) ++a.hosts_by_severity[to_string(h.severity)];
    if (!since.empty() && (h.last_scan.empty() || h.last_scan < since)) a.not_scanned_since.push_back(name);
    a.hosts.push_back(std::move(h));
  }
  std::map<std::string, int64_t> versions;
  for (const auto& h : a.hosts)
    for (const auto& f : h.current)
      if (f.status == FindingStatus::kVulnerable) ++versions[f.component + " " + version_of(f)];
  a.exposed_by_version = top(versions, 1000);
  return a;
}

namespace {

ordered_json counts_json(const std::vector<Count>& v) {
  ordered_json out = ordered_json::array();
  for (const auto& c : v) out.push_back({{"key", c.key}, {"count", c.n}});
  return out;
}

}  // namespace

void write_status_json(const Analysis& a, std::ostream& out) {
  ordered_json j;
  j["generated"] = a.generated;
  j["since"] = a.since.empty() ? ordered_json(nullptr) : ordered_json(a.since);
  j["reports"] = a.reports;
  j["hosts_known"] = a.hosts.size();
  j["hosts_exposed"] = a.hosts_exposed;
  ordered_json hosts = ordered_json::array();
  for (const auto& h : a.hosts) hosts.push_back(host_state_json(h));
  j["hosts"] = hosts;
  ordered_json by_cve = ordered_json::object();
  for (const auto& [cve, hs] : a.exposed_by_cve) by_cve[cve] = {{"hosts", hs.size()}, {"host_list", hs}};
  j["exposed_by_cve"] = by_cve;
  j["hosts_by_severity"] = a.hosts_by_severity;
  j["exposed_by_version"] = counts_json(a.exposed_by_version);
  ordered_json fixed = ordered_json::array();
  for (const auto& f : a.fixed)
    fixed.push_back({{"host", f.host},
                     {"location", f.location},
                     {"component", f.component},
                     {"version", f.version},
                     {"fixed_at", f.fixed_at},
                     {"how", f.how},
                     {"now", f.now}});
  j["fixed"] = fixed;
  j["not_scanned_since"] = a.not_scanned_since;
  ordered_json progress = ordered_json::array();
  for (const auto& p : a.progress)
    progress.push_back({{"day", p.day}, {"scanned", p.scanned}, {"exposed", p.exposed}, {"vulnerable_copies", p.vulnerable_copies}});
  j["progress"] = progress;
  j["attacks"] = {{"attempts", a.attempts},
                  {"reaching_jndi", a.attempts_reaching_jndi},
                  {"by_hour", counts_json(a.attempts_by_hour)},
                  {"top_sources", counts_json(a.top_sources)},
                  {"top_callback_hosts", counts_json(a.top_callback_hosts)},
                  {"decoded_commands", counts_json(a.decoded_commands)}};
  ordered_json callbacks = ordered_json::array();
  for (const auto& c : a.callbacks)
    callbacks.push_back({{"time", c.time}, {"protocol", c.protocol}, {"peer", c.peer}, {"token", c.token}, {"name", c.name}});
  ordered_json targets = ordered_json::array();
  for (const auto& p : a.confirmed_targets)
    targets.push_back({{"target", p.target}, {"host", p.target_host}, {"hits", p.hits}, {"points", p.points},
                       {"first_callback", p.first_callback}, {"prober", p.prober}});
  j["callbacks"] = {{"count", a.callbacks.size()}, {"list", callbacks}, {"confirmed_targets", targets}};
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

bool write_host_json(const Fleet& fleet, const Analysis& a, const std::string& host,
                     const std::vector<UploadRecord>& uploads, size_t max_attempts, std::ostream& out) {
  auto state = std::find_if(a.hosts.begin(), a.hosts.end(), [&](const HostState& h) { return h.host == host; });
  if (state == a.hosts.end()) return false;
  ordered_json j = host_state_json(*state);
  ordered_json history = ordered_json::array();
  for (const auto& r : fleet.reports)
    if (r.host == host)
      history.push_back({{"report", r.hash}, {"kind", r.kind}, {"time", r.time}, {"imported", r.imported},
                         {"source", r.source}, {"tool_version", null_if_empty(r.tool_version)}, {"roots", r.roots},
                         {"files", r.files}, {"errors", r.errors}});
  j["history"] = history;
  std::vector<const DetectionRow*> attempts;
  for (const auto& d : fleet.detections)
    if (d.host == host) attempts.push_back(&d);
  // Newest first, at most max_attempts: the count above has them all.
  std::stable_sort(attempts.begin(), attempts.end(),
                   [](const DetectionRow* x, const DetectionRow* y) { return x->timestamp > y->timestamp; });
  if (attempts.size() > max_attempts) attempts.resize(max_attempts);
  ordered_json list = ordered_json::array();
  for (const DetectionRow* d : attempts) {
    ordered_json jndi = ordered_json::array();
    for (const auto& n : d->jndi) jndi.push_back(n.name);
    list.push_back({{"time", null_if_empty(d->timestamp)}, {"source_ip", null_if_empty(d->source_ip)},
                    {"file", d->file}, {"line", d->line}, {"verdict", d->verdict}, {"severity", d->severity},
                    {"resolved", d->resolved}, {"jndi", jndi}, {"techniques", d->techniques}});
  }
  j["attempts_list"] = list;
  ordered_json ups = ordered_json::array();
  for (const auto& u : uploads)
    ups.push_back({{"received", u.received}, {"report", u.report}, {"token", u.token}, {"peer", u.peer},
                   {"outcome", u.outcome}, {"bytes", u.bytes}});
  j["uploads"] = ups;
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
  return true;
}

void write_status_text(const Analysis& a, std::ostream& out) {
  out << fmt::format("Fleet: {} hosts, {} exposed, {} reports{}\n", a.hosts.size(), a.hosts_exposed, a.reports,
                     a.since.empty() ? "" : ", events since " + a.since);
  out << "\nHosts scanned\n";
  for (const auto& h : a.hosts)
    out << fmt::format("  {:<24} {:<9} last scan {:<21} scans {:>3}  vulnerable {:>3}  mitigated {:>3}  {}\n", h.host,
                       h.exposed ? "EXPOSED" : "ok", h.last_scan.empty() ? "never" : h.last_scan, h.scans, h.vulnerable,
                       h.mitigated, h.open_cves.empty() ? "" : fmt::format("{}", fmt::join(h.open_cves, " ")));
  out << "\nStill exposed, by CVE\n";
  if (a.exposed_by_cve.empty()) out << "  none\n";
  for (const auto& [cve, hs] : a.exposed_by_cve)
    out << fmt::format("  {:<16} {:>4} host{}: {}\n", cve, hs.size(), hs.size() == 1 ? "" : "s", fmt::join(hs, ", "));
  out << "\nHosts by worst open severity\n";
  for (const char* s : {"critical", "high", "medium", "low"}) {
    auto it = a.hosts_by_severity.find(s);
    out << fmt::format("  {:<9} {}\n", s, it == a.hosts_by_severity.end() ? 0 : it->second);
  }
  out << "\nFixed\n";
  if (a.fixed.empty()) out << "  nothing yet\n";
  for (const auto& f : a.fixed)
    out << fmt::format("  {}  {:<16} {} {} {} ({}, now {})\n", f.fixed_at, f.host, f.location, f.component, f.version,
                       f.how, f.now);
  if (!a.since.empty()) {
    out << "\nNot scanned since " << a.since << "\n";
    if (a.not_scanned_since.empty()) out << "  none\n";
    for (const auto& name : a.not_scanned_since) {
      auto it = std::find_if(a.hosts.begin(), a.hosts.end(), [&](const HostState& h) { return h.host == name; });
      out << fmt::format("  {:<24} last scan {}\n", name, it->last_scan.empty() ? "never" : it->last_scan);
    }
  }
  out << fmt::format("\nAttempts: {} ({} reach JNDI)\n", a.attempts, a.attempts_reaching_jndi);
  for (const auto& h : a.hosts)
    if (h.attempts)
      out << fmt::format("  {:<24} {:>6} attempts, {} reach JNDI, {} .. {}, {} sources\n", h.host, h.attempts,
                         h.attempts_reaching_jndi, h.first_attempt, h.last_attempt, h.attack_sources.size());
  out << fmt::format("\nConfirmed callbacks: {} canary callback{}, {} probed target{} called back\n", a.callbacks.size(),
                     a.callbacks.size() == 1 ? "" : "s", a.confirmed_targets.size(),
                     a.confirmed_targets.size() == 1 ? "" : "s");
  for (const auto& p : a.confirmed_targets)
    out << fmt::format("  {} ({} injection point{})\n", p.target, p.hits, p.hits == 1 ? "" : "s");
  for (const auto& c : a.callbacks) out << fmt::format("  {} {} from {} {}\n", c.time, c.protocol, c.peer, c.name);
}

void write_status_csv(const Analysis& a, std::ostream& out) {
  auto field = [](const std::string& s) {
    std::string o = "\"";
    if (!s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos) o += '\'';
    for (char c : s) {
      if (c == '"') o += '"';
      o += c;
    }
    return o + "\"";
  };
  out << "host,last_scan,scans,exposed,severity,open_cves,vulnerable,mitigated,safe,fixed,attempts,"
         "attempts_reaching_jndi,first_attempt,last_attempt,confirmed_callbacks,not_scanned_since\n";
  std::set<std::string> stale(a.not_scanned_since.begin(), a.not_scanned_since.end());
  for (const auto& h : a.hosts)
    out << field(h.host) << ',' << field(h.last_scan) << ',' << h.scans << ',' << (h.exposed ? "true" : "false") << ','
        << to_string(h.severity) << ',' << field(fmt::format("{}", fmt::join(h.open_cves, " "))) << ',' << h.vulnerable
        << ',' << h.mitigated << ',' << h.safe << ',' << h.fixed << ',' << h.attempts << ',' << h.attempts_reaching_jndi
        << ',' << field(h.first_attempt) << ',' << field(h.last_attempt) << ',' << h.confirmed_callbacks << ','
        << (stale.count(h.host) ? "true" : "false") << "\n";
}

std::vector<report::ScanReport> current_reports(const Fleet& fleet, const Analysis& a) {
  std::map<std::string, const ReportRow*> last;
  for (const auto& r : fleet.reports)
    if ((r.kind == "scan" || r.kind == "fix") && (!last.count(r.host) || r.time >= last[r.host]->time)) last[r.host] = &r;
  std::vector<report::ScanReport> out;
  for (const auto& h : a.hosts) {
    if (h.scans == 0) continue;
    report::ScanReport r;
    const ReportRow* lr = last[h.host];
    r.tool_version = lr->tool_version;
    r.host = h.host;
    r.started = lr->started;
    r.finished = lr->finished.empty() ? lr->time : lr->finished;
    r.roots = lr->roots;
    r.findings = h.current;
    out.push_back(std::move(r));
  }
  return out;
}

bool valid_since(const std::string& since) {
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?$)");
  return since.empty() || std::regex_match(since, kDate);
}

}  // namespace l4s::fleet
