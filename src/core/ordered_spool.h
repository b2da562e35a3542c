// Output of parallel workers written in a fixed order with bounded memory.
//
// Work item k (a "slot") produces bytes in pieces; the sink receives slot 0's
// bytes, then slot 1's, and so on, each as soon as everything before it is
// complete. The slot at the head is written through at once; bytes of later
// slots wait in memory up to a budget shared by all slots, and past it in an
// unnamed temporary file. So a run that finds millions of records keeps its
// memory flat while its output stays in the same order at any thread count.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace l4s::core {

class OrderedSpool {
 public:
  // `sink` is called under the spool's lock, in slot order, never with empty bytes.
  OrderedSpool(size_t slots, std::function<void(std::string_view)> sink, size_t memory_budget = 32u << 20);
  ~OrderedSpool();
  OrderedSpool(const OrderedSpool&) = delete;
  OrderedSpool& operator=(const OrderedSpool&) = delete;

  // Thread-safe. Bytes of one slot must come from one thread at a time.
  void Append(size_t slot, std::string_view bytes);
  // Thread-safe. The slot will get no more bytes; it and any complete slots
  // after it are written once the slots before them are.
  void Close(size_t slot);

  // What went wrong with temporary files ("" if nothing); the bytes were
  // then kept in memory instead, so none is lost.
  std::string error() const;
  size_t buffered_bytes() const;  // now held in memory for slots not yet written
  size_t spilled_bytes() const;   // written to temporary files so far, in all

 private:
  struct Slot {
    std::string memory;          // bytes from before the slot spilled
    std::FILE* spill = nullptr;  // once a slot spills, its later bytes go there
    bool spill_failed = false;   // ... unless writing it failed: then here
    std::string after_spill;
    bool closed = false;
  };
  void Flush(Slot& slot);  // writes and releases what a slot holds (it is the head)

  mutable std::mutex mu_;
  std::vector<Slot> slots_;
  std::function<void(std::string_view)> sink_;
  size_t budget_;
  size_t head_ = 0;
  size_t buffered_ = 0;
  size_t spilled_ = 0;
  std::string error_;
};

}  // namespace l4s::core
