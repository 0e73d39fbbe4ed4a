// SPDX-License-Identifier: MIT
// pool_status: the engine's pool, summed up for reports.
#include "crucible/monitor/pool_status.hpp"

namespace crucible {

PoolReport pool_status(const Engine& engine) {
  const Pool& pool = engine.pool();
  PoolReport report;
  report.pool = std::string(pool.name());
  report.status = pool.status_info();
  report.max_overflow = pool.options().max_overflow;
  report.timeout = pool.options().timeout;
  return report;
}

std::string PoolReport::to_string() const {
  // "QueuePool: size 10, 1 idle, 0 in use, overflow -9 (max 20), timeout 30 s". Overflow is a
  // QueuePool notion; NullPool keeps no connections, so it has no size either.
  std::string text = pool;
  text.append(":");
  if (status.size > 0) text.append(" size ").append(std::to_string(status.size)).append(",");
  text.append(" ").append(std::to_string(status.checked_in)).append(" idle, ");
  text.append(std::to_string(status.checked_out)).append(" in use");
  if (pool == "QueuePool") {
    text.append(", overflow ").append(std::to_string(status.overflow));
    text.append(max_overflow < 0 ? std::string(" (unlimited)") : " (max " + std::to_string(max_overflow) + ")");
  }
  const auto ms = timeout.count();
  text.append(", timeout ").append(ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms");
  return text;
}

}  // namespace crucible
