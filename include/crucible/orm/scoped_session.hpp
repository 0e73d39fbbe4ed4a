// SPDX-License-Identifier: MIT
//
// ScopedSession: a registry handing out one Session per scope — per thread by default, or per
// request with a scope function — as SQLAlchemy's scoped_session / Flask-SQLAlchemy's db.session.
//
//   crucible::ScopedSession db(engine);                 // one session per thread
//   db().add(User{...}); db().commit();                 // in a handler
//   db.remove();                                        // at the end of the request: close + forget
//
//   crucible::ScopedSession per_request(engine, {}, [] { return current_request_id(); });
//
// `configure` runs on every new session (register ORM event listeners there).
// Thread-safety: the registry is safe to use from any thread; each Session it returns belongs to
// its scope (use it from that scope's thread only).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "crucible/orm/session.hpp"

namespace crucible {

class ScopedSession {
 public:
  using ScopeFunction = std::function<std::uintptr_t()>;
  explicit ScopedSession(Engine engine, SessionOptions options = {}, ScopeFunction scope = {},
                         std::function<void(Session&)> configure = {});
  ~ScopedSession();
  ScopedSession(const ScopedSession&) = delete;
  ScopedSession& operator=(const ScopedSession&) = delete;

  // The current scope's session, created on first use.
  Session& operator()();
  // Closes and forgets the current scope's session (the next call creates a fresh one).
  void remove();
  // Sessions currently alive.
  std::size_t size() const;

 private:
  std::uintptr_t current_scope() const;
  Engine engine_;
  SessionOptions options_;
  ScopeFunction scope_;
  std::function<void(Session&)> configure_;
  mutable std::mutex mutex_;
  std::map<std::uintptr_t, std::unique_ptr<Session>> sessions_;
};

}  // namespace crucible
