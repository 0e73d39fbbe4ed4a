// SPDX-License-Identifier: MIT
// retry_on_deadlock: the attempt loop, the retry decision and the backoff.
#include "crucible/engine/retry.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <thread>

namespace crucible {
namespace {

void check(const RetryOptions& o) {
  if (o.max_attempts < 1)
    throw ArgumentError("retry_on_deadlock: max_attempts must be at least 1, not " + std::to_string(o.max_attempts));
  if (o.backoff.count() < 0 || o.max_backoff.count() < 0)
    throw ArgumentError("retry_on_deadlock: backoff and max_backoff cannot be negative");
  if (!(o.backoff_multiplier >= 1.0))
    throw ArgumentError("retry_on_deadlock: backoff_multiplier must be at least 1");
}

// A lost connection leaves a committing transaction in an unknown state: re-running it could
// apply it twice. Before COMMIT nothing was committed, so a fresh attempt is safe when asked for.
bool should_retry(const DBAPIError& error, bool committing, const RetryOptions& o) {
  if (error.is_disconnect()) return o.retry_disconnects && !committing;
  return error.retryable();
}

std::chrono::milliseconds jittered(std::chrono::milliseconds wait) {
  if (wait.count() <= 1) return wait;
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(wait.count() / 2, wait.count());
  return std::chrono::milliseconds(pick(random));
}

// Runs `attempt` until it returns, a non-retryable error escapes, or the attempts run out.
// `attempt` sets `committing` when it reaches COMMIT.
template <typename Attempt>
void attempt_loop(const RetryOptions& options, Attempt&& attempt) {
  check(options);
  for (int n = 1;; ++n) {
    bool committing = false;
    try {
      attempt(committing);
      return;
    } catch (const DBAPIError& error) {
      if (n >= options.max_attempts || !should_retry(error, committing, options)) throw;
      auto wait = retry_backoff(options, n);
      if (options.jitter) wait = jittered(wait);
      if (options.on_retry) options.on_retry(error, n, wait);
      // The failed attempt's connection is already back in the pool: nothing is held while waiting.
      std::this_thread::sleep_for(wait);
    }
  }
}

void run_once(Connection& conn, const std::function<void(Connection&)>& body, bool& committing) {
  auto tx = conn.begin();
  body(conn);
  // The function may have ended the transaction itself (a deliberate rollback, say).
  if (!tx.is_active()) return;
  committing = true;
  tx.commit();
}

}  // namespace

std::chrono::milliseconds retry_backoff(const RetryOptions& options, int failed) {
  const double scaled = static_cast<double>(options.backoff.count()) *
                        std::pow(options.backoff_multiplier, std::max(0, failed - 1));
  const double capped = std::min(scaled, static_cast<double>(options.max_backoff.count()));
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(capped));
}

namespace detail {

void run_attempts(const RetryOptions& options, const std::function<void(bool& committing)>& attempt) {
  attempt_loop(options, attempt);
}

void run_with_retry(const Engine& engine, const std::function<void(Connection&)>& body, const RetryOptions& options) {
  attempt_loop(options, [&](bool& committing) {
    auto conn = engine.connect();
    run_once(conn, body, committing);
  });
}

void run_with_retry(Connection& conn, const std::function<void(Connection&)>& body, const RetryOptions& options) {
  RetryOptions same_connection = options;
  same_connection.retry_disconnects = false;  // an invalidated connection cannot begin again
  attempt_loop(same_connection, [&](bool& committing) { run_once(conn, body, committing); });
}

}  // namespace detail
}  // namespace crucible
