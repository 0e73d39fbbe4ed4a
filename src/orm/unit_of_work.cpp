// SPDX-License-Identifier: MIT
#include "orm/unit_of_work.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "crucible/core/detail/topological_sort.hpp"
#include "crucible/sql/dml.hpp"
#include "orm/links.hpp"
#include "orm/persistence.hpp"

namespace crucible::detail {
namespace {

constexpr std::size_t kMaxBatchRows = 500;
constexpr std::size_t kMaxBatchValues = 30000;  // under SQLite's 32766 bound parameters

bool has_server_default(const Attribute& a) { return a.column().server_default_sql().has_value(); }

// Binds the members of objects into a placed INSERT, typed: no Value per field. One parameter
// set covers `placed`'s rows (several for a multi-row INSERT); with a generated key, each set's
// last insert id is stored into its (single) object.
class RowsBinder final : public StatementBinder {
 public:
  RowsBinder(const PlacedStatement& placed, const Mapper& mapper, const std::vector<std::size_t>& columns,
             InstanceState* const* rows, std::size_t sets = 1, const Attribute* generated = nullptr)
      : placed_(placed), attrs_(mapper.attributes()), columns_(columns), rows_(rows), sets_(sets),
        generated_(generated) {
    bind_attrs_.reserve(placed.bind_place.size());
    for (const auto& p : placed.bind_place) bind_attrs_.push_back(attrs_[columns_[p.column]].get());
  }
  std::size_t size() const override { return sets_; }
  void bind(dialects::DriverStatement& stmt, std::size_t set) const override {
    InstanceState* const* rows = rows_ + set;  // sets of one row, or one set
    const auto& places = placed_.bind_place;
    for (std::size_t i = 0; i < places.size(); ++i)
      bind_attrs_[i]->bind(stmt, static_cast<int>(i), *rows[places[i].row]);
  }
  std::vector<Value> values(std::size_t set) const override {
    std::vector<Value> out;
    out.reserve(placed_.bind_place.size());
    for (const auto& p : placed_.bind_place) out.push_back(attrs_[columns_[p.column]]->get(*rows_[set + p.row]));
    return out;
  }
  void executed(std::size_t set, std::int64_t last_insert_id) const override {
    if (generated_) generated_->set_integer(*rows_[set], last_insert_id);
  }

