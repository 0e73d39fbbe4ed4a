// SPDX-License-Identifier: MIT
//
// The monitor layer (crucible::monitor): what an application asks when it wants to know where
// its database time goes.
//
//   QueryMonitor   per-statement counts and timings, totals, a slow-query log
//                                                             monitor/query_monitor.hpp
//   pool_status    the engine's pool: which, how big, idle / in use     monitor/pool_status.hpp
//   explain        the database's plan for a statement (EXPLAIN QUERY PLAN / EXPLAIN)
//                                                             monitor/explain.hpp
//
// Built on the engine's execute and pool events only; nothing here is on the engine's path
// when no monitor is attached. See docs/monitoring.md.
//
//   crucible::QueryMonitor monitor(engine, {.slow_threshold = std::chrono::milliseconds(50)});
//   ...
//   std::cout << monitor.report();
//   auto conn = engine.connect();
//   for (auto& line : crucible::explain(conn, stmt)) std::cout << line << "\n";
#pragma once

#include "crucible/monitor/explain.hpp"
#include "crucible/monitor/pool_status.hpp"
#include "crucible/monitor/query_monitor.hpp"
