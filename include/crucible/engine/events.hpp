// SPDX-License-Identifier: MIT
//
// EngineEvents: listeners on an engine's pool and statements, as SQLAlchemy's event.listen:
//
//   connect / checkout / checkin / invalidate   the pool's connection lifecycle
//   before_execute / after_execute              every statement (SQL, parameters, duration,
//                                               rows affected); one pair per execute_many
//   error                                       the translated DBAPIError, before it is thrown
//
// Each on_* returns an EventHandle; handle.remove() unregisters. Nothing is timed or rendered
// when nobody listens (one atomic flag per list). Listeners run on the executing thread and must
// not throw. SQL echo (EngineOptions::echo) is a built-in before_execute listener.
//
// Thread-safety: registering and removing are thread-safe; listeners may be called from many
// threads at once.
//
//   int statements = 0;
//   auto h = engine.events().on_before_execute([&](const ExecuteInfo&) { ++statements; });
//   ...
//   h.remove();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "crucible/core/errors.hpp"
#include "crucible/core/value.hpp"
#include "crucible/pool/pool.hpp"

namespace crucible {

struct ExecuteInfo {
  std::string_view sql;
  std::span<const Value> parameters;  // bound values in placeholder order (empty for many)
  std::size_t batch_size = 1;         // parameter sets of an execute_many
  // execute_many's before_execute: every set's bound values in placeholder order (built only
  // while a statement listener exists; empty for a single execution, and for a tuple range
  // that can be walked only once).
  std::span<const std::vector<Value>> parameter_sets{};
};

struct ExecuteStats {
  std::chrono::nanoseconds duration{0};  // to completion (DML) or to the first row (queries)
  std::int64_t rows_affected = -1;       // -1 for row-returning statements; for execute_many
                                         // the total over the sets (rows returned, with RETURNING)
};

class EngineEvents {
 public:
  using ConnectionListener = std::function<void(dialects::DriverConnection&)>;

  explicit EngineEvents(Pool& pool) : pool_(&pool) {}

  EventHandle on_connect(ConnectionListener fn) { return pool_->events().connect.add(std::move(fn)); }
  EventHandle on_checkout(ConnectionListener fn) { return pool_->events().checkout.add(std::move(fn)); }
  EventHandle on_checkin(ConnectionListener fn) { return pool_->events().checkin.add(std::move(fn)); }
  EventHandle on_invalidate(std::function<void(dialects::DriverConnection&, std::string_view)> fn) {
    return pool_->events().invalidate.add(std::move(fn));
  }
  EventHandle on_before_execute(std::function<void(const ExecuteInfo&)> fn) {
    return before_execute.add(std::move(fn));
  }
  EventHandle on_after_execute(std::function<void(const ExecuteInfo&, const ExecuteStats&)> fn) {
    return after_execute.add(std::move(fn));
  }
  EventHandle on_error(std::function<void(const DBAPIError&)> fn) { return error.add(std::move(fn)); }

  // Whether any statement listener is registered (the engine checks this before timing).
  bool statement_listeners() const { return !before_execute.empty() || !after_execute.empty(); }

  detail::EventList<void(const ExecuteInfo&)> before_execute;
  detail::EventList<void(const ExecuteInfo&, const ExecuteStats&)> after_execute;
  detail::EventList<void(const DBAPIError&)> error;

 private:
  Pool* pool_;
};

}  // namespace crucible
