// SPDX-License-Identifier: MIT
//
// StaticPool: exactly one connection, shared by every user in turn. The engine uses it for
// sqlite:///:memory:, where every new connection would open a new, empty database: through a
// StaticPool all users see the same in-memory data. Checkouts are serialised: a second thread
// waits (up to `timeout`, then TimeoutError); a thread that already holds the connection gets
// InvalidRequestError at once instead of deadlocking on itself.
//
// Thread-safe. Invalidating the connection loses an in-memory database's contents.
//
//   crucible::StaticPool pool(factory);
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "crucible/pool/pool.hpp"

namespace crucible {

class StaticPool final : public Pool {
 public:
  explicit StaticPool(ConnectionFactory factory, PoolOptions options = {});
  ~StaticPool() override;

  PooledConnection connect() override;
  PoolStatus status_info() const override;
  std::string_view name() const override { return "StaticPool"; }
  void dispose() override;

 private:
  void checkin(std::unique_ptr<detail::PoolRecord> record) override;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::unique_ptr<detail::PoolRecord> record_;  // present when idle
  bool checked_out_ = false;
  std::thread::id holder_;
};

}  // namespace crucible
