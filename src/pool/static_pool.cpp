// SPDX-License-Identifier: MIT
#include "crucible/pool/static_pool.hpp"

#include "crucible/core/errors.hpp"

namespace crucible {

StaticPool::StaticPool(ConnectionFactory factory, PoolOptions options)
    : Pool(std::move(factory), options) {}

StaticPool::~StaticPool() { dispose(); }

PooledConnection StaticPool::connect() {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::unique_lock lock(mutex_);
  if (checked_out_ && holder_ == std::this_thread::get_id())
    throw InvalidRequestError(
        "StaticPool: this thread already holds the single shared connection (e.g. "
        "sqlite:///:memory:); use that Connection instead of connecting again");
  if (!available_.wait_until(lock, deadline, [&] { return !checked_out_; }))
    throw TimeoutError("StaticPool: the single shared connection was not returned within " +
                       std::to_string(options_.timeout.count()) + " ms");
  std::unique_ptr<detail::PoolRecord> stale;
  if (record_ && is_stale(*record_)) stale = std::move(record_);
  close_record(std::move(stale));
  if (!record_) record_ = open_record();  // under the lock: there is only one to open
  checked_out_ = true;
  holder_ = std::this_thread::get_id();
  auto record = std::move(record_);
  lock.unlock();
  return lease(std::move(record));
}

void StaticPool::checkin(std::unique_ptr<detail::PoolRecord> record) {
  const bool reusable = prepare_for_reuse(*record);
  {
    std::lock_guard lock(mutex_);
    if (reusable) record_ = std::move(record);
    checked_out_ = false;
    holder_ = {};
  }
  available_.notify_one();
  close_record(std::move(record));
}

PoolStatus StaticPool::status_info() const {
  std::lock_guard lock(mutex_);
  PoolStatus s;
  s.size = 1;
  s.checked_in = record_ ? 1 : 0;
  s.checked_out = checked_out_ ? 1 : 0;
  return s;
}

void StaticPool::dispose() {
  std::unique_ptr<detail::PoolRecord> record;
  {
    std::lock_guard lock(mutex_);
    record = std::move(record_);
  }
  invalidate_all();
  close_record(std::move(record));
}

}  // namespace crucible
