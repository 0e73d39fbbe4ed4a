// SPDX-License-Identifier: MIT
// Connection: construction and closing, exec_driver_sql, transactions, isolation. (execute() and
// its cursor: execute.cpp.)
#include "crucible/engine/connection.hpp"

#include <chrono>
#include <utility>

#include "engine/detail/state.hpp"

namespace crucible {
using Clock = std::chrono::steady_clock;

namespace detail {

void ConnectionState::throw_closed() { throw InvalidRequestError("this Connection is closed"); }

void ConnectionState::close_cursors() {
  while (cursors) cursors->close();
}

void ConnectionState::begin_transaction() {
  if (guard_rolled_back) [[unlikely]]
    throw InvalidRequestError(
        "this Connection's transaction was rolled back through its Transaction guard, which is "
        "still in scope: end the guard's scope before using the Connection again (a statement "
        "here would silently begin a new transaction that nothing commits or rolls back)");
  auto& c = driver();
  guarded(*this, "BEGIN", [&] { c.begin(); });
  transaction_begun = true;
}

void ConnectionState::end_transaction(bool commit) {
  auto& c = driver();
  savepoints.clear();
  ++tx_epoch;
  const bool begun = std::exchange(transaction_begun, false);
  if (!c.in_transaction()) {
    // The server went away with the transaction: its work is gone, and a COMMIT must say so.
    if (commit && begun && !c.is_alive()) raise_lost_transaction(*engine);
    return;
  }
  close_cursors();  // results of the transaction end with it
  if (commit) guarded(*this, "COMMIT", [&] { c.commit(); });
  else guarded(*this, "ROLLBACK", [&] { c.rollback(); });
}

}  // namespace detail

// ---- construction / closing ------------------------------------------------------------------

Connection::Connection(std::shared_ptr<detail::ConnectionState> state) : state_(std::move(state)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}
Connection::~Connection() { close(); }

void Connection::close() {
  if (!state_ || state_->closed) return;
  auto& st = *state_;
  st.close_cursors();
  st.savepoints.clear();
  ++st.tx_epoch;
  if (st.conn && st.lease && !st.lease.invalidated()) {
    try {
      if (st.conn->in_transaction()) st.conn->rollback();
      if (st.isolation != st.engine->default_isolation)
        st.conn->set_isolation_level(st.engine->default_isolation);
    } catch (...) {
      st.lease.invalidate("reset failed on close");
    }
  }
  st.closed = true;
  st.conn = nullptr;
  st.lease.release();
}

bool Connection::closed() const { return !state_ || state_->closed; }

void Connection::invalidate() {
  if (!state_ || state_->closed) return;
  state_->close_cursors();
  state_->lease.invalidate("invalidated by the application");
  close();
}

Engine Connection::engine() const { return Engine(state_->engine); }
const sql::Dialect& Connection::dialect() const { return *state_->engine->dialect; }
dialects::DriverConnection& Connection::driver_connection() const { return state_->driver(); }

// ---- execution -----------------------------------------------------------------------------

// execute(): execute.cpp, beside the cursor it creates; execute_many: connection_many.cpp.

void Connection::exec_driver_sql(std::string_view sql_text) {
  auto& st = *state_;
  auto& c = st.driver();
  if (st.engine->events->statement_listeners()) {
    ExecuteInfo info{sql_text, {}, 1};
    st.engine->events->before_execute.fire(info);
    const auto started = Clock::now();
    detail::guarded(st, sql_text, [&] { c.exec(sql_text); });
    st.engine->events->after_execute.fire(info, ExecuteStats{Clock::now() - started, -1});
    return;
  }
  detail::guarded(st, sql_text, [&] { c.exec(sql_text); });
}

// ---- transactions --------------------------------------------------------------------------

bool Connection::in_transaction() const {
  return state_ && !state_->closed && state_->conn && state_->conn->in_transaction();
}

Transaction Connection::begin() {
  auto& st = *state_;
  auto& c = st.driver();
  if (c.in_transaction())
    throw InvalidRequestError(
        "a transaction is already begun on this Connection (autobegin runs at the first "
        "statement); call commit() or rollback() first, or use begin_nested()");
  st.begin_transaction();
  return Transaction(state_, st.tx_epoch, {});
}

Transaction Connection::begin_nested() {
  auto& st = *state_;
  auto& c = st.driver();
  if (!c.in_transaction()) st.begin_transaction();
  std::string name = "crucible_sp_" + std::to_string(++st.savepoint_seq);
  detail::guarded(st, "SAVEPOINT " + name, [&] { c.savepoint(name); });
  st.savepoints.push_back(name);
  return Transaction(state_, st.tx_epoch, std::move(name));
}

void Connection::commit() { state_->end_transaction(true); }
void Connection::rollback() { state_->end_transaction(false); }

void Connection::set_isolation_level(IsolationLevel level) {
  auto& st = *state_;
  auto& c = st.driver();
  c.set_isolation_level(level);
  st.isolation = level;
  st.autocommit = level == IsolationLevel::autocommit;
}

IsolationLevel Connection::isolation_level() const { return state_->isolation; }

Transaction::Transaction(std::weak_ptr<detail::ConnectionState> conn, std::uint64_t epoch,
                         std::string savepoint)
    : conn_(std::move(conn)), epoch_(epoch), savepoint_(std::move(savepoint)), done_(false) {}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(std::move(other.conn_)),
      epoch_(other.epoch_),
      savepoint_(std::move(other.savepoint_)),
      done_(std::exchange(other.done_, true)),
      refusing_(std::exchange(other.refusing_, false)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    if (is_active()) {
      try {
        rollback();
      } catch (...) {
      }
    }
    stop_refusing();
    conn_ = std::move(other.conn_);
    epoch_ = other.epoch_;
    savepoint_ = std::move(other.savepoint_);
    done_ = std::exchange(other.done_, true);
    refusing_ = std::exchange(other.refusing_, false);
  }
  return *this;
}

