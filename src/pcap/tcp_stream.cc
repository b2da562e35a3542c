#include "pcap/tcp_stream.h"

namespace l4s::pcap {

void TcpDirection::add(uint32_t seq, bool syn, net::Bytes payload, std::string* out) {
  if (syn) {
    if (!started_) {
      started_ = true;
      next_ = seq + 1;
    }
    seq += 1;  // a SYN occupies one sequence number; data on a SYN (TFO) follows it
  }
  if (payload.empty()) return;
  if (!started_) {
    started_ = true;
    next_ = seq;
  }
  int32_t diff = static_cast<int32_t>(seq - next_);
  if (diff < 0) {
    // Retransmission or overlap: keep only bytes past what was delivered.
    uint64_t behind = static_cast<uint64_t>(-static_cast<int64_t>(diff));
    if (behind >= payload.size()) return;
    payload = payload.subspan(behind);
    diff = 0;
  }
  if (diff == 0) {
    out->append(net::as_string_view(payload));
    next_ += static_cast<uint32_t>(payload.size());
    delivered_ += payload.size();
    drain(out);
    return;
  }
  uint64_t at = delivered_ + static_cast<uint64_t>(diff);
  auto it = ooo_.find(at);
  if (it != ooo_.end()) {
    if (it->second.size() >= payload.size()) return;
    ooo_bytes_ -= it->second.size();
    it->second.assign(net::as_string_view(payload));
  } else {
    ooo_.emplace(at, std::string(net::as_string_view(payload)));
  }
  ooo_bytes_ += payload.size();
  while (ooo_bytes_ > max_ooo_ && !ooo_.empty()) skip_to_first_pending(out);
}

void TcpDirection::drain(std::string* out) {
  while (!ooo_.empty()) {
    auto it = ooo_.begin();
    if (it->first > delivered_) return;
    std::string bytes = std::move(it->second);
    uint64_t at = it->first;
    ooo_bytes_ -= bytes.size();
    ooo_.erase(it);
    uint64_t skip = delivered_ - at;
    if (skip >= bytes.size()) continue;
    out->append(bytes, skip, std::string::npos);
    next_ += static_cast<uint32_t>(bytes.size() - skip);
    delivered_ += bytes.size() - skip;
  }
}

void TcpDirection::skip_to_first_pending(std::string* out) {
  if (ooo_.empty()) return;
  uint64_t at = ooo_.begin()->first;
  if (at > delivered_) {
    ++gaps_;
    gap_bytes_ += at - delivered_;
    next_ += static_cast<uint32_t>(at - delivered_);
    delivered_ = at;
  }
  drain(out);
}

void TcpDirection::flush(std::string* out) {
  while (!ooo_.empty()) skip_to_first_pending(out);
}

}  // namespace l4s::pcap
