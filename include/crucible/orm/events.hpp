// SPDX-License-Identifier: MIT
//
// SessionEvents: ORM event listeners of one session (SQLAlchemy's mapper and session events).
//
//   before_insert / after_insert, before_update / after_update, before_delete / after_delete
//       per mapped class, called with the object during flush, around its statement's batch;
//       a before_* listener may still change the object (its changes are written).
//   before_flush(Session&)     before the unit of work collects its actions (may add objects)
//   after_flush(Session&)      after every statement of a flush ran
//   after_commit(Session&) / after_rollback(Session&)
//
// Listeners run on the session's thread. An exception thrown by a before_* listener aborts the
// flush (the transaction is rolled back, as for a database error). To give every session the
// same listeners, register them in ScopedSession's configure function.
//
//   session.events().before_update<User>([](User& u) { u.updated_by = current_user(); });
//   session.events().after_commit([&](Session&) { cache.invalidate("users"); });
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "crucible/orm/mapper.hpp"
#include "crucible/orm/state.hpp"

namespace crucible {

class Session;

enum class MapperEvent { before_insert, after_insert, before_update, after_update, before_delete, after_delete };

class SessionEvents {
 public:
  using ObjectListener = std::function<void(detail::InstanceState&)>;
  using SessionListener = std::function<void(Session&)>;

  template <Mapped T>
  void before_insert(std::function<void(T&)> fn) { add<T>(MapperEvent::before_insert, std::move(fn)); }
  template <Mapped T>
  void after_insert(std::function<void(T&)> fn) { add<T>(MapperEvent::after_insert, std::move(fn)); }
  template <Mapped T>
  void before_update(std::function<void(T&)> fn) { add<T>(MapperEvent::before_update, std::move(fn)); }
  template <Mapped T>
  void after_update(std::function<void(T&)> fn) { add<T>(MapperEvent::after_update, std::move(fn)); }
  template <Mapped T>
  void before_delete(std::function<void(T&)> fn) { add<T>(MapperEvent::before_delete, std::move(fn)); }
  template <Mapped T>
  void after_delete(std::function<void(T&)> fn) { add<T>(MapperEvent::after_delete, std::move(fn)); }

  void before_flush(SessionListener fn) { before_flush_.push_back(std::move(fn)); }
  void after_flush(SessionListener fn) { after_flush_.push_back(std::move(fn)); }
  void after_commit(SessionListener fn) { after_commit_.push_back(std::move(fn)); }
  void after_rollback(SessionListener fn) { after_rollback_.push_back(std::move(fn)); }

  // ---- used by the session and the unit of work ----
  void add_listener(const Mapper& mapper, MapperEvent event, ObjectListener fn) {
    object_[static_cast<std::size_t>(event)].emplace_back(&mapper, std::move(fn));
  }
  bool has(MapperEvent event) const { return !object_[static_cast<std::size_t>(event)].empty(); }
  void fire(MapperEvent event, detail::InstanceState& state) const {
    for (const auto& [mapper, fn] : object_[static_cast<std::size_t>(event)])
      if (mapper == state.mapper) fn(state);
  }
  void fire_before_flush(Session& s) const { fire_all(before_flush_, s); }
  void fire_after_flush(Session& s) const { fire_all(after_flush_, s); }
  void fire_after_commit(Session& s) const { fire_all(after_commit_, s); }
  void fire_after_rollback(Session& s) const { fire_all(after_rollback_, s); }

 private:
  template <typename T>
  void add(MapperEvent event, std::function<void(T&)> fn) {
    add_listener(mapper_of<T>(), event, [fn = std::move(fn)](detail::InstanceState& s) {
      fn(static_cast<detail::TypedState<T>&>(s).object);
    });
  }
  static void fire_all(const std::vector<SessionListener>& list, Session& s) {
    for (const auto& fn : list) fn(s);
  }
  std::array<std::vector<std::pair<const Mapper*, ObjectListener>>, 6> object_;
  std::vector<SessionListener> before_flush_, after_flush_, after_commit_, after_rollback_;
};

}  // namespace crucible
