// SPDX-License-Identifier: MIT
// Connection::execute_bound / execute_many_bound: execute(compiled) / execute_many with the
// placeholders bound by the caller straight into the driver statement (the ORM's unit of work).
// Kept apart from connection.cpp's hot path; the same steps in the same order.
#include <chrono>

#include "crucible/engine/connection.hpp"
#include "engine/detail/state.hpp"

namespace crucible {

Result Connection::execute_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder) {
  using Clock = std::chrono::steady_clock;
  auto& st = *state_;
  auto& engine = *st.engine;
  auto& c = st.driver();
  if (!st.autocommit && !c.in_transaction()) detail::guarded(st, "BEGIN", [&] { c.begin(); });
  dialects::StatementLease lease = detail::guarded(st, compiled->sql, [&] { return c.acquire(compiled); });
  if (static_cast<std::size_t>(lease->parameter_count()) != compiled->binds.size())
    throw ArgumentError("statement has " + std::to_string(lease->parameter_count()) + " placeholders but " +
                        std::to_string(compiled->binds.size()) + " bind slots: " + compiled->sql);

  const bool observed = engine.events->statement_listeners();
  std::vector<Value> shown;
  ExecuteInfo info;
  Clock::time_point started;
  bool has_row = false;
  try {
    binder.bind(*lease, 0);
    if (observed) {
      shown = binder.values(0);
      info.sql = compiled->sql;
      info.parameters = shown;
      engine.events->before_execute.fire(info);
      started = Clock::now();
    }
    has_row = lease->step();
  } catch (dialects::DriverException& error) {
    lease.release();
    const auto values = observed ? shown : binder.values(0);
    detail::raise_driver_error(engine, &st, error, compiled->sql, values);
  }

  std::shared_ptr<detail::StatementInfo> private_info;
  if (lease->column_count() == 0) {
    if (has_row) while (lease->step()) {}
    const std::int64_t changes = lease->changes();
    const detail::StatementInfo& si = detail::statement_info(lease, compiled.get(), private_info);
    std::optional<std::int64_t> last_id;
    if (si.is_insert) last_id = c.last_insert_id();
    lease.release();
    if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, changes});
    return Result(changes, last_id);
  }
  const detail::StatementInfo& si = detail::statement_info(lease, compiled.get(), private_info);
  if (observed) engine.events->after_execute.fire(info, ExecuteStats{Clock::now() - started, -1});
  return Result(std::make_unique<detail::StatementCursor>(st, std::move(lease), si, std::move(private_info),
                                                          has_row));
}

Result Connection::execute_many_bound(const sql::CompiledPtr& compiled, const detail::StatementBinder& binder) {
  using Clock = std::chrono::steady_clock;
  auto& st = *state_;
  auto& engine = *st.engine;
  auto& c = st.driver();
  if (!st.autocommit && !c.in_transaction()) detail::guarded(st, "BEGIN", [&] { c.begin(); });
  dialects::StatementLease lease = detail::guarded(st, compiled->sql, [&] { return c.acquire(compiled); });
  if (static_cast<std::size_t>(lease->parameter_count()) != compiled->binds.size())
    throw ArgumentError("statement has " + std::to_string(lease->parameter_count()) + " placeholders but " +
                        std::to_string(compiled->binds.size()) + " bind slots: " + compiled->sql);
  const std::size_t n = binder.size();
  const bool observed = engine.events->statement_listeners();
  ExecuteInfo info{compiled->sql, {}, n};
  Clock::time_point started;
  if (observed) {
    engine.events->before_execute.fire(info);
    started = Clock::now();
  }
  std::int64_t total = 0;
  std::size_t row = 0;
  try {
    for (; row < n; ++row) {
      lease->reset();
      binder.bind(*lease, row);
      while (lease->step()) {
      }
      total += lease->changes();
      binder.executed(row, c.last_insert_id());
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
