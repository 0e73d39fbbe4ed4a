// SPDX-License-Identifier: MIT
// What every pool shares: opening, resetting, pinging and closing connections, and leases.
#include "crucible/pool/pool.hpp"

#include <cstdio>

namespace crucible {

void PooledConnection::invalidate(std::string_view reason) {
  if (!record_ || record_->invalidated) return;
  record_->invalidated = true;
  if (pool_) pool_->events_.invalidate.fire(*record_->connection, reason);
  try {
    record_->connection->close();
  } catch (...) {
    // A broken connection may fail to close cleanly; it is discarded either way.
  }
}

void PooledConnection::release() {
  if (!record_) return;
  if (pool_) pool_->checkin(std::move(record_));
  record_.reset();
}

Pool::Pool(ConnectionFactory factory, PoolOptions options)
    : factory_(std::move(factory)), options_(options) {}

Pool::~Pool() = default;

std::string Pool::status() const {
  const auto s = status_info();
  return "Pool size: " + std::to_string(s.size) +
         "  Connections in pool: " + std::to_string(s.checked_in) +
         " Current Overflow: " + std::to_string(s.overflow) +
         " Current Checked out connections: " + std::to_string(s.checked_out);
}

std::unique_ptr<detail::PoolRecord> Pool::open_record() {
  auto record = std::make_unique<detail::PoolRecord>();
  record->generation = generation_.load();
  record->connection = factory_();
  record->created = std::chrono::steady_clock::now();
  events_.connect.fire(*record->connection);
  return record;
}

PooledConnection Pool::lease(std::unique_ptr<detail::PoolRecord> record) {
  events_.checkout.fire(*record->connection);
  return PooledConnection(this, std::move(record));
}

bool Pool::is_stale(const detail::PoolRecord& record) const {
  if (record.invalidated || record.generation != generation_.load()) return true;
  if (!record.connection || !record.connection->is_alive()) return true;
  if (options_.recycle_seconds >= 0 &&
      std::chrono::steady_clock::now() - record.created >=
          std::chrono::seconds(options_.recycle_seconds))
    return true;
  return false;
}

bool Pool::prepare_for_reuse(detail::PoolRecord& record) {
  if (record.invalidated || !record.connection || !record.connection->is_alive()) return false;
  events_.checkin.fire(*record.connection);
  if (options_.reset_on_return) {
    try {
      if (record.connection->in_transaction()) record.connection->rollback();
    } catch (...) {
      return false;  // a connection that cannot roll back is not reused
    }
  }
  return record.generation == generation_.load();
}

bool Pool::ping_ok(detail::PoolRecord& record) {
  if (!options_.pre_ping) return true;
  bool ok = false;
  try {
    ok = record.connection->ping();
  } catch (...) {
  }
  if (!ok) {
    record.invalidated = true;
    events_.invalidate.fire(*record.connection, "pre-ping failed");
  }
  return ok;
}

void Pool::close_record(std::unique_ptr<detail::PoolRecord> record) noexcept {
  if (!record || !record->connection) return;
  try {
    record->connection->close();
  } catch (...) {
  }
}

}  // namespace crucible
