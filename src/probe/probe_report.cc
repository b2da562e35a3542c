#include "probe/probe_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace l4s::net {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

bool callback_matches(const Callback& cb, const std::string& token) {
  if (token.empty()) return false;
  const std::string t = lower(token);
  return lower(cb.token) == t || lower(cb.name).find(t) != std::string::npos;
}

std::vector<TargetResult> correlate(const std::vector<SentProbe>& sent, const std::vector<Callback>& callbacks) {
  std::vector<TargetResult> out;
  for (const SentProbe& p : sent) {
    auto it = std::find_if(out.begin(), out.end(), [&](const TargetResult& t) { return t.target == p.target; });
    if (it == out.end()) {
      out.push_back({p.target, 0, 0, {}, {}});
      it = out.end() - 1;
    }
    it->sent++;
    if (p.http_status == 0) it->failed++;
    else if (std::find(it->statuses.begin(), it->statuses.end(), p.http_status) == it->statuses.end())
      it->statuses.push_back(p.http_status);
    PointResult r{p, {}};
    for (const Callback& cb : callbacks)
      if (callback_matches(cb, p.token)) r.callbacks.push_back(cb);
    if (!r.callbacks.empty()) it->hits.push_back(std::move(r));
  }
  return out;
}

std::string format_report_text(const std::vector<TargetResult>& results) {
  std::string out;
  for (const TargetResult& t : results) {
    out += t.target + ": ";
    if (!t.hits.empty()) out += "VULNERABLE, " + std::to_string(t.hits.size()) + " injection point(s) called back";
    else if (t.failed == t.sent) out += "UNREACHABLE, no request got a response";
    else out += "no callback (not proof of safety: the code path or egress may simply not have been reached)";
    out += "\n";
    for (const PointResult& r : t.hits) {
      const Callback& first = r.callbacks.front();
      out += "  " + r.probe.point + "  " + r.probe.variant + "  token=" + r.probe.token + "  " +
             to_string(first.protocol) + " from " + first.peer + " after " + seconds(first.time_ms - r.probe.time_ms);
      if (r.callbacks.size() > 1) out += " (" + std::to_string(r.callbacks.size()) + " callbacks)";
      for (const auto& e : first.extras) out += "  [" + escape_text(e) + "]";
      out += "\n";
    }
    out += "  sent " + std::to_string(t.sent) + " injection(s)";
    if (t.failed) out += ", " + std::to_string(t.failed) + " without response";
    if (!t.statuses.empty()) {
      out += ", HTTP";
      for (int s : t.statuses) out += " " + std::to_string(s);
    }
    out += "\n";
  }
  return out;
}

std::string format_report_jsonl(const std::vector<TargetResult>& results) {
  std::string out;
  for (const TargetResult& t : results) {
    for (const PointResult& r : t.hits) {
      nlohmann::json cbs = nlohmann::json::array();
      for (const Callback& cb : r.callbacks)
        cbs.push_back({{"protocol", to_string(cb.protocol)}, {"peer", cb.peer}, {"time", format_time(cb.time_ms)},
                       {"latency_ms", cb.time_ms - r.probe.time_ms}, {"name", cb.name}, {"extras", cb.extras}});
      out += dump({{"type", "hit"}, {"target", t.target}, {"point", r.probe.point}, {"variant", r.probe.variant},
                   {"token", r.probe.token}, {"payload", r.probe.payload}, {"callbacks", cbs}}) + "\n";
    }
    out += dump({{"type", "target"}, {"target", t.target}, {"vulnerable", !t.hits.empty()}, {"sent", t.sent},
                 {"failed", t.failed}, {"hits", t.hits.size()}, {"http_statuses", t.statuses}}) + "\n";
  }
  return out;
}

}  // namespace l4s::net
