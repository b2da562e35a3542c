#include "serve/store_pool.h"

namespace l4s::serve {

Result<std::unique_ptr<StorePool>> StorePool::open(const std::string& spec, size_t size) {
  std::vector<std::unique_ptr<fleet::Store>> stores;
  auto first = fleet::Store::open(spec);
  if (!first.ok()) return Error{first.error()};
  const std::string engine = (*first)->engine();
  stores.push_back(std::move(*first));
  if (engine == "postgresql") {
    for (size_t i = 1; i < size; ++i) {
      auto more = fleet::Store::open(spec);
      if (!more.ok()) return Error{more.error()};
      stores.push_back(std::move(*more));
    }
  }
  return std::unique_ptr<StorePool>(new StorePool(spec, engine, std::move(stores)));
}

StorePool::StorePool(std::string spec, std::string engine, std::vector<std::unique_ptr<fleet::Store>> stores)
    : spec_(std::move(spec)), engine_(std::move(engine)), redacted_(fleet::redact_spec(spec_)),
      idle_(std::move(stores)) {}

StorePool::Lease::~Lease() {
  if (pool_) pool_->release(std::move(store_), discard_);
}

StorePool::Lease StorePool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || missing_ > 0; });
  if (!idle_.empty()) {
    auto store = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(store));
  }
  --missing_;
  lock.unlock();
  auto reopened = fleet::Store::open(spec_);
  return Lease(*this, reopened.ok() ? std::move(*reopened) : nullptr);
}

void StorePool::release(std::unique_ptr<fleet::Store> store, bool discard) {
  {
    std::lock_guard lock(mutex_);
    if (store && !discard) idle_.push_back(std::move(store));
    else ++missing_;
  }
  available_.notify_one();
}

}  // namespace l4s::serve
