// The TCP flow table: idle sweep and eviction at the limit (see flow_table.h).
#include "pcap/flow_table.h"

#include <algorithm>
#include <vector>

namespace l4s::pcap {

HttpMessageState* Direction::http_message() {
  if (auto* request = std::get_if<HttpRequestState>(&state)) return request;
  return std::get_if<HttpResponseState>(&state);
}

FlowTable::Entry FlowTable::add(const FlowKey& key, std::unique_ptr<Flow> flow) {
  if (flows_.size() >= max_flows_) evict_idlest();
  return flows_.emplace(key, std::move(flow)).first;
}

void FlowTable::close_all() {
  for (auto& [key, flow] : flows_) close_(*flow);
  flows_.clear();
}

void FlowTable::sweep(double now) {
  last_sweep_ = now;
  for (auto it = flows_.begin(); it != flows_.end();) {
    if (now - it->second->last_time > idle_timeout_) {
      close_(*it->second);
      it = flows_.erase(it);
    } else {
      ++it;
    }
  }
}

void FlowTable::evict_idlest() {
  std::vector<double> times;
  times.reserve(flows_.size());
  for (const auto& [key, flow] : flows_) times.push_back(flow->last_time);
  if (times.empty()) return;
  size_t k = std::max<size_t>(1, times.size() / 8) - 1;
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(k), times.end());
  double threshold = times[k];
  size_t budget = k + 1;
  for (auto it = flows_.begin(); it != flows_.end() && budget > 0;) {
    if (it->second->last_time <= threshold) {
      close_(*it->second);
      it = flows_.erase(it);
      ++evicted_;
      --budget;
    } else {
      ++it;
    }
  }
}

}  // namespace l4s::pcap