 private:
  const PlacedStatement& placed_;
  const std::vector<std::unique_ptr<Attribute>>& attrs_;
  const std::vector<std::size_t>& columns_;
  std::vector<const Attribute*> bind_attrs_;  // per placeholder
  InstanceState* const* rows_;
  std::size_t sets_;
  const Attribute* generated_;
};

}  // namespace

UnitOfWork::MapperActions& UnitOfWork::actions_for(const Mapper& mapper) {
  for (auto& a : actions_)
    if (a->mapper == &mapper) return *a;
  actions_.push_back(std::make_unique<MapperActions>());
  actions_.back()->mapper = &mapper;
  return *actions_.back();
}

// ---- collect -------------------------------------------------------------------------------

void UnitOfWork::collect() {
  const SessionEvents& events = session_.events_;
  for (const auto& s : session_.new_) {
    if (s->state != ObjectState::pending) continue;
    events.fire(MapperEvent::before_insert, *s);
    const Mapper& m = *s->mapper;
    for (const auto& a : m.attributes()) {
      const Column& c = a->column();
      if (c.has_default() && a->unset(*s)) a->set(*s, c.default_function()());
    }
    if (const Attribute* v = m.version_attribute(); v && v->unset(*s)) v->set(*s, Value(std::int64_t{1}));
    actions_for(m).inserts.push_back(s);
  }
  std::vector<StatePtr> candidates = session_.dirty_states();
  if (!forced_order_.empty()) {
    std::unordered_set<const InstanceState*> listed;
    for (const auto& c : candidates) listed.insert(c.get());
    for (InstanceState* state : forced_order_)
      if (listed.insert(state).second) candidates.push_back(state_ref(*state));
  }
  for (const auto& s : candidates) {
    events.fire(MapperEvent::before_update, *s);
    const Mapper& m = *s->mapper;
    Update u{s, {}};
    const std::vector<std::size_t>* forced = forced_.empty() ? nullptr : forced_columns(*s);
    for (const auto& a : m.attributes())
      if (a->modified(*s) || (forced && std::find(forced->begin(), forced->end(), a->index()) != forced->end()))
        u.columns.push_back(a->index());
    if (u.columns.empty()) continue;  // a listener undid the change
    for (const auto& a : m.attributes()) {
      const Column& c = a->column();
      if (c.has_onupdate() && !a->modified(*s)) {
        a->set(*s, c.onupdate_function()());
        u.columns.push_back(a->index());
      }
    }
    if (const Attribute* v = m.version_attribute(); v && !v->modified(*s)) {
      std::int64_t old = 0;
      v->integer(*s, old);
      v->set(*s, Value(old + 1));
      u.columns.push_back(v->index());
    }
    std::sort(u.columns.begin(), u.columns.end());
    actions_for(m).updates.push_back(std::move(u));
  }
  for (const auto& s : session_.deleted_) {
    events.fire(MapperEvent::before_delete, *s);
    actions_for(*s->mapper).deletes.push_back(s);
  }
}

// ---- sort ------------------------------------------------------------------------------------

std::vector<UnitOfWork::MapperActions*> UnitOfWork::sorted() {
  std::vector<MapperActions*> items;
  for (auto& a : actions_) items.push_back(a.get());
  std::vector<std::pair<MapperActions*, MapperActions*>> edges;
  for (auto* child : items) {
    const Table& table = child->mapper->table();
    for (const auto& fk : table.foreign_keys()) {
      const Table* target = table.metadata() ? table.metadata()->find_table(fk.target_table) : nullptr;
      for (auto* parent : items)
        if (&parent->mapper->table() == target && parent != child) edges.emplace_back(parent, child);
    }
  }
  auto result = topological_sort(items, edges);
  if (!result.cyclic.empty()) {
    std::string names;
    for (auto* a : result.cyclic) names += (names.empty() ? "" : ", ") + a->mapper->class_name();
    throw CircularDependencyError(
        "flush: circular foreign-key dependency between the mapped classes " + names +
        "; insert one side first (a separate flush) with the key on the other side nullable");
  }
  return result.sorted;
}

// ---- rows of a self-referencing table -----------------------------------------------------------

namespace {

std::size_t column_position(const Table& table, const std::string& name) {
  const auto& columns = table.columns();
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name() == name) return i;
  throw InvalidRequestError("crucible internal error: foreign key names unknown column '" + name + "'");
}

// Orders `rows` so that every row comes after (parent_first) or before (!parent_first) the rows
// its foreign keys to its own table name, by the values held now (committed values for deletes).
// Stable: rows without such a dependency keep their order. A cycle raises.
void order_rows(const Mapper& m, std::vector<UnitOfWork::StatePtr>& rows, bool parent_first) {
  const Table& table = m.table();
  struct SelfKey {
    std::vector<std::size_t> local, target;
  };
  std::vector<SelfKey> keys;
  for (const auto& fk : table.foreign_keys()) {
    const Table* target = table.metadata() ? table.metadata()->find_table(fk.target_table) : nullptr;
    if (target != &table) continue;
    SelfKey k;
    for (const auto& c : fk.columns) k.local.push_back(column_position(table, c));
    for (const auto& c : fk.target_columns) k.target.push_back(column_position(table, c));
    keys.push_back(std::move(k));
  }
  if (keys.empty() || rows.size() < 2) return;
  const auto& attrs = m.attributes();
  auto value = [&](const InstanceState& s, std::size_t column) {
    return parent_first ? attrs[column]->get(s) : attrs[column]->get_committed(s);
  };
  // after[i]: rows that must follow row i.
  std::vector<std::vector<std::size_t>> after(rows.size());
  std::vector<std::size_t> waiting(rows.size(), 0);
  bool any = false;
  for (const auto& k : keys) {
    std::unordered_map<std::vector<Value>, std::size_t, ValuesHash> by_target;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<Value> t;
      for (std::size_t c : k.target) t.push_back(value(*rows[i], c));
      by_target.emplace(std::move(t), i);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<Value> ref;
      bool null = false;
      for (std::size_t c : k.local) {
        ref.push_back(value(*rows[i], c));
        null = null || ref.back().is_null();
      }
      if (null) continue;
      auto it = by_target.find(ref);
      if (it == by_target.end() || it->second == i) continue;
      const std::size_t parent = it->second;
      if (parent_first) {
        after[parent].push_back(i);
        ++waiting[i];
      } else {
        after[i].push_back(parent);
        ++waiting[parent];
      }
      any = true;
    }
  }
  if (!any) return;
  // Kahn's algorithm, lowest original position first among the ready rows.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (waiting[i] == 0) ready.push(i);
  std::vector<UnitOfWork::StatePtr> sorted;
  sorted.reserve(rows.size());
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    sorted.push_back(rows[i]);
    for (std::size_t j : after[i])
      if (--waiting[j] == 0) ready.push(j);
  }
  if (sorted.size() != rows.size())
    throw CircularDependencyError("flush: rows of " + m.class_name() + " reference each other in a cycle through a "
                                  "foreign key to their own table; break the cycle with a separate flush");
  rows = std::move(sorted);
}

}  // namespace

