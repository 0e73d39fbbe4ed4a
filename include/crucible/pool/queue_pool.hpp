// SPDX-License-Identifier: MIT
//
// QueuePool: up to pool_size connections kept open and reused (first in, first out), plus up
// to max_overflow extra connections opened under load and closed when returned. A checkout that
// finds neither waits up to `timeout`, then throws TimeoutError naming size, overflow and
// timeout. Connections older than recycle_seconds, or of an older generation
// (invalidate_all()), are replaced at checkout; pre_ping replaces dead ones.
//
// Thread-safety: fully thread-safe (one mutex, one condition variable); connections are opened
// and closed outside the lock.
//
//   crucible::QueuePool pool(factory, {.pool_size = 2, .max_overflow = 0,
//                                      .timeout = std::chrono::milliseconds(100)});
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "crucible/pool/pool.hpp"

namespace crucible {

class QueuePool final : public Pool {
 public:
  QueuePool(ConnectionFactory factory, PoolOptions options = {});
  ~QueuePool() override;

  PooledConnection connect() override;
  PoolStatus status_info() const override;
  std::string_view name() const override { return "QueuePool"; }
  void dispose() override;

 private:
  void checkin(std::unique_ptr<detail::PoolRecord> record) override;
  bool has_capacity() const;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<detail::PoolRecord>> idle_;
  std::size_t total_ = 0;        // open connections, idle or checked out
  std::size_t checked_out_ = 0;
};

}  // namespace crucible
