// SPDX-License-Identifier: MIT
//
// pool_status: a snapshot of an engine's connection pool for reports — which pool, how it is
// configured and how many connections are idle or in use right now (Pool::status_info()).
//
//   crucible::PoolReport p = crucible::pool_status(engine);
//   std::cout << p.to_string() << "\n";
//   // QueuePool: size 5, 1 idle, 0 in use, overflow -4 (max 10), timeout 30 s
//
// Thread-safety: safe to call from any thread (the pool's members are).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "crucible/engine/engine.hpp"
#include "crucible/pool/pool.hpp"

namespace crucible {

struct PoolReport {
  std::string pool;       // "QueuePool", "NullPool", "StaticPool"
  PoolStatus status;      // size, checked_in (idle), checked_out (in use), overflow
  int max_overflow = 0;   // QueuePool's limit beyond size; -1 = unlimited
  std::chrono::milliseconds timeout{0};  // wait for a free connection before TimeoutError

  std::string to_string() const;
};

PoolReport pool_status(const Engine& engine);

}  // namespace crucible