void UnitOfWork::order_self_referencing(MapperActions& act) {
  order_rows(*act.mapper, act.inserts, true);
  order_rows(*act.mapper, act.deletes, false);
}

// ---- inserts ---------------------------------------------------------------------------------

void UnitOfWork::run_inserts(MapperActions& act) {
  if (act.inserts.empty()) return;
  const Mapper& m = *act.mapper;
  Connection& conn = session_.connection();
  const sql::Dialect& dialect = conn.dialect();
  const auto& features = dialect.features();
  const auto& attrs = m.attributes();

  // Group rows by the columns they give: a column is left to the database when it is the
  // generated key or has a server default, and the object does not set it.
  struct Group {
    std::vector<char> left;  // per optional column: left to the database
    std::vector<std::size_t> columns, fetch;
    std::vector<InstanceState*> rows;  // act.inserts keeps them alive
  };
  std::vector<Group> groups;
  // Only these columns can differ between rows; the rest are always given.
  std::vector<const Attribute*> optional;
  for (const auto& a : attrs)
    if (a.get() == m.generated_key() || has_server_default(*a)) optional.push_back(a.get());
  const bool self_referencing = std::any_of(
      m.table().foreign_keys().begin(), m.table().foreign_keys().end(), [&](const ForeignKey& fk) {
        return m.table().metadata() && m.table().metadata()->find_table(fk.target_table) == &m.table();
      });
  std::vector<char> left(optional.size());
  for (const auto& s : act.inserts) {
    for (std::size_t i = 0; i < optional.size(); ++i) left[i] = optional[i]->unset(*s);
    // Rows of a self-referencing table keep their (parent-first) order: consecutive runs only.
    auto g = !groups.empty() && groups.back().left == left ? groups.end() - 1
             : self_referencing ? groups.end()
                                : std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.left == left; });
    if (g == groups.end()) {
      Group fresh{left, {}, {}, {}};
      for (const auto& a : attrs) {
        const auto at = std::find(optional.begin(), optional.end(), a.get());
        const bool is_left = at != optional.end() && left[static_cast<std::size_t>(at - optional.begin())];
        (is_left ? fresh.fetch : fresh.columns).push_back(a->index());
      }
      groups.push_back(std::move(fresh));
      g = groups.end() - 1;
    }
    g->rows.push_back(s.get());
  }

  std::vector<std::int64_t> ids;
  for (auto& g : groups) {
    const Attribute* gen = nullptr;
    for (std::size_t f : g.fetch)
      if (attrs[f].get() == m.generated_key()) gen = attrs[f].get();
    if (gen && g.fetch.size() == 1 && features.in_process) {
      // Only the generated key to fetch, from an in-process database: one prepared single-row
      // INSERT executed per object (as execute_many), the key from the driver's last insert id.
      auto placed = insert_statement(m, dialect, InsertShape{dialect.serial(), g.columns, {}, 1});
      conn.execute_many_bound(placed->compiled,
                              RowsBinder(*placed, m, g.columns, g.rows.data(), g.rows.size(), gen));
      continue;
    }
    const bool returning = !g.fetch.empty() && features.supports_insert_returning;
    std::vector<std::size_t> ret = g.fetch;
    if (returning && !gen)  // match returned rows to objects by their given primary key
      for (const Attribute* a : m.primary_key()) ret.push_back(a->index());
    const std::size_t width = std::max<std::size_t>(1, g.columns.size());
    std::size_t batch = features.supports_multirow_insert ? std::min(kMaxBatchRows, kMaxBatchValues / width) : 1;
    if (!g.fetch.empty() && !returning) batch = 1;  // last insert id, row by row

    for (std::size_t start = 0; start < g.rows.size(); start += batch) {
      const std::size_t n = std::min(batch, g.rows.size() - start);
      InsertShape shape{dialect.serial(), g.columns, returning ? ret : std::vector<std::size_t>{}, n};
      auto placed = insert_statement(m, dialect, shape);
      Result result = conn.execute_bound(placed->compiled, RowsBinder(*placed, m, g.columns, &g.rows[start]));
      if (returning && gen && ret.size() == 1) {
        // Only the generated key comes back: read it typed, no row copies.
        ids.clear();
        while (result.advance()) ids.push_back(result.row().get<std::int64_t>(0));
        if (ids.size() != n)
          throw InvalidRequestError("INSERT into '" + m.table().name() + "' returned " +
                                    std::to_string(ids.size()) + " row(s) for " + std::to_string(n));
        // Keys generated by one statement ascend in row order (see below).
        if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
        for (std::size_t r = 0; r < n; ++r) gen->set_integer(*g.rows[start + r], ids[r]);
      } else if (returning) {
        std::vector<Row> rows;
        rows.reserve(n);
        while (result.advance()) rows.push_back(result.row().materialize());
        if (rows.size() != n)
          throw InvalidRequestError("INSERT into '" + m.table().name() + "' returned " +
                                    std::to_string(rows.size()) + " row(s) for " + std::to_string(n));
        if (gen) {
          // Keys generated by one statement ascend in row order (as SQLAlchemy relies on for
          // SQLite / PostgreSQL "insertmanyvalues"): sort the returned rows by key.
          std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
            return a.get<std::int64_t>(0) < b.get<std::int64_t>(0);
          });
          for (std::size_t r = 0; r < n; ++r)
            for (std::size_t k = 0; k < ret.size(); ++k) attrs[ret[k]]->load(*g.rows[start + r], rows[r], k);
        } else {
          const std::size_t pk_at = g.fetch.size();
          std::unordered_map<std::vector<Value>, InstanceState*, ValuesHash> by_key;
          for (std::size_t r = 0; r < n; ++r) {
            std::vector<Value> key;
            for (const Attribute* a : m.primary_key()) key.push_back(a->get(*g.rows[start + r]));
            by_key.emplace(std::move(key), g.rows[start + r]);
          }
          for (const Row& row : rows) {
            std::vector<Value> key(m.primary_key().size());
            auto scratch_graph = ObjectGraph::create();
            auto scratch = m.new_state(scratch_graph);
            for (std::size_t k = 0; k < m.primary_key().size(); ++k) {
              m.primary_key()[k]->load(*scratch, row, pk_at + k);
              key[k] = m.primary_key()[k]->get(*scratch);
            }
            auto it = by_key.find(key);
            if (it == by_key.end()) continue;
            for (std::size_t k = 0; k < g.fetch.size(); ++k) attrs[g.fetch[k]]->load(*it->second, row, k);
          }
        }
      } else if (!g.fetch.empty()) {
        // No RETURNING: the generated key from the driver, server defaults by a SELECT.
        auto& s = *g.rows[start];
        if (gen) {
          auto id = result.inserted_primary_key();
          if (!id) throw InvalidRequestError("INSERT into '" + m.table().name() + "' gave no generated key");
          gen->set(s, Value(*id));
        }
        if (g.fetch.size() > (gen ? 1u : 0u)) {
          auto get = get_statement(m, dialect);
          std::vector<Value> key_lits(get->slot.size());
          for (std::size_t k = 0; k < m.primary_key().size(); ++k)
            key_lits[get->literal_of[k]] = m.primary_key()[k]->get(s);
          Result row = run_placed(conn, *get, key_lits);
          if (row.advance())
            for (std::size_t f : g.fetch) attrs[f]->load(s, row.row(), f);
        }
      }
    }
  }
  for (const auto& s : act.inserts) session_.events_.fire(MapperEvent::after_insert, *s);
}

