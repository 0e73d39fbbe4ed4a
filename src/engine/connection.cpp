// SPDX-License-Identifier: MIT
// Connection: execution paths (the hot path lives here), transactions, isolation, closing.
#include "crucible/engine/connection.hpp"

#include <chrono>

#include "engine/detail/state.hpp"

namespace crucible {
using Clock = std::chrono::steady_clock;

namespace detail {

dialects::DriverConnection& ConnectionState::driver() {
  if (closed || !conn) throw InvalidRequestError("this Connection is closed");
  return *conn;
}

void ConnectionState::close_cursors() {
  while (cursors) cursors->close();
}

void ConnectionState::end_transaction(bool commit) {
  auto& c = driver();
  savepoints.clear();
  ++tx_epoch;
  if (!c.in_transaction()) return;
  close_cursors();  // results of the transaction end with it
  if (commit) guarded(*this, "COMMIT", [&] { c.commit(); });
  else guarded(*this, "ROLLBACK", [&] { c.rollback(); });
}

namespace {

void autobegin(ConnectionState& st) {
  auto& c = st.driver();
  if (!st.autocommit && !c.in_transaction()) guarded(st, "BEGIN", [&] { c.begin(); });
}

[[noreturn]] void missing_parameter(const sql::CompiledStatement& compiled, const sql::BindSlot& slot) {
  throw ArgumentError("no value for bind parameter '" + slot.name + "' in statement: " +
                      compiled.sql);
}

// Binds every placeholder of `compiled` from literals and named params.
void bind_all(dialects::DriverStatement& stmt, const sql::CompiledStatement& compiled,
              std::span<const Value> literals, const Params& params) {
  const auto& binds = compiled.binds;
  if (static_cast<std::size_t>(stmt.parameter_count()) != binds.size())
    throw ArgumentError("statement has " + std::to_string(stmt.parameter_count()) +
                        " placeholders but " + std::to_string(binds.size()) +
                        " bind slots: " + compiled.sql);
  for (std::size_t i = 0; i < binds.size(); ++i) {
    const sql::BindSlot& slot = binds[i];
    const Value* v = nullptr;
    if (slot.literal_index >= 0) {
      if (static_cast<std::size_t>(slot.literal_index) < literals.size()) v = &literals[slot.literal_index];
    } else {
      v = params.find(slot.name);
    }
    if (!v) missing_parameter(compiled, slot);
    // Integers (keys, most parameters) skip the driver's visit over every Value alternative.
    if (const auto* integer = std::get_if<std::int64_t>(&v->variant()))
      stmt.bind_int64(static_cast<int>(i), *integer);
    else
      stmt.bind(static_cast<int>(i), *v);
  }
}

std::vector<Value> bound_values(const sql::CompiledStatement& compiled,
                                std::span<const Value> literals, const Params& params) {
  std::vector<Value> out;
  out.reserve(compiled.binds.size());
  for (const auto& slot : compiled.binds) {
    const Value* v = slot.literal_index >= 0
                         ? (static_cast<std::size_t>(slot.literal_index) < literals.size()
                                ? &literals[slot.literal_index]
                                : nullptr)
                         : params.find(slot.name);
    out.push_back(v ? *v : Value());
  }
  return out;
}

}  // namespace
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

Result Connection::execute(const sql::Executable& statement, const Params& params) {
  auto& st = *state_;
  st.literals.clear();
  sql::CompiledPtr compiled = st.engine->compiled_cache->get(*st.engine->dialect, statement, st.literals);
  return execute(compiled, params, st.literals);
}

Result Connection::execute(std::string_view sql_text, const Params& params) {
  return execute(text(sql_text), params);
}

Result Connection::execute(const sql::CompiledPtr& compiled, const Params& params,
                           std::span<const Value> literals) {
  auto& st = *state_;
  auto& engine = *st.engine;
  detail::autobegin(st);
  auto& c = *st.conn;
  dialects::StatementLease lease = detail::guarded(st, compiled->sql, [&] { return c.acquire(compiled); });
  detail::bind_all(*lease, *compiled, literals, params);

  // Listeners only cost something when present.
  const bool observed = engine.events->statement_listeners();
  std::vector<Value> shown;
  ExecuteInfo info;
  Clock::time_point started;
  if (observed) {
    shown = detail::bound_values(*compiled, literals, params);
    info.sql = compiled->sql;
    info.parameters = shown;
    engine.events->before_execute.fire(info);
    started = Clock::now();
  }

  bool has_row = false;
  try {
    has_row = lease->step();
  } catch (dialects::DriverException& error) {
    lease.release();
    const auto values = observed ? shown : detail::bound_values(*compiled, literals, params);
    detail::raise_driver_error(engine, &st, error, compiled->sql, values);
  }

  std::shared_ptr<detail::StatementInfo> private_info;
  if (lease->column_count() == 0) {
    // No rows can come: finish now so the statement goes straight back to the cache.
    if (has_row) while (lease->step()) {}
    const std::int64_t changes = lease->changes();
    const detail::StatementInfo& si = detail::statement_info(lease, compiled.get(), private_info);
    std::optional<std::int64_t> last_id;
    if (si.is_insert) last_id = c.last_insert_id();
    lease.release();
    if (observed)
      engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, changes});
    return Result(changes, last_id);
  }
  const detail::StatementInfo& si = detail::statement_info(lease, compiled.get(), private_info);
  if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, -1});
  return Result(std::make_unique<detail::StatementCursor>(st, std::move(lease), si,
                                                          std::move(private_info), has_row));
}

