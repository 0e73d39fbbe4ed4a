// SPDX-License-Identifier: MIT
//
// retry_on_deadlock for a Session: runs a unit of work as one transaction of the session and,
// when the database reports a transient conflict (DeadlockError, SerializationError,
// LockNotAvailableError — see engine/retry.hpp), rolls the session back and runs it again.
//
//   auto log = retry_on_deadlock(session, [&](Session& s) {
//     auto users = s.query<User>().where(col(&User::id).in_({from, to})).order_by(col(&User::id))
//                      .with_for_update().populate_existing().all();   // both rows locked
//     ...                                      // throw to refuse: rolled back, not retried
//     return s.add(PointsTransfer{...});       // the helper commits (flush + COMMIT)
//   });
//
// Each attempt calls fn(session) and then session.commit(). A retryable error from either rolls
// the session back — objects added in the attempt are expunged, loaded ones expired, exactly as
// Session::rollback() does — waits (exponential backoff with jitter, RetryOptions) and runs fn
// again, so fn must compute from what it reads in that attempt. Any other exception rolls back
// and propagates unchanged; so does the last retryable error when the attempts run out.
//
// The session must have nothing a rollback would silently lose when the call starts: nothing
// written in its open transaction (Session::transaction_wrote()) and no new, deleted or edited
// objects left unflushed (InvalidRequestError otherwise; commit or roll back first). A transaction
// that only read (a query just before the call) is ended first: it has nothing to lose.
//
// Thread-safety: as the Session itself, one thread.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "crucible/engine/retry.hpp"
#include "crucible/orm/session.hpp"

namespace crucible {

namespace detail {
void run_with_retry(Session& session, const std::function<void(Session&)>& body, const RetryOptions& options);
}  // namespace detail

// Runs fn(Session&) and commits, again on retryable errors; returns what fn returned.
template <typename F>
auto retry_on_deadlock(Session& session, F&& fn, const RetryOptions& options = {}) {
  static_assert(std::is_invocable_v<F&, Session&>,
                "crucible: retry_on_deadlock on a Session needs a function taking (crucible::Session&)");
  using R = std::invoke_result_t<F&, Session&>;
  static_assert(!std::is_reference_v<R>, "crucible: retry_on_deadlock's function must return a value, not a reference");
  if constexpr (std::is_void_v<R>) {
    detail::run_with_retry(session, [&fn](Session& s) { fn(s); }, options);
  } else {
    std::optional<R> out;
    detail::run_with_retry(session, [&fn, &out](Session& s) { out.emplace(fn(s)); }, options);
    return std::move(*out);
  }
}

}  // namespace crucible