// ---- updates and deletes ----------------------------------------------------------------------

namespace {

// WHERE pk = :k0 [AND ...] [AND version = :v], with the committed (database) values.
sql::NodePtr key_condition(const Mapper& m) {
  sql::NodeList conds;
  for (std::size_t k = 0; k < m.primary_key().size(); ++k) {
    const Attribute* a = m.primary_key()[k];
    conds.push_back(make_compare(sql::BinaryOp::eq, m.table().column_nodes()[a->index()],
                                 make_bind_param("k" + std::to_string(k), a->column().type())));
  }
  if (const Attribute* v = m.version_attribute())
    conds.push_back(make_compare(sql::BinaryOp::eq, m.table().column_nodes()[v->index()],
                                 make_bind_param("v", v->column().type())));
  return sql::and_all(std::move(conds));
}

void key_params(const Mapper& m, const InstanceState& s, Params& p) {
  for (std::size_t k = 0; k < m.primary_key().size(); ++k)
    p.set("k" + std::to_string(k), m.primary_key()[k]->get_committed(s));
  if (const Attribute* v = m.version_attribute()) p.set("v", v->get_committed(s));
}

void check_count(const char* verb, const Mapper& m, std::int64_t matched, std::size_t expected) {
  if (matched == static_cast<std::int64_t>(expected)) return;
  throw StaleDataError(std::string(verb) + " statement on table '" + m.table().name() + "' expected to " +
                       (verb[0] == 'U' ? "update " : "delete ") + std::to_string(expected) +
                       " row(s); " + std::to_string(matched) +
                       " were matched (the rows changed or vanished since they were loaded)");
}

}  // namespace

