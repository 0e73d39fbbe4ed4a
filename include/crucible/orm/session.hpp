// SPDX-License-Identifier: MIT
//
// Session: the ORM's unit of work over one database transaction (SQLAlchemy's Session).
//
//   crucible::Session session(engine);
//   auto alice = session.add(User{.username = "alice", .email = "a@example.com"});   // pending
//   session.commit();                       // INSERT; alice->id set; alice persistent
//   auto same = session.get<User>(alice->id);   // the same object, no SQL (identity map)
//   alice->email = "alice@example.com";      // dirty: found by comparing with the snapshot
//   session.delete_(old_post);               // marked; DELETE at the next flush
//   session.flush();                         // UPDATE users SET email = ? WHERE id = ? ; DELETE ...
//   session.rollback();                      // pending -> transient, persistent -> expired
//
// Transaction: the first statement checks a connection out of the engine and begins; commit()
// flushes, commits and returns the connection; rollback() rolls back and returns it; close()
// rolls back and detaches every object. A failed flush rolls the transaction back (and applies
// rollback()'s rules to the objects) before the error propagates, so no object claims a state
// the database does not hold.
//
// Objects are held through std::shared_ptr<T> handles; the session owns every object it manages
// (see state.hpp for the ownership model). Attribute changes are found at flush by comparing
// with the snapshot taken at load / flush; only changed columns are written.
//
// Expiry: rollback() reloads the session's persistent objects at once (batched SELECT ... IN per
// mapper), so members hold the database's values again. expire() / expire_all() (and commit()
// with SessionOptions::expire_on_commit) mark objects stale; the next get / query meeting one, or
// refresh(), reloads it. C++ cannot intercept a member read or write, so an expired object's
// snapshot is what its members held when it expired: a member set after that is a change, kept
// by the reload and written by the next flush; nothing the application sets is dropped.
//
// Thread-safety: a Session belongs to one thread (ScopedSession gives one per thread / request).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "crucible/engine/connection.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/orm/events.hpp"
#include "crucible/orm/identity_map.hpp"
#include "crucible/orm/inspection.hpp"
#include "crucible/orm/mapper.hpp"
#include "crucible/orm/mapping.hpp"
#include "crucible/orm/state.hpp"

namespace crucible {

template <typename T>
class Query;
class Select;
namespace sql {
class Node;
}

namespace detail {
class UnitOfWork;
class SessionLoader;
}  // namespace detail

// A flush found a cycle of foreign keys between the mapped tables it has rows for.
class CircularDependencyError : public FlushError {
 public:
  using FlushError::FlushError;
};

// The object's row is gone: a refresh, or a reload of an expired object, found no row for its key.
class ObjectDeletedError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

struct SessionOptions {
  bool autoflush = true;  // flush before queries run (and before get() when objects are pending)
  // Expire every persistent object at commit (SQLAlchemy's default; off here): the next get or
  // query that meets one reloads it, keeping members the application set since. Off, objects
  // keep the values they had when the transaction ended (docs/orm.md, "Expiry").
  bool expire_on_commit = false;
};

class Session {
 public:
  using StatePtr = std::shared_ptr<detail::InstanceState>;

