// SPDX-License-Identifier: MIT
// retry_on_deadlock for a Session: the engine's attempt loop around fn + commit, with a session
// rollback between attempts.
#include "crucible/orm/retry.hpp"

namespace crucible::detail {

void run_with_retry(Session& session, const std::function<void(Session&)>& body, const RetryOptions& options) {
  if (session.in_transaction() || session.new_count() > 0 || session.deleted_count() > 0)
    throw InvalidRequestError(
        "retry_on_deadlock: the session holds uncommitted work (an open transaction or unflushed new or deleted "
        "objects) that a retry would roll back; commit or roll back first");
  run_attempts(options, [&](bool& committing) {
    try {
      body(session);
      committing = true;
      session.commit();
    } catch (...) {
      // The attempt's transaction is over either way; objects return to what the database holds.
      if (session.in_transaction() || session.new_count() > 0 || session.deleted_count() > 0) session.rollback();
      throw;
    }
  });
}

}  // namespace crucible::detail