namespace {

// Binds one UPDATE per object, typed: SET values from the object, key and version from the snapshot.
class UpdateBinder final : public StatementBinder {
 public:
  UpdateBinder(const UpdateStatement& stmt, const Mapper& mapper, std::vector<const InstanceState*> rows)
      : stmt_(stmt), attrs_(mapper.attributes()), rows_(std::move(rows)) {}
  std::size_t size() const override { return rows_.size(); }
  void bind(dialects::DriverStatement& stmt, std::size_t row) const override {
    const InstanceState& s = *rows_[row];
    int i = 0;
    for (const auto& p : stmt_.places) {
      if (p.committed) attrs_[p.attribute]->bind_committed(stmt, i++, s);
      else attrs_[p.attribute]->bind(stmt, i++, s);
    }
  }
  std::vector<Value> values(std::size_t row) const override {
    std::vector<Value> out;
    for (const auto& p : stmt_.places)
      out.push_back(p.committed ? attrs_[p.attribute]->get_committed(*rows_[row]) : attrs_[p.attribute]->get(*rows_[row]));
    return out;
  }

 private:
  const UpdateStatement& stmt_;
  const std::vector<std::unique_ptr<Attribute>>& attrs_;
  std::vector<const InstanceState*> rows_;
};

}  // namespace

void UnitOfWork::run_updates(MapperActions& act) {
  if (act.updates.empty()) return;
  const Mapper& m = *act.mapper;
  Connection& conn = session_.connection();
  std::vector<std::size_t> done(act.updates.size(), 0);
  for (std::size_t first = 0; first < act.updates.size(); ++first) {
    if (done[first]) continue;
    const auto& columns = act.updates[first].columns;
    auto stmt = update_statement(m, conn.dialect(), columns);
    std::vector<const InstanceState*> rows;
    for (std::size_t i = first; i < act.updates.size(); ++i) {
      if (done[i] || act.updates[i].columns != columns) continue;
      done[i] = 1;
      rows.push_back(act.updates[i].state.get());
    }
    const std::size_t n = rows.size();
    check_count("UPDATE", m, conn.execute_many_bound(stmt->compiled, UpdateBinder(*stmt, m, std::move(rows))).rows_affected(), n);
  }
  for (const auto& u : act.updates) session_.events_.fire(MapperEvent::after_update, *u.state);
}

