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
// Ownership model. Objects live in object graphs (ObjectGraph): every object a session creates
// or loads belongs to that session's graph, and a graph owns its objects' states. Handles
// (std::shared_ptr<T>) alias the graph's control block: holding any object keeps its whole graph
// alive, so relationships between objects are plain non-owning pointers inside one graph and
// cycles (user -> posts -> author, followers of followers) can never leak: the graph goes when
// the session and the last handle into it go. Linking objects of two graphs (adding a detached
// object to a session, assigning a relationship across sessions) merges the smaller graph into
// the larger; the smaller then only forwards to the larger, so no two graphs own each other.
// Handles survive the session (objects become detached, loaded attributes stay readable). The
// state behind a handle is found from the object's address (it sits at a fixed offset in its
// TypedState) once the control block's deleter proves the handle is one of ours.
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
#include <type_traits>
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
class ObjectGraph;

struct InstanceState {
  InstanceState() = default;
  InstanceState(const InstanceState&) = delete;
  InstanceState& operator=(const InstanceState&) = delete;
  virtual ~InstanceState() = default;

  const Mapper* mapper = nullptr;
  ObjectGraph* graph = nullptr;     // the root graph that owns this state
  Session* session = nullptr;       // set while pending / persistent / deleted
  std::int64_t int_key = 0;         // single integer primary keys
  std::uint64_t insert_order = 0;
  std::uint64_t inserted_transaction = 0;  // the session transaction whose flush inserted it (rollback)
  std::unique_ptr<std::vector<Value>> key;  // other primary keys (only they pay for a vector)
  ObjectState state = ObjectState::transient;
  bool has_identity = false;        // the key above is valid
  bool has_snapshot = false;        // committed holds the database's values
  bool expired = false;             // values may be stale; reloaded on next get / query / refresh
  bool marked_deleted = false;      // session.delete_() called, not yet flushed
  bool links_changed = false;       // a relationship changed since the last flush (session list)
  bool row_deleted = false;         // detached after its DELETE was committed: add() refuses it

  // Moves to `to`; InvalidRequestError naming both states when the diagram forbids it.
  void transition(ObjectState to) {
    if (!allowed_transition(state, to)) [[unlikely]]
      refuse_transition(to);
    state = to;
  }

 private:
  [[noreturn]] void refuse_transition(ObjectState to) const;
};

template <typename T>
struct TypedState final : InstanceState {
  T object{};
  T committed{};  // snapshot of the column values (only columns are copied into it; not strings)
};

// The snapshot of a std::string column. Its characters live in the arena of the object's graph
// beside the state, not in a heap block of their own: hydrating or flushing an object then copies
// each string once into memory that is already there, and frees nothing (the graph frees its
// chunks). A later snapshot of the column reuses the room when it fits; otherwise it takes twice
// as much, so the room given up stays within twice the value's size. The snapshots of a state's
// string columns sit right after its TypedState<T> (Attribute::text_slot() indexes them).
// 32-bit lengths: no backend stores a text value of 4 GiB (SQLite and PostgreSQL stop at 1 GB,
// MariaDB's LONGTEXT at 4 GiB - 1).
struct TextSnapshot {
  char* data = nullptr;
  std::uint32_t size = 0;
  std::uint32_t capacity = 0;
  std::string_view view() const { return {data, size}; }
  // Copies `value` in: into the room it has when it fits, else into new room from `root`'s arena
  // (the root graph of the object).
  void assign(std::string_view value, ObjectGraph& root);
};

template <typename T>
TextSnapshot* text_snapshots(TypedState<T>& s) {
  static_assert(sizeof(TypedState<T>) % alignof(TextSnapshot) == 0);
  return std::launder(reinterpret_cast<TextSnapshot*>(reinterpret_cast<unsigned char*>(&s) + sizeof(TypedState<T>)));
}
template <typename T>
const TextSnapshot* text_snapshots(const TypedState<T>& s) {
  return text_snapshots(const_cast<TypedState<T>&>(s));
}

// How many string columns `mapper` snapshots (mapper.cpp; Mapper is incomplete here).
std::size_t text_snapshot_count(const Mapper& mapper);

// Owns the states of a group of objects that may point at each other (see the ownership model
// above). Made only by create(); a graph belongs to one thread at a time, as its session does.
class ObjectGraph : public std::enable_shared_from_this<ObjectGraph> {
 public:
  static std::shared_ptr<ObjectGraph> create();
  ~ObjectGraph();
  ObjectGraph(const ObjectGraph&) = delete;
  ObjectGraph& operator=(const ObjectGraph&) = delete;

