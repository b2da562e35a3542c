#include "hunt/tally.h"

#include <algorithm>
#include <set>

#include "hunt/log_fields.h"

namespace l4s::hunt {
namespace {

std::vector<std::pair<std::string, uint64_t>> top_counts(const std::map<std::string, uint64_t>& counts, size_t n) {
  std::vector<std::pair<std::string, uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

bool is_utc(const std::string& ts) { return is_iso_timestamp(ts) && ts.back() == 'Z'; }

void widen(const std::string& ts, std::string* first, std::string* last) {
  if (ts.empty()) return;
  if (first->empty() || ts < *first) *first = ts;
  if (last->empty() || ts > *last) *last = ts;
}

}  // namespace

const JndiTarget* primary_target(const Detection& d) {
  for (const JndiTarget& t : d.jndi)
    if (t.remote) return &t;
  return d.jndi.empty() ? nullptr : &d.jndi.front();
}

void HuntTally::add(const Detection& d) {
  ++attempts_;
  if (d.verdict != Verdict::kInert) ++effective_;
  if (!d.source_ip.empty()) ++sources_[d.source_ip];
  // Each host once per detection (a detection names few targets: a list, no set to allocate).
  std::vector<const std::string*> hosts;
  for (const JndiTarget& t : d.jndi) {
    if (!t.remote || t.host.empty()) continue;
    if (std::any_of(hosts.begin(), hosts.end(), [&](const std::string* h) { return *h == t.host; })) continue;
    hosts.push_back(&t.host);
    ++hosts_[t.host];
  }
  // The key is copied into the map only when new: no string built per detection.
  static thread_local std::string verdict;
  verdict.assign(verdict_name(d.verdict));
  ++verdicts_[verdict];
  if (is_iso_timestamp(d.timestamp)) widen(d.timestamp, &first_seen_, &last_seen_);
  if (!keep_iocs_) return;

  std::set<std::tuple<std::string, std::string, int>> once;  // count a detection once per IOC
  auto add = [&](const std::string& type, const std::string& value, int port) {
    if (!once.insert({type, value, port}).second) return;
    Ioc& ioc = iocs_[{type, value, port}];
    ioc.type = type;
    ioc.value = value;
    ioc.port = port;
    ++ioc.count;
    if (d.verdict != Verdict::kInert) ++ioc.reaching;
    if (is_utc(d.timestamp)) widen(d.timestamp, &ioc.first_seen, &ioc.last_seen);
  };
  for (const JndiTarget& t : d.jndi) {
    if (!t.remote || t.host.empty()) continue;
    add("url", t.name, t.port);
    std::string host = t.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string type = !is_ip_address(host) ? "domain" : host.find(':') != std::string::npos ? "ipv6" : "ipv4";
    add(type, host, type == "domain" ? -1 : t.port);
  }
  if (!d.source_ip.empty()) add("source-ip", d.source_ip, -1);
  if (!d.decoded_command.empty()) add("command", d.decoded_command, -1);
}

void HuntTally::merge(const HuntTally& other) {
  attempts_ += other.attempts_;
  effective_ += other.effective_;
  widen(other.first_seen_, &first_seen_, &last_seen_);
  widen(other.last_seen_, &first_seen_, &last_seen_);
  for (const auto& [k, n] : other.sources_) sources_[k] += n;
  for (const auto& [k, n] : other.hosts_) hosts_[k] += n;
  for (const auto& [k, n] : other.verdicts_) verdicts_[k] += n;
  for (const auto& [key, ioc] : other.iocs_) {
    Ioc& mine = iocs_[key];
    mine.type = ioc.type;
    mine.value = ioc.value;
    mine.port = ioc.port;
    mine.count += ioc.count;
    mine.reaching += ioc.reaching;
    widen(ioc.first_seen, &mine.first_seen, &mine.last_seen);
    widen(ioc.last_seen, &mine.first_seen, &mine.last_seen);
  }
}

HuntSummary HuntTally::summary(size_t top) const {
  HuntSummary s;
  s.attempts = attempts_;
  s.first_seen = first_seen_;
  s.last_seen = last_seen_;
  s.top_source_ips = top_counts(sources_, top);
  s.top_callback_hosts = top_counts(hosts_, top);
  s.verdicts.assign(verdicts_.begin(), verdicts_.end());
  return s;
}

std::vector<Ioc> HuntTally::iocs() const {
  std::vector<Ioc> out;
  for (const auto& [key, ioc] : iocs_) out.push_back(ioc);
  return out;
}

namespace {
HuntTally tally_of(const HuntReport& r) {
  HuntTally t;
  for (const Detection& d : r.detections) t.add(d);
  return t;
}
}  // namespace

HuntSummary summarize(const HuntReport& r, size_t top) { return tally_of(r).summary(top); }

std::vector<Ioc> collect_iocs(const HuntReport& r) { return tally_of(r).iocs(); }

}  // namespace l4s::hunt