bool UnitOfWork::referenced(const Table& table) {
  const MetaData* md = table.metadata();
  if (!md) return true;
  for (const Table* t : md->tables()) {
    if (t == &table) continue;
    for (const auto& fk : t->foreign_keys())
      if (md->find_table(fk.target_table) == &table) return true;
  }
  return false;
}

void UnitOfWork::run_deletes(MapperActions& act) {
  if (act.deletes.empty() || act.deletes_done) return;
  act.deletes_done = true;
  const Mapper& m = *act.mapper;
  const crucible::Delete stmt = delete_(m.table()).where(Expr<bool>(key_condition(m)));
  std::vector<Params> rows;
  for (const auto& s : act.deletes) {
    Params p;
    key_params(m, *s, p);
    rows.push_back(std::move(p));
  }
  check_count("DELETE", m, session_.connection().execute_many(stmt, rows).rows_affected(), rows.size());
  for (const auto& s : act.deletes) session_.events_.fire(MapperEvent::after_delete, *s);
}

// ---- the flush and its post-fetch ------------------------------------------------------------

void UnitOfWork::flush() {
  process_relationships();
  collect();
  if (actions_.empty() && secondary_inserts_.empty() && secondary_deletes_.empty()) {
    finish();
    return;
  }
  const auto order = sorted();
  for (auto* a : order) order_self_referencing(*a);
  for (auto* a : order) {
    // Rows nothing can refer to are deleted before the new ones go in, so a replaced one-to-one
    // (same unique key) or a recycled unique value does not collide with the row it replaces.
    if (!a->deletes.empty() && !referenced(a->mapper->table())) run_deletes(*a);
    run_inserts_in_levels(*a);
    run_updates(*a);
  }
  run_secondary_deletes();
  run_secondary_inserts();
  for (auto it = order.rbegin(); it != order.rend(); ++it) run_deletes(**it);
  finish();
}

void UnitOfWork::finish() {
  // Every statement succeeded: only now do objects change state. Deleted rows leave the identity
  // map first: a new row may have been given a deleted row's key (SQLite reuses rowids).
  for (auto& act : actions_) {
    for (const auto& s : act->deletes) {
      session_.identity_.remove(*s);
      s->transition(ObjectState::deleted);
      s->marked_deleted = false;
      session_.tx_deleted_.push_back(s);
    }
  }
  for (auto& act : actions_) {
    for (const auto& s : act->inserts) {
      s->transition(ObjectState::persistent);
      assign_identity(*s);
      session_.identity_.add(s);
      for (const auto& a : s->mapper->attributes()) a->commit(*s);
      s->has_snapshot = true;
      s->inserted_transaction = session_.transaction_id_;
      session_.tx_inserted_.push_back(s);
    }
    for (const auto& u : act->updates) {
      auto& s = *u.state;
      const bool rekey = std::any_of(s.mapper->primary_key().begin(), s.mapper->primary_key().end(),
                                     [&](const Attribute* a) { return a->modified(s); });
      if (rekey) session_.identity_.remove(s);
      for (const auto& a : s.mapper->attributes()) a->commit(s);
      if (rekey) {
        assign_identity(s);
        session_.identity_.add(u.state);
      }
    }
  }
  auto& pending = session_.new_;
  pending.erase(std::remove_if(pending.begin(), pending.end(),
                               [](const StatePtr& s) { return s->state != ObjectState::pending; }),
                pending.end());
  session_.deleted_.clear();
  for (const auto& st : link_sources_) links_flushed(*st);
  for (const auto& st : session_.links_changed_) st->links_changed = false;
  session_.links_changed_.clear();
}

}  // namespace crucible::detail
