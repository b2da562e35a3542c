// One direction of a TCP connection put back in order.
//
// Segments are placed by sequence number (32-bit wrap-around aware):
// retransmissions and overlaps are trimmed to the bytes not yet delivered,
// segments beyond a hole wait in a bounded out-of-order store. When that store
// is full, or the stream ends with a hole (a packet the capture lost), the
// hole is skipped and counted, so a lossy capture still yields everything
// after the loss.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "net/bytes.h"

namespace l4s::pcap {

class TcpDirection {
 public:
  explicit TcpDirection(size_t max_out_of_order = 1 << 20) : max_ooo_(max_out_of_order) {}

  // Adds one segment. In-order bytes that became deliverable are appended to
  // `*out` (the caller consumes them). A SYN sets the initial sequence number;
  // without one the first segment seen starts the stream.
  void add(uint32_t seq, bool syn, net::Bytes payload, std::string* out);

  // Delivers whatever waits beyond holes (end of stream or of the capture).
  void flush(std::string* out);

  uint64_t gaps() const { return gaps_; }          // holes skipped
  uint64_t gap_bytes() const { return gap_bytes_; }
  size_t buffered() const { return ooo_bytes_; }   // bytes waiting beyond a hole
  bool started() const { return started_; }

 private:
  void drain(std::string* out);
  void skip_to_first_pending(std::string* out);

  size_t max_ooo_;
  bool started_ = false;
  uint32_t next_ = 0;                   // next sequence number to deliver
  uint64_t delivered_ = 0;              // stream offset of next_ (survives sequence wrap-around)
  std::map<uint64_t, std::string> ooo_; // stream offset -> bytes waiting beyond a hole
  size_t ooo_bytes_ = 0;
  uint64_t gaps_ = 0;
  uint64_t gap_bytes_ = 0;
};

}  // namespace l4s::pcap
