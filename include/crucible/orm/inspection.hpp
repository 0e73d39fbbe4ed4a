// SPDX-License-Identifier: MIT
//
// inspect(object): the public view of an object's ORM state (SQLAlchemy's inspect()).
//
//   auto info = crucible::inspect(user);
//   info.state();                 // ObjectState::persistent
//   info.pending(); info.persistent(); info.detached(); ...
//   info.identity();              // IdentityKey, or nullopt before the first flush
//   info.modified();              // any column differs from the loaded / flushed snapshot
//   auto h = info.history(&User::email);   // added / unchanged / deleted, as SQLAlchemy's
//   h.added;                      // {"new@example.com"}   h.deleted: {"old@example.com"}
//
// Dirty checking compares each column member with the snapshot taken at load or flush (C++
// cannot intercept assignment), so history is derived, not recorded: one change back and forth
// is no change.
//
// Thread-safety: as the object (its session's thread).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "crucible/core/value.hpp"
#include "crucible/orm/identity_map.hpp"
#include "crucible/orm/mapping.hpp"
#include "crucible/orm/state.hpp"

namespace crucible {

struct AttributeHistory {
  std::vector<Value> added;      // the new value, when changed (or not yet flushed)
  std::vector<Value> unchanged;  // the value, when equal to the snapshot
  std::vector<Value> deleted;    // the snapshot's value, when changed
  bool has_changes() const { return !added.empty() || !deleted.empty(); }
};

namespace detail {
AttributeHistory history_of(const InstanceState& state, const Attribute& attribute);
bool is_modified(const InstanceState& state);
}  // namespace detail

class Inspection {
 public:
  explicit Inspection(std::shared_ptr<detail::InstanceState> state) : state_(std::move(state)) {}
  ObjectState state() const { return state_->state; }
  bool transient() const { return state() == ObjectState::transient; }
  bool pending() const { return state() == ObjectState::pending; }
  bool persistent() const { return state() == ObjectState::persistent; }
  bool deleted() const { return state() == ObjectState::deleted; }
  bool detached() const { return state() == ObjectState::detached; }
  // Marked by session.delete_() and not yet flushed (still persistent until then).
  bool marked_for_deletion() const { return state_->marked_deleted; }
  bool expired() const { return state_->expired; }
  bool modified() const { return detail::is_modified(*state_); }
  const Session* session() const { return state_->session; }
  const Mapper& mapper() const { return *state_->mapper; }
  std::optional<IdentityKey> identity() const {
    if (!state_->has_identity) return std::nullopt;
    return detail::identity_of(*state_);
  }
  template <typename T, typename M>
  AttributeHistory history(M T::*member) const {
    return detail::history_of(*state_, attribute_of(member));
  }
  AttributeHistory history(std::string_view key) const {
    return detail::history_of(*state_, state_->mapper->attribute(key));
  }

 private:
  std::shared_ptr<detail::InstanceState> state_;
};

template <typename T>
Inspection inspect(const std::shared_ptr<T>& object) {
  return Inspection(detail::state_of(object));
}

// A transient object with ORM state, ready to be added to a session.
template <Mapped T>
std::shared_ptr<T> make_instance(T object = T{}) {
  auto graph = detail::ObjectGraph::create();
  auto state = detail::new_state<T>(mapper_of<T>(), graph);
  state->object = std::move(object);
  return detail::handle<T>(std::shared_ptr<detail::InstanceState>(std::move(state)));
}

namespace detail {
void make_transient(InstanceState& state);
}
// Turns a detached (or expunged) object back into a transient one: no session, no identity.
template <typename T>
void make_transient(const std::shared_ptr<T>& object) {
  detail::make_transient(*detail::state_of(object));
}

}  // namespace crucible