  explicit Session(Engine engine, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- adding and removing objects ----
  // Takes ownership of a new object: pending. Returns its handle.
  template <Mapped T>
  std::shared_ptr<T> add(T object) {
    auto state = detail::new_state<T>(mapper_of<T>(), graph());
    state->object = std::move(object);  // relationship members record their targets here
    add_state(state);
    return detail::handle<T>(state);
  }
  // A transient object becomes pending; a detached one persistent again.
  template <Mapped T>
  std::shared_ptr<T> add(const std::shared_ptr<T>& object) {
    add_state(detail::state_of(object));
    return object;
  }
  template <Mapped T>
  std::vector<std::shared_ptr<T>> add_all(std::vector<T> objects) {
    std::vector<std::shared_ptr<T>> out;
    out.reserve(objects.size());
    reserve_new(objects.size());
    for (auto& o : objects) out.push_back(add(std::move(o)));
    return out;
  }
  template <Mapped T>
  void add_all(const std::vector<std::shared_ptr<T>>& objects) {
    for (const auto& o : objects) add(o);
  }
  // Persistent: DELETE at the next flush. Pending: simply expunged.
  template <Mapped T>
  void delete_(const std::shared_ptr<T>& object) { delete_state(*detail::state_of(object)); }

  // ---- the unit of work and the transaction ----
  void flush();
  void commit();
  void rollback();
  // Rolls back, detaches every object, returns the connection. The session stays usable.
  void close();

  // ---- object life ----
  template <Mapped T>
  void expunge(const std::shared_ptr<T>& object) { cascade(*detail::state_of(object), CascadeOp::expunge); }
  void expunge_all();
  // Marks the object stale: changes not yet flushed are given up, and the next get / query that
  // meets it reloads it (members set after the expire are kept and written).
  template <Mapped T>
  void expire(const std::shared_ptr<T>& object) { cascade(*detail::state_of(object), CascadeOp::expire); }
  void expire_all();
  // Reloads the object's columns now, discarding unflushed changes (InvalidRequestError unless
  // persistent; ObjectDeletedError when its row is gone).
  template <Mapped T>
  void refresh(const std::shared_ptr<T>& object) { cascade(*detail::state_of(object), CascadeOp::refresh); }
  // Copies the state of `object` (any state) onto the session's object with the same primary key,
  // loading it first (or adding a new pending copy when no row has it). `object` is not added.
  template <Mapped T>
  std::shared_ptr<T> merge(const T& object) {
    auto scratch = detail::ObjectGraph::create();
    auto tmp = detail::new_state<T>(mapper_of<T>(), scratch);
    tmp->object = object;
    return detail::handle<T>(merge_cascade(*tmp));
  }
  template <Mapped T>
  std::shared_ptr<T> merge(const std::shared_ptr<T>& object) {
    return detail::handle<T>(merge_cascade(*detail::state_of(object)));
  }
  // Pending or persistent here (SQLAlchemy's `in session`): an object marked by delete_() is
  // still contained until the flush sends its DELETE; a deleted one is not.
  template <Mapped T>
  bool contains(const std::shared_ptr<T>& object) const {
    const auto* s = detail::find_state(object);
    return s && s->session == this && (s->state == ObjectState::pending || s->state == ObjectState::persistent);
  }
  template <Mapped T>
  bool is_modified(const std::shared_ptr<T>& object) const {
    return detail::is_modified(*detail::state_of(object));
  }

  // ---- loading ----
  // The object with this primary key (one value per key column), from the identity map when
  // there (no SQL), else one SELECT; nullptr when no row has it.
  template <Mapped T, typename... K>
  std::shared_ptr<T> get(const K&... key) {
    static_assert(sizeof...(K) > 0, "crucible: get<T>(key...) needs the primary key value(s)");
    const Mapper& m = mapper_of<T>();
    StatePtr s;
    if constexpr (sizeof...(K) == 1 && (std::is_integral_v<K> && ...)) {
      if (m.integer_primary_key()) {
        s = get_state(m, static_cast<std::int64_t>(key)...);
        return s ? detail::handle<T>(s) : nullptr;
      }
    }
    s = get_state(m, std::vector<Value>{detail::to_value(key)...});
    return s ? detail::handle<T>(s) : nullptr;
  }
  template <Mapped T>
  Query<T> query();

  // Core statements in the session's transaction (after an autoflush).
  Result execute(const sql::Executable& statement, const Params& params = {});
  // The session's connection (checked out and begun on first use).
  Connection& connection();
  const Engine& engine() const { return engine_; }
  bool in_transaction() const { return conn_.has_value(); }
  // The open transaction wrote something: a flush sent a statement, a bulk update / delete ran,
  // or execute() ran a statement other than a SELECT. (Statements run on connection() directly
  // are the application's own and not seen.) A transaction that only read has nothing to lose.
  bool transaction_wrote() const { return tx_wrote_; }

  // ---- settings and inspection ----
  SessionEvents& events() { return events_; }
  bool autoflush() const { return autoflush_; }
  void set_autoflush(bool on) { autoflush_ = on; }
  // Switches autoflush off for its lifetime: `{ auto guard = session.no_autoflush(); ... }`.
  class NoAutoflush {
   public:
    explicit NoAutoflush(Session& s) : s_(&s), old_(s.autoflush_) { s.autoflush_ = false; }
    NoAutoflush(NoAutoflush&& o) noexcept : s_(std::exchange(o.s_, nullptr)), old_(o.old_) {}
    NoAutoflush(const NoAutoflush&) = delete;
    NoAutoflush& operator=(const NoAutoflush&) = delete;
    NoAutoflush& operator=(NoAutoflush&&) = delete;
    ~NoAutoflush() {
      if (s_) s_->autoflush_ = old_;
    }

   private:
    Session* s_;
    bool old_;
  };
  NoAutoflush no_autoflush() { return NoAutoflush(*this); }

  std::size_t new_count() const { return new_.size(); }
  std::size_t deleted_count() const { return deleted_.size(); }
  std::size_t dirty_count() const;  // persistent objects with changed columns (compares all)
  std::size_t identity_map_size() const { return identity_.size(); }
  // Objects pending flush / marked for deletion / dirty, of class T.
  template <Mapped T>
  std::vector<std::shared_ptr<T>> new_objects() const { return handles<T>(new_); }
  template <Mapped T>
  std::vector<std::shared_ptr<T>> dirty_objects() const { return handles<T>(dirty_states()); }
  template <Mapped T>
  std::vector<std::shared_ptr<T>> deleted_objects() const { return handles<T>(deleted_); }

  // ---- used by Query and the unit of work (not for applications) ----
  // connection(), for a statement that writes (transaction_wrote()).
  Connection& write_connection() {
    tx_wrote_ = true;
    return connection();
  }
  // Flushes when autoflush is on and something may be pending.
  void autoflush_now();
  // Autoflush before `statement` (a SELECT) runs: flushes what could change what it reads and
  // nothing else. New and deleted objects and relationship changes are lists, flushed whenever
  // there are any. Edited columns are found by comparing objects with their snapshots, so only
  // the members the statement reads are compared — the columns of its WHERE, joins, ordering,
  // grouping and select list (`entity_rows`: not its own select list, which is an entity's
  // columns; the identity map's in-memory values win there), primary keys aside (the identity
  // map knows objects by their flushed keys too) — and only for the mappers whose tables it
  // names. A mapper with such an edit is flushed whole, along with the mappers of new or deleted
  // objects; other edits wait for the next flush, as they cannot change the rows.
  void autoflush_before(const sql::Node& statement, bool entity_rows = false);
  // Before a relationship load: flushes only new / deleted objects and relationship changes
  // (what can change which rows a relationship finds); edited columns of persistent objects
  // of other mappers wait for the next flush, so N lazy loads do not compare every object N
  // times (those of the listed objects' mappers go with them: the inserts may depend on them).
  void autoflush_for_load();
  // The object for a result row whose columns [offset, offset + columns) are the mapper's;
  // from the identity map when present (reloaded when expired or `overwrite`).
  StatePtr load_row(const Mapper& mapper, const Row& row, std::size_t offset, bool overwrite = false);
  detail::IdentityMap& identity_map() { return identity_; }
  // Bulk update / delete by criteria: keeps the identity map in line with the matched keys.
  void after_bulk_update(const Mapper& mapper, const std::vector<std::vector<Value>>& keys);
  void after_bulk_delete(const Mapper& mapper, const std::vector<std::vector<Value>>& keys);
  std::vector<StatePtr> dirty_states() const;
  // Those of the mappers `scope` marks (indexed by Mapper::index()); every mapper when null.
  std::vector<StatePtr> dirty_states(const std::vector<char>* scope) const;
  // The graph this session's objects live in (state.hpp), kept at its root.
  const std::shared_ptr<detail::ObjectGraph>& graph() {
    return graph_ && graph_->root() == graph_.get() ? graph_ : refresh_graph();
  }
  const std::shared_ptr<detail::ObjectGraph>& refresh_graph();
  // A relationship member of `state` changed (recorded once per flush).
  void note_links_changed(detail::InstanceState& state);
  // Save-update cascade: a transient object reached through a relationship joins the session.
  void cascade_add(detail::InstanceState& state);
  // Delete-orphan cascade: a pending object removed from its parent leaves the session.
  void expunge_orphan(detail::InstanceState& state) { expunge_state(state); }

 private:
  friend class detail::UnitOfWork;
  void add_state(const StatePtr& state);
  void reserve_new(std::size_t n) { new_.reserve(new_.size() + n); }
  void delete_state(detail::InstanceState& state);
  void expunge_state(detail::InstanceState& state);
  void expire_state(detail::InstanceState& state);
  void refresh_state(detail::InstanceState& state, bool keep_changes = false);
  void mark_expired(detail::InstanceState& state);
  // Reads the row into the object and its snapshot; `keep_changes`: members that differ from the
  // snapshot (set since the object expired) keep their value.
  void reload_row(detail::InstanceState& state, const Row& row, std::size_t offset, bool keep_changes);
  // Reloads expired objects (grouped by mapper) in batched selects.
  void reload_expired(const std::vector<StatePtr>& states);
  void reload_after_rollback();
  // A flush of the lists (new, deleted, relationship changes) and of the edited objects of the
  // mappers `edited` and of the new and deleted objects' mappers (autoflush_before).
  void scoped_flush(const std::vector<const Mapper*>& edited);
  StatePtr merge_state(const detail::InstanceState& source);
  // expunge() / expire() / refresh() of the object, then of the loaded related objects its
  // relationships' expunge / refresh-expire cascades reach (each once).
  enum class CascadeOp { expunge, expire, refresh };
  void cascade(detail::InstanceState& state, CascadeOp op);
  // merge() with the merge cascade: related objects the source holds are merged too, and the
  // target's relationships point at the merged ones.
  using MergeMemo = std::vector<std::pair<const detail::InstanceState*, StatePtr>>;
  StatePtr merge_cascade(const detail::InstanceState& source);
  StatePtr merge_related(const detail::InstanceState& source, MergeMemo& memo);
  StatePtr get_state(const Mapper& mapper, std::int64_t key);
  StatePtr get_state(const Mapper& mapper, const std::vector<Value>& key);
  StatePtr fetch_by_key(const Mapper& mapper, const std::vector<Value>& key, bool overwrite);
  void detach(detail::InstanceState& state);
  void rollback_objects(std::uint64_t ended_transaction);
  // close(): drops the objects at once when nothing outside the session holds any of them.
  bool release_unobserved_objects();
  void end_transaction();

  template <typename T>
  static std::vector<std::shared_ptr<T>> handles(const std::vector<StatePtr>& states) {
    std::vector<std::shared_ptr<T>> out;
    for (const auto& s : states)
      if (s->mapper == &mapper_of<T>()) out.push_back(detail::handle<T>(s));
    return out;
  }

  Engine engine_;
  std::optional<Connection> conn_;
  bool autoflush_;
  bool expire_on_commit_;
  std::uint64_t transaction_id_;  // renewed when a transaction ends (objects' inserted_transaction)
  bool flushing_ = false;
  const std::vector<char>* flush_scope_ = nullptr;  // an autoflush's mappers (dirty_states)
  std::vector<char> autoflush_scope_;
  bool tx_wrote_ = false;
  SessionEvents events_;
  detail::IdentityMap identity_;
  std::vector<StatePtr> new_;           // pending, in add order
  std::vector<StatePtr> deleted_;       // persistent, marked for deletion
  std::vector<StatePtr> tx_inserted_;   // inserted by flushes of the open transaction
  std::vector<StatePtr> tx_deleted_;    // deleted by flushes of the open transaction
  std::vector<StatePtr> links_changed_;  // objects whose relationships changed since the last flush
  std::shared_ptr<detail::ObjectGraph> graph_;
  std::uint64_t add_counter_ = 0;
};

// Sessions keep their objects in 2 MiB blocks; when a session's objects go, up to 16 of those
// blocks (32 MiB) are kept for the next session instead of being returned, so a service that
// opens a session per request does not fault the same memory in again each time. This returns
// them to the allocator now (after a one-off big load, say) and says how many bytes it freed.
std::size_t release_spare_object_memory();

}  // namespace crucible

#include "crucible/orm/query.hpp"
