// SPDX-License-Identifier: MIT
// Connection::execute_bound / execute_many_bound: execute(compiled) / execute_many with the
// placeholders bound by the caller straight into the driver statement (the ORM's unit of work).
// Kept apart from execute.cpp's hot path; the same steps in the same order.
#include <chrono>

#include "crucible/engine/connection.hpp"
#include "engine/detail/state.hpp"

namespace crucible {

Result Connection::execute_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder) {
  using Clock = std::chrono::steady_clock;
  auto& st = *state_;
  auto& engine = *st.engine;
  if (compiled->numeric_digits > 0) [[unlikely]]  // before anything runs, as execute() does
    detail::check_numeric_values(engine, *compiled, binder.values(0));
  st.autobegin();
  detail::CursorPtr cursor = detail::StatementCursor::make(st, compiled);
  dialects::DriverStatement& stmt = cursor->statement();
  detail::check_placeholders(stmt, *compiled);

  const bool observed = engine.events->statement_listeners();
  std::vector<Value> shown;
  ExecuteInfo info;
  Clock::time_point started;
  bool has_row = false;
  try {
    binder.bind(stmt, 0);
    if (observed) {
      shown = binder.values(0);
      info.sql = compiled->sql;
      info.parameters = shown;
      engine.events->before_execute.fire(info);
      started = Clock::now();
    }
    has_row = stmt.step();
  } catch (dialects::DriverException& error) {
    cursor.reset();
    const auto values = observed ? shown : binder.values(0);
    detail::raise_driver_error(engine, &st, error, compiled->sql, values);
  }

  std::int64_t rows_affected;
  Result result = detail::StatementCursor::finish(std::move(cursor), compiled.get(), has_row, rows_affected);
  if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, rows_affected});
  return result;
}

Result Connection::execute_many_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder) {
  using Clock = std::chrono::steady_clock;
  auto& st = *state_;
  auto& engine = *st.engine;
  auto& c = st.driver();
  st.autobegin();
  dialects::StatementLease lease = detail::guarded(st, compiled->sql, [&] { return c.acquire(compiled); });
  detail::check_placeholders(*lease, *compiled);
  const std::size_t n = binder.size();
  if (compiled->numeric_digits > 0) [[unlikely]]  // before anything runs, as execute_many does
    for (std::size_t i = 0; i < n; ++i) detail::check_numeric_values(engine, *compiled, binder.values(i), n > 1 ? i + 1 : 0);
  const bool observed = engine.events->statement_listeners();
  ExecuteInfo info{compiled->sql, {}, n};
  Clock::time_point started;
  std::vector<Value> shown;
  std::vector<std::vector<Value>> sets;
  if (observed) {
    if (n == 1) {  // one set: its values, as execute() shows them (echo, recordings)
      shown = binder.values(0);
      info.parameters = shown;
    } else {  // every set, as execute_many shows them
      sets.reserve(n);
      for (std::size_t i = 0; i < n; ++i) sets.push_back(binder.values(i));
      info.parameter_sets = sets;
    }
    engine.events->before_execute.fire(info);
    started = Clock::now();
  }
  std::int64_t total = 0;
  // UPDATE, DELETE and statements returning rows (the binder's rows() reads them) go to the
  // driver's batch path on a server inside a transaction. Other INSERTs run set by set:
  // executed() reports each set's last insert id.
  if (n >= 2 && (compiled->kind != sql::StatementKind::insert || compiled->returns_rows) &&
      !engine.dialect->features().in_process && c.in_transaction()) {
    dialects::BatchOutcome outcome;
    bool batched = false;
    try {
      batched = compiled->returns_rows ? lease->execute_batch_rows(binder, outcome)
                                       : lease->execute_batch(binder, outcome);
    } catch (dialects::DriverException& error) {
      fail_batch(*compiled, lease, error, binder, outcome);
    }
    if (batched) {
      lease.release();
      for (std::size_t i = 0; i < n; ++i) binder.executed(i, 0);
      if (observed)
        engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, outcome.rows_affected});
      return Result(outcome.rows_affected, std::nullopt);
    }
  }
  std::size_t row = 0;
  try {
    for (; row < n; ++row) {
      lease->reset();
      binder.bind(*lease, row);
      if (compiled->returns_rows) binder.rows(row, *lease);  // its first step() executes
      while (lease->step()) {
      }
      total += lease->changes();
      binder.executed(row, c.last_insert_id().value_or(0));
    }
  } catch (dialects::DriverException& error) {
    lease.release();
    detail::raise_driver_error(engine, &st, error, compiled->sql, binder.values(row), row + 1);
  }
  lease.release();
  if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, total});
  return Result(total, std::nullopt);
}

}  // namespace crucible