Transaction::~Transaction() {
  stop_refusing();
  if (!is_active()) return;
  try {
    roll_back_here();
  } catch (...) {
    // Destructors do not throw; the connection's own close rolls back anyway.
  }
}

void Transaction::stop_refusing() {
  if (!std::exchange(refusing_, false)) return;
  if (auto st = conn_.lock()) st->guard_rolled_back = false;
}

bool Transaction::is_active() const {
  if (done_) return false;
  auto st = conn_.lock();
  if (!st || st->closed || st->tx_epoch != epoch_) return false;
  if (savepoint_.empty()) return st->conn && st->conn->in_transaction();
  for (const auto& name : st->savepoints)
    if (name == savepoint_) return true;
  return false;
}

void Transaction::commit() {
  if (!is_active()) throw InvalidRequestError("this transaction is inactive (already committed or rolled back)");
  auto st = conn_.lock();
  done_ = true;
  if (savepoint_.empty()) {
    st->end_transaction(true);
    return;
  }
  auto& sps = st->savepoints;
  auto it = std::find(sps.begin(), sps.end(), savepoint_);
  sps.erase(it, sps.end());  // releasing a savepoint releases the ones inside it
  detail::guarded(*st, "RELEASE SAVEPOINT " + savepoint_, [&] { st->driver().release_savepoint(savepoint_); });
}

void Transaction::rollback() {
  const bool root = is_active() && savepoint_.empty();
  roll_back_here();
  // As SQLAlchemy inside `with conn.begin():`, the Connection refuses to begin anew until this
  // guard goes: its scope was written as one transaction.
  if (root) {
    if (auto st = conn_.lock()) {
      st->guard_rolled_back = true;
      refusing_ = true;
    }
  }
}

void Transaction::roll_back_here() {
  if (!is_active()) {
    done_ = true;
    return;
  }
  auto st = conn_.lock();
  done_ = true;
  if (savepoint_.empty()) {
    st->end_transaction(false);
    return;
  }
  auto& sps = st->savepoints;
  auto it = std::find(sps.begin(), sps.end(), savepoint_);
  sps.erase(it, sps.end());
  st->close_cursors();
  auto& c = st->driver();
  detail::guarded(*st, "ROLLBACK TO SAVEPOINT " + savepoint_, [&] {
    c.rollback_to_savepoint(savepoint_);
    c.release_savepoint(savepoint_);
  });
}

}  // namespace crucible
