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
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/orm/session.hpp"

namespace crucible::detail {

class UnitOfWork {
 public:
  using StatePtr = std::shared_ptr<InstanceState>;
  explicit UnitOfWork(Session& session) : session_(session) {}
  // Runs the whole flush; statements run in the session's transaction.
  void flush();

 private:
  struct Update {
    StatePtr state;
    std::vector<std::size_t> columns;  // attribute indexes to SET
  };
  struct MapperActions {
    const Mapper* mapper = nullptr;
    std::vector<StatePtr> inserts;
    std::vector<Update> updates;
    std::vector<StatePtr> deletes;
  };

  MapperActions& actions_for(const Mapper& mapper);
  void collect();
  std::vector<MapperActions*> sorted();
  // Rows of a table with a foreign key to itself: inserts parent-first, deletes child-first.
  void order_self_referencing(MapperActions& a);
  void run_inserts(MapperActions& a);
  void run_updates(MapperActions& a);
  void run_deletes(MapperActions& a);
  void finish();

  Session& session_;
  std::vector<std::unique_ptr<MapperActions>> actions_;
};

}  // namespace crucible::detail
