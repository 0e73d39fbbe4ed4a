// SPDX-License-Identifier: MIT
//
// retry_on_deadlock: runs a function as one transaction and, when the database reports a
// transient conflict, runs it again from the start (the seed's
// TransactionManager.retry_on_deadlock).
//
//   bool moved = retry_on_deadlock(engine, [&](Connection& conn) {
//     auto rows = conn.execute(select(id, balance).where(id.in_({from, to})).order_by(id)
//                                  .with_for_update()).all();
//     ...                                          // refuse: return false (nothing was written)
//     conn.execute(update(accounts).values(set(balance, balance - amount)).where(id == from));
//     return true;                                 // the helper commits
//   });
//
// Each attempt checks a connection out of the engine's pool, begins a transaction, calls the
// function with the connection and commits when it returns (unless the function ended the
// transaction itself). A DBAPIError that is retryable() — DeadlockError, SerializationError,
// LockNotAvailableError (SQLite's SQLITE_BUSY included) — from the function or from the commit
// rolls the transaction back, returns the connection, waits, and starts a new attempt. Waits grow
// exponentially (backoff, times backoff_multiplier per attempt, at most max_backoff) with jitter,
// so that the transactions that collided do not collide again. After max_attempts runs the last
// error propagates unchanged; any other exception (other DBAPIErrors, the function's own) rolls
// back and propagates at once, unchanged.
//
// The function may run more than once: keep effects outside the database (mail, counters) out of
// it, and compute from what this attempt read. Return values, not Results (the connection is back
// in the pool when the helper returns). A lost connection is re-run only with retry_disconnects,
// and never when COMMIT itself failed: whether that transaction committed is unknown.
//
// The Connection& form runs every attempt on the given connection (no transaction may be open on
// it); it cannot continue after a lost connection.
//
// Thread-safety: call from any thread; each call uses its own connection (the engine form) or
// the caller's. RetryOptions are read only.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "crucible/core/errors.hpp"
#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"

namespace crucible {

struct RetryOptions {
  int max_attempts = 5;                          // runs in all, the first one included
  std::chrono::milliseconds backoff{20};         // the wait after the first failure...
  double backoff_multiplier = 2.0;               // ...times this after each further failure...
  std::chrono::milliseconds max_backoff{2000};   // ...but never longer than this
  bool jitter = true;                            // wait a random time between half and all of it
  bool retry_disconnects = false;                // also re-run after a lost connection (not at COMMIT)
  // Called before each wait: the error, the attempt that failed (1-based), the wait chosen.
  std::function<void(const DBAPIError& error, int attempt, std::chrono::milliseconds wait)> on_retry = {};
};

namespace detail {
// The attempt loop itself, for helpers that run something other than a Connection function
// (the Session form in orm/retry.hpp): `attempt` sets its argument when it reaches COMMIT.
void run_attempts(const RetryOptions& options, const std::function<void(bool& committing)>& attempt);
void run_with_retry(const Engine& engine, const std::function<void(Connection&)>& body, const RetryOptions& options);
void run_with_retry(Connection& conn, const std::function<void(Connection&)>& body, const RetryOptions& options);

template <typename Target, typename F>
auto retry_returning(Target& target, F& fn, const RetryOptions& options) {
  static_assert(std::is_invocable_v<F&, Connection&>,
                "crucible: retry_on_deadlock needs a function taking (crucible::Connection&)");
  using R = std::invoke_result_t<F&, Connection&>;
  static_assert(!std::is_reference_v<R>,
                "crucible: retry_on_deadlock's function must return a value, not a reference");
  if constexpr (std::is_void_v<R>) {
    run_with_retry(target, [&fn](Connection& conn) { fn(conn); }, options);
  } else {
    std::optional<R> out;
    run_with_retry(target, [&fn, &out](Connection& conn) { out.emplace(fn(conn)); }, options);
    return std::move(*out);
  }
}
}  // namespace detail

// Runs fn(Connection&) in a transaction on a pooled connection, again on retryable errors;
// returns what fn returned.
template <typename F>
auto retry_on_deadlock(const Engine& engine, F&& fn, const RetryOptions& options = {}) {
  return detail::retry_returning(engine, fn, options);
}

// The same on a connection the caller holds.
template <typename F>
auto retry_on_deadlock(Connection& conn, F&& fn, const RetryOptions& options = {}) {
  return detail::retry_returning(conn, fn, options);
}

// The wait before attempt `failed + 1`, without jitter: backoff * multiplier^(failed - 1), capped.
std::chrono::milliseconds retry_backoff(const RetryOptions& options, int failed);

}  // namespace crucible