  // The graph that owns this one's objects now (itself unless merged into another).
  ObjectGraph* root() { return forward_ ? forwarded_root() : this; }
  // Memory for a state of `size` bytes, from this graph's arena (this must be a root). States
  // are only ever destroyed with their graph, so they need no allocation of their own: a load
  // of many rows places them side by side, and the graph frees them a chunk at a time.
  void* allocate(std::size_t size, std::size_t align) {
    const std::size_t at = (chunk_used_ + align - 1) & ~(align - 1);
    if (align > kChunkAlign || chunks_.empty() || at + size > chunk_size_) [[unlikely]]
      return allocate_in_new_chunk(size, align);
    chunk_used_ = at + size;
    return chunks_.back().get() + at;
  }
  // Takes ownership of a new state placed in allocate()'s memory (this must be a root).
  void adopt(InstanceState* state);
  std::size_t size() const { return states_.size(); }
  // Joins the graphs of a and b (their roots) and returns the surviving root.
  static ObjectGraph* merge(ObjectGraph* a, ObjectGraph* b);

 private:
  ObjectGraph() = default;
  friend struct GraphDeleter;
  ObjectGraph* forwarded_root();
  void* allocate_in_new_chunk(std::size_t size, std::size_t align);
  static constexpr std::size_t kChunkAlign = 64;
  struct ChunkFree {
    std::size_t align = kChunkAlign;  // as allocated
    void operator()(std::byte* chunk) const noexcept;
  };
  using Chunk = std::unique_ptr<std::byte[], ChunkFree>;

  std::vector<InstanceState*> states_;
  std::vector<Chunk> chunks_;             // the arena; the last one is being filled
  std::size_t chunk_used_ = 0;            // bytes taken from the last chunk
  std::size_t chunk_size_ = 0;            // its size
  std::shared_ptr<ObjectGraph> forward_;  // set once merged: the graph that took the objects
};

// The deleter of every graph's control block: its presence marks a handle as Crucible's.
struct GraphDeleter {
  void operator()(ObjectGraph* graph) const noexcept;
};

// A strong reference to a state: aliases its graph's control block.
inline std::shared_ptr<InstanceState> state_ref(InstanceState& state) {
  return std::shared_ptr<InstanceState>(state.graph->shared_from_this(), &state);
}

// Binds the relationship members of a new state to it (relationship.cpp); no-op without any.
// `loaded`: the members hold the value (new objects) or still have to load it (database rows).
void bind_links(InstanceState& state, bool loaded);
// Configures every mapper's relationships once (relationship.cpp); cheap after the first call.
void ensure_configured();

// `links_loaded`: false for objects hydrated from a row (their relationships load on access).
template <typename T>
std::shared_ptr<TypedState<T>> new_state(const Mapper& mapper, const std::shared_ptr<ObjectGraph>& graph,
                                         bool links_loaded = true) {
  ensure_configured();
  ObjectGraph& root = *graph->root();
  const std::size_t texts = text_snapshot_count(mapper);
  // A throwing constructor or adopt() leaves unused bytes in the arena, nothing else.
  void* at = root.allocate(sizeof(TypedState<T>) + texts * sizeof(TextSnapshot), alignof(TypedState<T>));
  auto* raw = new (at) TypedState<T>();
  auto* snapshots = reinterpret_cast<TextSnapshot*>(raw + 1);
  for (std::size_t i = 0; i < texts; ++i) new (snapshots + i) TextSnapshot{};  // trivial: never destroyed
  raw->mapper = &mapper;
  try {
    root.adopt(raw);
  } catch (...) {
    raw->~TypedState<T>();
    throw;
  }
  bind_links(*raw, links_loaded);
  // Aliasing the caller's reference costs an increment; shared_from_this() a compare-and-swap.
  if (&root == graph.get()) return std::shared_ptr<TypedState<T>>(graph, raw);
  return std::shared_ptr<TypedState<T>>(root.shared_from_this(), raw);
}

// The application's handle on a state: aliases the state's graph.
template <typename T>
std::shared_ptr<T> handle(const std::shared_ptr<InstanceState>& state) {
  return std::shared_ptr<T>(state, &static_cast<TypedState<T>&>(*state).object);
}
template <typename T>
std::shared_ptr<T> handle(std::shared_ptr<InstanceState>&& state) {
  T* object = &static_cast<TypedState<T>&>(*state).object;
  return std::shared_ptr<T>(std::move(state), object);
}
template <typename T>
std::shared_ptr<T> handle(InstanceState& state) {
  return std::shared_ptr<T>(state.graph->shared_from_this(), &static_cast<TypedState<T>&>(state).object);
}

// The state holding `object`, which must be the `object` member of a TypedState<T>.
template <typename T>
InstanceState* state_from_object(T* object) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
  // Single non-virtual inheritance: the offset is fixed for the type (GCC and Clang agree).
  constexpr std::size_t offset = offsetof(TypedState<T>, object);
#pragma GCC diagnostic pop
  auto* typed = reinterpret_cast<TypedState<T>*>(reinterpret_cast<unsigned char*>(object) - offset);
  return static_cast<InstanceState*>(typed);
}

// The state behind a handle, or nullptr for objects not made by Crucible.
template <typename T>
InstanceState* find_state(const std::shared_ptr<T>& object) {
  if (!object || !std::get_deleter<GraphDeleter>(object)) return nullptr;
  return state_from_object(const_cast<std::remove_const_t<T>*>(object.get()));
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
