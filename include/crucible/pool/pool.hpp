// SPDX-License-Identifier: MIT
//
// Pool: hands out driver connections, one user at a time, and takes them back.
//
//   QueuePool   a bounded set of reusable connections (size, overflow, timeout, recycle,
//               pre-ping); the default for files and servers          pool/queue_pool.hpp
//   NullPool    opens a connection per checkout, closes it on return  pool/null_pool.hpp
//   StaticPool  exactly one connection shared by every user, checkouts serialised; for
//               sqlite:///:memory:, where each new connection would be a new empty database
//                                                                     pool/static_pool.hpp
//
// A checkout is a PooledConnection: an RAII lease that returns the connection on destruction.
// Returned connections are reset (an open transaction is rolled back). invalidate() discards a
// connection; invalidate_all() (after a disconnect) discards every connection opened before it,
// by generation, including those checked out now when they come back.
//
// Thread-safety: every Pool member is thread-safe; a PooledConnection is used by one thread.
// Ownership: the pool must outlive its leases (the engine guarantees it).
//
//   crucible::QueuePool pool(factory, {.pool_size = 5, .max_overflow = 10});
//   {
//     auto conn = pool.connect();      // TimeoutError when none frees up in time
//     conn->exec("CREATE TABLE t (x)");
//   }                                  // back in the pool
//   std::cout << pool.status();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "crucible/dialects/driver.hpp"
#include "crucible/pool/events.hpp"

namespace crucible {

struct PoolOptions {
  std::size_t pool_size = 5;      // connections kept open (QueuePool)
  int max_overflow = 10;          // extra connections beyond pool_size; -1 = unlimited
  std::chrono::milliseconds timeout{30000};  // wait for a free connection before TimeoutError
  int recycle_seconds = -1;       // replace connections older than this; -1 = never
  bool pre_ping = false;          // ping on checkout and replace dead connections
  bool reset_on_return = true;    // roll back an open transaction on return
};

struct PoolStatus {
  std::size_t size = 0;         // configured pool size
  std::size_t checked_in = 0;   // idle connections
  std::size_t checked_out = 0;  // connections in use
  long overflow = 0;            // open connections beyond size (negative: room left in size)
};

using ConnectionFactory = std::function<std::unique_ptr<dialects::DriverConnection>()>;

struct PoolEvents {
  detail::EventList<void(dialects::DriverConnection&)> connect;   // a new connection opened
  detail::EventList<void(dialects::DriverConnection&)> checkout;  // handed to a user
  detail::EventList<void(dialects::DriverConnection&)> checkin;   // returned by a user
  detail::EventList<void(dialects::DriverConnection&, std::string_view reason)> invalidate;
};

class Pool;

namespace detail {
struct PoolRecord {
  std::unique_ptr<dialects::DriverConnection> connection;
  std::uint64_t generation = 0;
  std::chrono::steady_clock::time_point created;
  bool invalidated = false;
};
}  // namespace detail

class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&& other) noexcept {
    if (this != &other) {
      release();
      pool_ = other.pool_;
      record_ = std::move(other.record_);
    }
    return *this;
  }
  ~PooledConnection() { release(); }

  dialects::DriverConnection* get() const { return record_ ? record_->connection.get() : nullptr; }
  dialects::DriverConnection* operator->() const { return get(); }
  dialects::DriverConnection& operator*() const { return *get(); }
  explicit operator bool() const { return record_ != nullptr; }

  // Closes the connection now; the pool opens a new one for a later checkout.
  void invalidate(std::string_view reason = "invalidated");
  bool invalidated() const { return record_ && record_->invalidated; }
  // Returns the connection to the pool now.
  void release();

 private:
  friend class Pool;
  PooledConnection(Pool* pool, std::unique_ptr<detail::PoolRecord> record)
      : pool_(pool), record_(std::move(record)) {}
  Pool* pool_ = nullptr;
  std::unique_ptr<detail::PoolRecord> record_;
};

class Pool {
 public:
  Pool(ConnectionFactory factory, PoolOptions options);
  virtual ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Checks a connection out; throws TimeoutError, or the factory's error.
  virtual PooledConnection connect() = 0;
  virtual PoolStatus status_info() const = 0;
  // SQLAlchemy's status line: "Pool size: 5  Connections in pool: 1 Current Overflow: -4
  // Current Checked out connections: 0".
  std::string status() const;
  virtual std::string_view name() const = 0;
  // Closes idle connections; checked-out ones close when returned.
  virtual void dispose() = 0;
  // Marks every existing connection stale (after a disconnect): each is closed instead of
  // reused, when idle at the next checkout, when in use at its return.
  void invalidate_all() { generation_.fetch_add(1); }
  std::uint64_t generation() const { return generation_.load(); }

  PoolEvents& events() { return events_; }
  const PoolOptions& options() const { return options_; }

 protected:
  friend class PooledConnection;
  // Takes a connection back (after reset_for_return).
  virtual void checkin(std::unique_ptr<detail::PoolRecord> record) = 0;

  // Opens a connection through the factory and fires `connect`.
  std::unique_ptr<detail::PoolRecord> open_record();
  // Fires `checkout` and wraps the record in a lease.
  PooledConnection lease(std::unique_ptr<detail::PoolRecord> record);
  // Whether an idle connection must be replaced (older generation, recycled, closed).
  bool is_stale(const detail::PoolRecord& record) const;
  // Rolls back what the user left open; false when the connection is broken or stale.
  bool prepare_for_reuse(detail::PoolRecord& record);
  // Pings (pre_ping); on failure fires invalidate and returns false.
  bool ping_ok(detail::PoolRecord& record);
  static void close_record(std::unique_ptr<detail::PoolRecord> record) noexcept;

  ConnectionFactory factory_;
  PoolOptions options_;
  std::atomic<std::uint64_t> generation_{0};
  PoolEvents events_;
};

}  // namespace crucible
