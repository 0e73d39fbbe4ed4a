// SPDX-License-Identifier: MIT
// Internal: the unit of work of one flush, as named pieces (SQLAlchemy's unitofwork /
// persistence split):
//   collect      pending objects -> inserts, changed persistent objects -> updates (only the
//                changed columns), objects marked for deletion -> deletes; grouped per mapper
//   sort         mappers ordered by foreign keys with the generic topological sort (no ORM types
//                in it): parents first for inserts / updates, children first for deletes; a cycle
//                raises CircularDependencyError naming the classes
//   build+run    per mapper, rows of one shape batched: multi-row INSERT ... RETURNING for
//                generated keys and server defaults (last insert id where RETURNING is missing),
//                execute_many UPDATE / DELETE by key (+ version counter), row counts checked
//   post-fetch   generated keys and server defaults into the objects; states, identity map and
//                snapshots updated only once every statement succeeded
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/orm/session.hpp"

namespace crucible::detail {

class UnitOfWork {
 public:
  using StatePtr = std::shared_ptr<InstanceState>;
  // ---- relationships (dependency.cpp) ----
  // A foreign key to copy: child's `child_columns` := parent's `parent_columns` (NULL when no
  // parent). Parents still pending are copied right before the child's mapper runs.
  struct SyncJob {
    StatePtr child;
    InstanceState* parent;
    const std::vector<std::size_t>* child_columns;
    const std::vector<std::size_t>* parent_columns;
  };
  struct SecondaryRow {
    const Relationship* relationship;
    InstanceState* parent;  // the relationship's parent side
    InstanceState* target;  // nullptr: every row of `parent` (it is being deleted)
  };

  explicit UnitOfWork(Session& session) : session_(session) {}
  // Runs the whole flush; statements run in the session's transaction.
  void flush();

 private:
  struct Update {
    StatePtr state;
    std::vector<std::size_t> columns;  // attribute indexes to SET
    // Row switch: `state` is a new object taking the row of this object, which was marked for
    // deletion; the WHERE clause (key, version) comes from its snapshot.
    StatePtr replaces;
  };
  struct MapperActions {
    const Mapper* mapper = nullptr;
    std::vector<StatePtr> inserts;
    std::vector<Update> updates;
    std::vector<StatePtr> deletes;
    bool deletes_done = false;
  };

  MapperActions& actions_for(const Mapper& mapper);
  void collect();
  // A new object `s` takes the row of `old` (marked for deletion, same key): an UPDATE.
  void collect_row_switch(const StatePtr& s, const StatePtr& old);
  std::vector<MapperActions*> sorted();
  // Rows of a table with a foreign key to itself: inserts parent-first, deletes child-first.
  void order_self_referencing(MapperActions& a);
  void run_inserts(MapperActions& a);
  void run_updates(MapperActions& a);
  void run_deletes(MapperActions& a);
  // Some table (itself included) has a foreign key to `table`.
  static bool referenced(const Table& table);
  void finish();

  // ---- relationships (dependency.cpp) ----
  void process_relationships();
  void apply_job(const SyncJob& job);
  // Applies the deferred jobs of `mapper`'s children for which `take(child)` holds.
  template <typename Take>
  void apply_deferred(const Mapper& mapper, Take&& take);
  void run_inserts_in_levels(MapperActions& a);
  void run_secondary_deletes();
  void run_secondary_inserts();
  // Columns the deferred jobs will write into persistent children (forced into their UPDATE).
  const std::vector<std::size_t>* forced_columns(const InstanceState& s) const;

  Session& session_;
  std::vector<std::unique_ptr<MapperActions>> actions_;
  std::unordered_map<const Mapper*, std::vector<SyncJob>> deferred_;  // by the child's mapper
  std::unordered_map<const InstanceState*, std::vector<std::size_t>> forced_;
  std::vector<InstanceState*> forced_order_;  // forced_'s states in the order they came (stable SQL)
  std::vector<SecondaryRow> secondary_inserts_, secondary_deletes_;
  std::vector<StatePtr> link_sources_;
};

}  // namespace crucible::detail
