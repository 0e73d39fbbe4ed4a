// SPDX-License-Identifier: MIT
//
// QueryMonitor: statement statistics and a slow-query log for one engine, fed by its execute
// events (engine/events.hpp). Attaching one registers listeners; destroying it removes them, so
// an engine with no monitor (and no other statement listener) times nothing.
//
//   crucible::QueryMonitor monitor(engine, {.slow_threshold = std::chrono::milliseconds(50)});
//   run_the_application();
//   for (const crucible::StatementStats& s : monitor.statements())   // by total time, largest first
//     std::cout << s.executions << "  " << s.mean() << "  " << s.sql << "\n";
//   std::cout << monitor.report(10);                                  // totals, pool, top 10, slow log
//
// What is measured: per distinct SQL text (as compiled for the dialect, so every run of one
// statement shape shares an entry whatever its literal values), the executions, the parameter
// sets (an execute_many counts once with its batch size), the total, mean, minimum and maximum
// durations, the rows affected by DML, slow executions and errors. A duration is the engine's:
// to completion for DML, to the first row for queries (reading the remaining rows is the
// application's time). Statements that fail are counted in `errors`, not timed.
//
// Slow queries: an execution taking at least `slow_threshold` is counted, kept in a bounded log
// (slow_queries()) and handed to `slow_sink` (default: one line on stderr). Parameters are
// rendered as in error messages: values longer than 200 characters keep their first 100, and an
// engine created with hide_parameters shows "[redacted]" and keeps no values.
//
// Thread-safety: the listeners may run on many threads at once; every member may be called
// from any thread while they do. The sink is called outside the monitor's lock, one call at a
// time, and never after the destructor has returned. A sink may run statements on the same
// engine (they are counted, but not sunk again); what it throws is swallowed.
//
// Ownership: the monitor holds a copy of the Engine handle (which keeps the engine alive). It is
// neither copyable nor movable: it owns the listener registrations.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/value.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/monitor/pool_status.hpp"

namespace crucible {

// One distinct SQL text's figures.
struct StatementStats {
  std::string sql;
  std::uint64_t executions = 0;      // execute calls that completed (execute_many: one each)
  std::uint64_t parameter_sets = 0;  // sum of batch sizes (== executions without execute_many)
  std::chrono::nanoseconds total{0};
  std::chrono::nanoseconds min{0};
  std::chrono::nanoseconds max{0};
  std::int64_t rows_affected = 0;    // summed over DML executions; queries add nothing
  std::uint64_t slow = 0;            // executions at or over the slow threshold
  std::uint64_t errors = 0;          // executions that raised a DBAPIError
  // The bound values of the slowest execution, in placeholder order (for explain_sql()); empty
  // for execute_many, when QueryMonitorOptions::keep_parameters is off or parameters are hidden.
  std::vector<Value> slowest_parameters;

  std::chrono::nanoseconds mean() const {
    return executions ? total / static_cast<std::int64_t>(executions) : std::chrono::nanoseconds(0);
  }
};

// The sums over every statement since the monitor was attached (or reset).
struct MonitorTotals {
  std::uint64_t executions = 0;
  std::uint64_t parameter_sets = 0;
  std::uint64_t statements = 0;      // distinct SQL texts
  std::chrono::nanoseconds total{0};
  std::int64_t rows_affected = 0;
  std::uint64_t slow = 0;
  std::uint64_t errors = 0;
  std::uint64_t connects = 0;        // new connections opened by the pool
  std::uint64_t checkouts = 0;       // connections handed out by the pool
  std::uint64_t invalidations = 0;   // connections discarded (disconnects, invalidate())
  std::chrono::steady_clock::duration elapsed{0};  // wall time since attach or reset()
};

// One slow execution, as handed to the sink and kept in the slow log.
struct SlowQuery {
  std::string sql;
  std::chrono::nanoseconds duration{0};
  // Rendered as in error messages (long values truncated), or one "[redacted]".
  std::vector<std::string> parameters;
  // The bound values, for explain_sql(); empty for execute_many and when parameters are hidden.
  std::vector<Value> values;
  std::size_t batch_size = 1;        // parameter sets of an execute_many
  std::int64_t rows_affected = -1;   // -1 for row-returning statements
  std::chrono::system_clock::time_point when;

  // "slow query (123.456 ms): SELECT ... [parameters: (1, 'x')]" (or "[3 parameter sets]").
  std::string to_string() const;
};

struct QueryMonitorOptions {
  // An execution taking at least this long is slow (zero: every statement is).
  // std::chrono::nanoseconds::max() switches the slow log off.
  std::chrono::nanoseconds slow_threshold = std::chrono::milliseconds(100);
  // Called once per slow execution; default: "[crucible] slow query (...)" on stderr. To keep
  // slow statements only in slow_queries(), pass one that does nothing.
  std::function<void(const SlowQuery&)> slow_sink = {};
  std::size_t slow_log_size = 100;    // most recent slow executions kept by slow_queries()
  // Distinct SQL texts tracked; executions of further ones are summed under the SQL text
  // "(other statements)" (SQL built with inlined values would otherwise grow without bound).
  std::size_t max_statements = 1000;
  bool keep_parameters = true;        // StatementStats::slowest_parameters
};

class QueryMonitor {
 public:
  explicit QueryMonitor(const Engine& engine, QueryMonitorOptions options = {});
  ~QueryMonitor();  // unregisters; waits for a sink call in progress
  QueryMonitor(const QueryMonitor&) = delete;
  QueryMonitor& operator=(const QueryMonitor&) = delete;

  // Every statement's figures, by total time, largest first (ties: more executions first).
  std::vector<StatementStats> statements() const;
  // The figures of one SQL text (as the engine ran it), if it ran.
  std::optional<StatementStats> statement(std::string_view sql) const;
  MonitorTotals totals() const;
  // The slow log, oldest first (at most slow_log_size entries).
  std::vector<SlowQuery> slow_queries() const;

  // Forgets every figure and the slow log; the listeners stay attached.
  void reset();

  std::chrono::nanoseconds slow_threshold() const;
  void set_slow_threshold(std::chrono::nanoseconds threshold);

  // A readable report: the totals, the pool's status, the `top` statements by total time and the
  // slow log's last `top` entries (SQL through summarize_sql(sql, sql_width)).
  std::string report(std::size_t top = 10, std::size_t sql_width = 160) const;

  const Engine& engine() const { return engine_; }

 private:
  struct State;  // shared with the listeners (src/monitor/query_monitor.cpp)
  Engine engine_;
  std::shared_ptr<State> state_;
  std::vector<EventHandle> handles_;
};

// SQL for a report line: on one line, each SELECT list cut to its first item ("SELECT posts.id,
// ... FROM posts JOIN ..."), then cut at `width` characters with "..." (0: no limit).
std::string summarize_sql(std::string_view sql, std::size_t width = 0);

// How long `d` is, for people: "812 ns", "45.2 us", "3.140 ms", "2.51 s".
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace crucible
