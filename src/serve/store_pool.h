// Connections to the fleet store shared by the server's worker threads. A
// SQLite file takes one writer at a time, so it gets one connection; a
// PostgreSQL server gets several, and many `fleet serve` processes may share
// it: the store itself (keys, ON CONFLICT) keeps them consistent.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "fleet/store.h"

namespace l4s::serve {

class StorePool {
 public:
  // Opens `size` connections (1 for SQLite whatever `size` says).
  static Result<std::unique_ptr<StorePool>> open(const std::string& spec, size_t size);

  // One connection for the lease's lifetime. discard() drops a connection
  // that failed (a PostgreSQL server restarted): the next lease reconnects.
  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<fleet::Store> store) : pool_(&pool), store_(std::move(store)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    // Null when reconnecting failed.
    fleet::Store* get() { return store_.get(); }
    void discard() { discard_ = true; }

   private:
    StorePool* pool_;
    std::unique_ptr<fleet::Store> store_;
    bool discard_ = false;
  };
  Lease acquire();

  const std::string& engine() const { return engine_; }
  const std::string& redacted_spec() const { return redacted_; }

 private:
  StorePool(std::string spec, std::string engine, std::vector<std::unique_ptr<fleet::Store>> stores);
  void release(std::unique_ptr<fleet::Store> store, bool discard);

  std::string spec_, engine_, redacted_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<fleet::Store>> idle_;
  size_t missing_ = 0;  // discarded connections not yet reopened
};

}  // namespace l4s::serve
