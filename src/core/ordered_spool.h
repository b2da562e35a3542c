// Output of parallel workers written in a fixed order with bounded memory.
//
// Work item k (a "slot") produces bytes in pieces; the sink receives slot 0's
// bytes, then slot 1's, and so on, each as soon as everything before it is
// complete. The slot at the head is written through at once; bytes of later
// slots wait in memory up to a budget shared by all slots, and past it in one
// unlinked temporary file (in $TMPDIR, else /tmp) shared by all slots. So a
// run that finds millions of records keeps its memory flat while its output
// stays in the same order at any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace l4s {

class OrderedSpool {
 public:
  // `sink` is called under the spool's lock, in slot order, never with empty bytes.
  OrderedSpool(size_t slots, std::function<void(std::string_view)> sink, size_t memory_budget = 32u << 20);
  ~OrderedSpool();
  OrderedSpool(const OrderedSpool&) = delete;
  OrderedSpool& operator=(const OrderedSpool&) = delete;

  // Thread-safe. Bytes of one slot must come from one thread at a time.
  void append(size_t slot, std::string_view bytes);
  // Thread-safe. The slot will get no more bytes; it and any complete slots
  // after it are written once the slots before them are.
  void close(size_t slot);

  // What went wrong with the temporary file ("" if nothing). When it cannot
  // be written the bytes stay in memory instead, and nothing is lost; when
  // what it holds cannot be read back, lost_bytes() says so.
  std::string error() const;
  bool lost_bytes() const;
  size_t buffered_bytes() const;  // now held in memory for slots not yet written
  size_t spilled_bytes() const;   // written to the temporary file so far, in all

 private:
  struct Piece {
    uint64_t offset;
    size_t size;
  };
  struct Slot {
    std::string memory;         // bytes from before the slot spilled
    std::vector<Piece> pieces;  // then these, in the temporary file
    std::string after_spill;    // then these, if the file stopped taking bytes
    bool closed = false;
  };
  bool spill(Slot& slot, std::string_view* bytes);  // false: keep (the rest of) *bytes in memory
  // Writes and releases what a slot holds (it is the head, closed or not).
  void flush(Slot& slot);
  void fail(const std::string& what);

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  std::function<void(std::string_view)> sink_;
  size_t budget_;
  size_t head_ = 0;
  size_t buffered_ = 0;
  size_t spilled_ = 0;
  int spill_fd_ = -1;
  uint64_t spill_end_ = 0;
  bool spill_broken_ = false;  // the file failed once: no more bytes go there
  bool lost_ = false;
  std::string error_;
};

}  // namespace l4s