Result Connection::execute_params(const sql::Executable& statement, std::span<const Params> rows) {
  auto& st = *state_;
  auto& engine = *st.engine;
  st.literals.clear();
  sql::CompiledPtr compiled = engine.compiled_cache->get(*engine.dialect, statement, st.literals);
  detail::autobegin(st);
  dialects::StatementLease lease = detail::guarded(st, compiled->sql, [&] { return st.conn->acquire(compiled); });
  const bool observed = engine.events->statement_listeners();
  ExecuteInfo info{compiled->sql, {}, rows.size()};
  Clock::time_point started;
  if (observed) {
    engine.events->before_execute.fire(info);
    started = Clock::now();
  }
  std::int64_t total = 0;
  std::size_t index = 0;
  try {
    for (; index < rows.size(); ++index) {
      lease->reset();
      detail::bind_all(*lease, *compiled, st.literals, rows[index]);
      while (lease->step()) {
      }
      total += lease->changes();
    }
  } catch (dialects::DriverException& error) {
    lease.release();
    const auto values = detail::bound_values(*compiled, st.literals, rows[index]);
    detail::raise_driver_error(engine, &st, error, compiled->sql, values, index + 1);
  }
  lease.release();
  if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, total});
  return Result(total, std::nullopt);
}

void Connection::start_many(const sql::Executable& statement, std::size_t arity,
                            detail::ManyExecution& ex) {
  auto& st = *state_;
  auto& engine = *st.engine;
  ex.compiled = engine.compiled_cache->get(*engine.dialect, statement, ex.literals);
  const auto& binds = ex.compiled->binds;
  // Tuple element k feeds the k-th distinct bind name, in order of first appearance.
  std::vector<std::string_view> names;
  ex.slot_element.resize(binds.size(), -1);
  ex.identity = true;
  for (std::size_t i = 0; i < binds.size(); ++i) {
    if (binds[i].literal_index >= 0) {
      ex.identity = false;
      continue;
    }
    std::size_t k = 0;
    while (k < names.size() && names[k] != binds[i].name) ++k;
    if (k == names.size()) names.push_back(binds[i].name);
    ex.slot_element[i] = static_cast<int>(k);
    if (k != i) ex.identity = false;
  }
  if (names.size() != arity)
    throw TypeError("execute_many: the statement has " + std::to_string(names.size()) +
                    " named parameters but the tuples have " + std::to_string(arity) +
                    " elements: " + ex.compiled->sql);
  detail::autobegin(st);
  ex.lease = detail::guarded(st, ex.compiled->sql, [&] { return st.conn->acquire(ex.compiled); });
  if (static_cast<std::size_t>(ex.lease->parameter_count()) != binds.size())
    throw ArgumentError("statement has " + std::to_string(ex.lease->parameter_count()) +
                        " placeholders but " + std::to_string(binds.size()) + " bind slots");
  ex.lease->reset();
  try {
    for (std::size_t i = 0; i < binds.size(); ++i)  // literals stay bound for every row
      if (binds[i].literal_index >= 0) ex.lease->bind(static_cast<int>(i), ex.literals.at(binds[i].literal_index));
  } catch (dialects::DriverException& error) {
    ex.lease.release();
    detail::raise_driver_error(engine, &st, error, ex.compiled->sql, ex.literals);
  }
  if (engine.events->statement_listeners()) {
    ex.timed = true;
    engine.events->before_execute.fire(ExecuteInfo{ex.compiled->sql, {}, 0});
    ex.started = Clock::now();
  }
}

Result Connection::finish_many(detail::ManyExecution& ex) {
  ex.lease.release();
  if (ex.timed)
    state_->engine->events->after_execute.fire(ExecuteInfo{ex.compiled->sql, {}, ex.batch},
                                              ExecuteStats{Clock::now() - ex.started, ex.rows_affected});
  return Result(ex.rows_affected, std::nullopt);
}

void Connection::fail_many(detail::ManyExecution& ex, dialects::DriverException& error,
                           std::vector<Value> row) {
  ex.lease.release();
  detail::raise_driver_error(*state_->engine, state_.get(), error, ex.compiled->sql, row, ex.batch + 1);
}

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
  detail::guarded(st, "BEGIN", [&] { c.begin(); });
  return Transaction(state_, st.tx_epoch, {});
}

Transaction Connection::begin_nested() {
  auto& st = *state_;
  auto& c = st.driver();
  if (!c.in_transaction()) detail::guarded(st, "BEGIN", [&] { c.begin(); });
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
      done_(std::exchange(other.done_, true)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    if (is_active()) {
      try {
        rollback();
      } catch (...) {
      }
    }
    conn_ = std::move(other.conn_);
    epoch_ = other.epoch_;
    savepoint_ = std::move(other.savepoint_);
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

Transaction::~Transaction() {
  if (!is_active()) return;
  try {
    rollback();
  } catch (...) {
    // Destructors do not throw; the connection's own close rolls back anyway.
  }
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
