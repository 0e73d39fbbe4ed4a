// SPDX-License-Identifier: MIT
// retry_on_deadlock for a Session: the engine's attempt loop around fn + commit, with a session
// rollback between attempts.
#include "crucible/orm/retry.hpp"

namespace crucible::detail {

void run_with_retry(Session& session, const std::function<void(Session&)>& body, const RetryOptions& options) {
  if (session.transaction_wrote() || session.new_count() > 0 || session.deleted_count() > 0 ||
      session.dirty_count() > 0)
    throw InvalidRequestError(
        "retry_on_deadlock: the session holds uncommitted work (written in its open transaction, or new, deleted or "
        "changed objects not yet flushed) that a retry would roll back; commit or roll back first");
  // What is left is a transaction that only read: ending it loses nothing, and each attempt then
  // reads afresh in a transaction of its own.
  if (session.in_transaction()) session.commit();
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
