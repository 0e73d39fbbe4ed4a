// SPDX-License-Identifier: MIT
//
// Object states and the per-object bookkeeping of the ORM (SQLAlchemy's InstanceState).
//
//   transient   a mapped object no session knows (crucible::make_instance, or make_transient)
//   pending     added to a session, not yet flushed                    (session.add)
//   persistent  has a database row and belongs to a session's identity map (flush, load)
//   deleted     its DELETE was flushed; the transaction is not yet committed
//   detached    had (or still has) a row but belongs to no session     (close, expunge, commit
//               after delete)
//
// The allowed moves are data (allowed_transition); every state change goes through one
// function that checks them, so an impossible move is a bug report, not a silent corruption.
//
// Ownership model. One allocation per object, TypedState<T>, holds the object, the snapshot of
// its last loaded / flushed column values and this bookkeeping. It is owned through
// std::shared_ptr: the session holds a strong reference to every object it manages (pending,
// persistent, marked for deletion), the application holds std::shared_ptr<T> handles that alias
// the same control block. Handles survive the session (objects become detached). Object-to-object
// edges (relationships, next) are meant to be non-owning handles, so ownership never forms
// cycles: session -> objects strong, application -> objects strong, object -> object weak.
// The state behind a handle is found through the control block's deleter (std::get_deleter),
// with no lookup table.
//
// Thread-safety: a state belongs to its session's thread; detached objects to whoever holds them.
//
//   auto u = crucible::make_instance(User{.username = "bob"});
//   crucible::inspect(u).state();        // ObjectState::transient
//   session.add(u);                       // pending
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/core/value.hpp"

namespace crucible {

class Mapper;
class Session;

enum class ObjectState { transient, pending, persistent, deleted, detached };

std::string_view to_string(ObjectState state);

// The state diagram as data: which moves are legal.
constexpr bool allowed_transition(ObjectState from, ObjectState to) {
  using S = ObjectState;
  switch (from) {
    case S::transient: return to == S::pending || to == S::persistent;  // add / merge-load
    case S::pending: return to == S::persistent || to == S::transient;  // flush / expunge, rollback
    case S::persistent:
      return to == S::deleted || to == S::detached || to == S::transient;  // flush / expunge / make_transient
    case S::deleted: return to == S::detached || to == S::persistent;  // commit / rollback
    case S::detached: return to == S::persistent || to == S::transient;  // add / make_transient
  }
  return false;
}

namespace detail {

// Bookkeeping shared by every mapped type. Internal: the public view is crucible::inspect().
// Members ordered largest first so that the flags pack into one word.
struct InstanceState {
  const Mapper* mapper = nullptr;
  Session* session = nullptr;       // set while pending / persistent / deleted
  std::int64_t int_key = 0;         // single integer primary keys
  std::uint64_t insert_order = 0;
  std::vector<Value> key;           // other primary keys
  ObjectState state = ObjectState::transient;
  bool has_identity = false;        // the key above is valid
  bool has_snapshot = false;        // committed holds the database's values
  bool expired = false;             // values may be stale; reloaded on next get / query / refresh
  bool marked_deleted = false;      // session.delete_() called, not yet flushed
  bool inserted_in_transaction = false;  // for rollback: becomes transient again

  // Moves to `to`; InvalidRequestError naming both states when the diagram forbids it.
  void transition(ObjectState to);
};

template <typename T>
struct TypedState final : InstanceState {
  T object{};
  T committed{};  // snapshot of the column values (only columns are copied into it)
};

// The deleter of every state's control block; carries the state's address so that any handle
// aliasing the block leads back to it. It only destroys the state: the memory is the block's.
struct StateDeleter {
  InstanceState* self = nullptr;
  void (*destroy)(InstanceState*) = nullptr;
  void operator()(InstanceState*) const { destroy(self); }
};

// One allocation per object: the shared_ptr control block is placed in front of the state by
// this allocator (which frees the whole block once the control block goes, after the last weak
// reference), so a state costs one malloc, as std::make_shared, while keeping the deleter that
// std::get_deleter finds.
inline constexpr std::size_t kControlBlockSpace = 64;

template <typename T>
inline constexpr std::size_t kStateOffset =
    (kControlBlockSpace + alignof(TypedState<T>) - 1) / alignof(TypedState<T>) * alignof(TypedState<T>);

template <typename U>
struct InBlockAllocator {
  using value_type = U;
  void* block = nullptr;
  explicit InBlockAllocator(void* b) : block(b) {}
  template <typename V>
  InBlockAllocator(const InBlockAllocator<V>& other) : block(other.block) {}  // NOLINT: rebinding
  U* allocate(std::size_t n) {
    static_assert(sizeof(U) <= kControlBlockSpace && alignof(U) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                  "crucible internal: the control block does not fit its space in StateBlock");
    if (n != 1) throw std::bad_alloc();
    return static_cast<U*>(block);
  }
  void deallocate(U*, std::size_t) noexcept { ::operator delete(block); }
  template <typename V>
  friend bool operator==(const InBlockAllocator& a, const InBlockAllocator<V>& b) {
    return a.block == b.block;
  }
};

template <typename T>
std::shared_ptr<TypedState<T>> new_state(const Mapper& mapper) {
  static_assert(alignof(TypedState<T>) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                "crucible: over-aligned mapped classes are not supported");
  void* memory = ::operator new(kStateOffset<T> + sizeof(TypedState<T>));
  TypedState<T>* raw;
  try {
    raw = ::new (static_cast<unsigned char*>(memory) + kStateOffset<T>) TypedState<T>();
  } catch (...) {
    ::operator delete(memory);
    throw;
  }
  raw->mapper = &mapper;
  // The allocator cannot fail (the space is reserved) so the constructor cannot throw.
  return std::shared_ptr<TypedState<T>>(
      raw, StateDeleter{raw, [](InstanceState* s) { static_cast<TypedState<T>*>(s)->~TypedState<T>(); }},
      InBlockAllocator<TypedState<T>>(memory));
}

// The application's handle on a state: aliases the state's control block.
template <typename T>
std::shared_ptr<T> handle(const std::shared_ptr<InstanceState>& state) {
  return std::shared_ptr<T>(state, &static_cast<TypedState<T>&>(*state).object);
}
template <typename T>
std::shared_ptr<T> handle(std::shared_ptr<InstanceState>&& state) {
  T* object = &static_cast<TypedState<T>&>(*state).object;
  return std::shared_ptr<T>(std::move(state), object);
}

// The state behind a handle, or nullptr for objects not made by Crucible.
template <typename T>
InstanceState* find_state(const std::shared_ptr<T>& object) {
  if (!object) return nullptr;
  const auto* d = std::get_deleter<StateDeleter>(object);
  return d ? d->self : nullptr;
}
[[noreturn]] void throw_not_instrumented(std::string_view what);

template <typename T>
std::shared_ptr<InstanceState> state_of(const std::shared_ptr<T>& object) {
  InstanceState* s = find_state(object);
  if (!s) throw_not_instrumented("this object");
  return std::shared_ptr<InstanceState>(object, s);
}

}  // namespace detail
}  // namespace crucible
