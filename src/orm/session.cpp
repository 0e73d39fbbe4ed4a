// SPDX-License-Identifier: MIT
#include "crucible/orm/session.hpp"

#include <algorithm>
#include <atomic>
#include <string>

#include "crucible/sql/nodes.hpp"
#include "orm/links.hpp"
#include "orm/loading.hpp"
#include "orm/persistence.hpp"
#include "orm/unit_of_work.hpp"

namespace crucible {

using detail::InstanceState;

namespace {
[[noreturn]] void not_in_session(const InstanceState& s, const char* op) {
  throw InvalidRequestError(std::string(op) + ": the " + s.mapper->class_name() + " object is " +
                            std::string(to_string(s.state)) + " and not in this session");
}
void erase_state(std::vector<Session::StatePtr>& list, const InstanceState& s) {
  list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& p) { return p.get() == &s; }),
             list.end());
}
}  // namespace

namespace {
// Unique across sessions and threads, so that an object's inserted_transaction never matches a
// transaction it was not inserted by.
std::uint64_t next_transaction_id() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace

Session::Session(Engine engine, SessionOptions options)
    : engine_(std::move(engine)),
      autoflush_(options.autoflush),
      expire_on_commit_(options.expire_on_commit),
      transaction_id_(next_transaction_id()) {}

Session::~Session() {
  try {
    close();
  } catch (...) {  // closing must not throw from a destructor; the connection is discarded
  }
}

const std::shared_ptr<detail::ObjectGraph>& Session::refresh_graph() {
  if (!graph_) graph_ = detail::ObjectGraph::create();
  detail::ObjectGraph* root = graph_->root();
  if (root != graph_.get()) graph_ = root->shared_from_this();
  return graph_;
}

void Session::note_links_changed(InstanceState& state) { links_changed_.push_back(detail::state_ref(state)); }

void Session::cascade_add(InstanceState& state) { add_state(detail::state_ref(state)); }

Connection& Session::connection() {
  if (!conn_) conn_.emplace(engine_.connect());
  return *conn_;
}

Result Session::execute(const sql::Executable& statement, const Params& params) {
  if (const auto* select = dynamic_cast<const Select*>(&statement)) {
    autoflush_before(*select->root());
    return connection().execute(statement, params);
  }
  autoflush_now();
  return write_connection().execute(statement, params);
}

// ---- adding and removing ----------------------------------------------------------------------

void Session::add_state(const StatePtr& state) {
  InstanceState& s = *state;
  if (s.session && s.session != this)
    throw InvalidRequestError("the " + s.mapper->class_name() + " object is already attached to another session");
  if (s.session == this && (s.state == ObjectState::pending || s.state == ObjectState::persistent)) return;
  if (s.graph != graph().get()) detail::ObjectGraph::merge(graph().get(), s.graph);
  switch (s.state) {
    case ObjectState::transient:
      s.transition(ObjectState::pending);
      s.session = this;
      s.insert_order = add_counter_++;
      new_.push_back(state);
      break;
    case ObjectState::detached:
      if (!s.has_identity) throw InvalidRequestError("detached object without identity");
      if (s.row_deleted)  // its row is gone: making it persistent again would claim a row that is not there
        throw InvalidRequestError("add: the " + s.mapper->class_name() + " object " + detail::identity_of(s).to_string() +
                                  " has been deleted; make_transient() sends it back to the transient state");
      s.transition(ObjectState::persistent);
      s.session = this;
      identity_.add(state);
      break;
    case ObjectState::pending:
    case ObjectState::persistent:
      break;  // already here
    case ObjectState::deleted:
      throw InvalidRequestError("add: the " + s.mapper->class_name() +
                                " object was deleted in this transaction; commit or roll back first");
  }
  // Save-update cascade: what the object holds joins the session with it (loaded links only),
  // and so does what a detached object's collections lost meanwhile (SQLAlchemy cascades over
  // the whole history), so the flush can blank their keys or delete the orphans.
  bool history = false;
  for (const auto& r : s.mapper->relationships()) {
    detail::LinkBase& link = r->link(s);
    history = history || detail::LinkAccess::has_history(link);
    if (!r->cascade().save_update) continue;
    auto join = [this](InstanceState* x) {
      if (x && (x->state == ObjectState::transient || x->state == ObjectState::detached)) add_state(detail::state_ref(*x));
    };
    if (!r->collection()) {
      join(detail::LinkAccess::target(link));
      if (detail::LinkAccess::changed(link)) join(detail::LinkAccess::committed(link));
      continue;
    }
    // A copy: adding may back-populate into this very collection.
    std::vector<InstanceState*> items = r->dynamic() ? detail::LinkAccess::added(link) : detail::LinkAccess::items(link);
    const auto& removed = detail::LinkAccess::removed(link);
    items.insert(items.end(), removed.begin(), removed.end());
    for (InstanceState* x : items) join(x);
  }
  if (!s.mapper->relationships().empty() && !s.links_changed && (s.state == ObjectState::pending || history)) {
    s.links_changed = true;
    links_changed_.push_back(state);
  }
}

void Session::delete_state(InstanceState& s) {
  if (s.session != this) not_in_session(s, "delete_");
  if (s.state == ObjectState::pending) {
    expunge_state(s);
  } else if (s.state == ObjectState::persistent && !s.marked_deleted) {
    s.marked_deleted = true;
    deleted_.push_back(identity_.find(s));
    // Delete cascade: loads what is not loaded yet, unless passive_deletes leaves it to the
    // database's ON DELETE CASCADE. No autoflush: it would delete the parent first.
    auto guard = no_autoflush();
    for (const auto& r : s.mapper->relationships()) {
      if (!r->cascade().delete_) continue;
      detail::LinkBase& link = r->link(s);
      if (!detail::LinkAccess::loaded(link) && r->passive_deletes()) continue;
      std::vector<InstanceState*> targets;
      if (r->collection()) {
        targets = detail::LinkAccess::all_items(link);  // a Dynamic's rows by one query
      } else if (InstanceState* t = detail::LinkAccess::load_target(link)) {
        targets.push_back(t);
      }
      for (InstanceState* t : targets)
        if (t->session == this) delete_state(*t);
    }
  }
}

void Session::expunge_state(InstanceState& s) {
  if (s.session != this) not_in_session(s, "expunge");
  switch (s.state) {
    case ObjectState::pending:
      erase_state(new_, s);
      s.transition(ObjectState::transient);
      break;
    case ObjectState::persistent:
      if (s.marked_deleted) erase_state(deleted_, s);
      s.marked_deleted = false;
      identity_.remove(s);
      erase_state(tx_inserted_, s);
      s.transition(ObjectState::detached);
      break;
    case ObjectState::deleted:
      erase_state(tx_deleted_, s);
      s.transition(ObjectState::detached);
      s.row_deleted = true;
      break;
    default:
      break;
  }
  s.session = nullptr;
}

void Session::expunge_all() {
  for (auto& s : new_) {
    s->transition(ObjectState::transient);
    s->session = nullptr;
  }
  new_.clear();
  identity_.for_each([](const StatePtr& s) {
    s->marked_deleted = false;
    s->transition(ObjectState::detached);
    s->session = nullptr;
  });
  identity_.clear();
  for (auto& s : tx_deleted_) {
    s->transition(ObjectState::detached);
    s->session = nullptr;
    s->row_deleted = true;
  }
  tx_deleted_.clear();
  tx_inserted_.clear();
  deleted_.clear();
}

// ---- expiry, refresh, merge ---------------------------------------------------------------

// An expired object's snapshot is what its members held when it expired: a member that differs
// from it later was set by the application since, and is kept (and written) when the row is
// reloaded; every other member takes the database's value then. Unflushed changes made before
// expiry are given up, as SQLAlchemy's expire() gives them up.
void Session::mark_expired(InstanceState& s) {
  if (s.has_snapshot)
    for (const auto& a : s.mapper->attributes()) a->commit(s);
  s.expired = true;
  detail::reset_links(s, false);
}

void Session::expire_state(InstanceState& s) {
  if (s.session != this || s.state != ObjectState::persistent) not_in_session(s, "expire");
  mark_expired(s);
}

void Session::expire_all() {
  identity_.for_each([this](const StatePtr& s) { mark_expired(*s); });
}

void Session::reload_row(InstanceState& s, const Row& row, std::size_t offset, bool keep_changes) {
  for (const auto& a : s.mapper->attributes()) {
    if (keep_changes && a->modified(s)) {
      Value mine = a->get(s);
      a->load_committed(s, row, offset + a->index());
      a->set(s, mine);
    } else {
      a->load_committed(s, row, offset + a->index());
    }
  }
  s.has_snapshot = true;
  s.expired = false;
}

void Session::reload_expired(const std::vector<StatePtr>& states) {
  std::vector<std::vector<Value>> keys;
  for (std::size_t begin = 0; begin < states.size();) {
    const Mapper& m = *states[begin]->mapper;
    std::size_t end = begin;
    while (end < states.size() && states[end]->mapper == &m) ++end;
    keys.clear();
    for (std::size_t i = begin; i < end; ++i) keys.push_back(detail::identity_of(*states[i]).values);
    detail::for_each_row_by_key(connection(), m, keys, [&](const Row& row) {
      StatePtr held = identity_.find(m, detail::primary_key_of_row(m, row));
      if (held && held->expired) reload_row(*held, row, 0, true);
    });
    begin = end;
  }
}

void Session::refresh_state(InstanceState& s, bool keep_changes) {
  if (s.session != this || s.state != ObjectState::persistent) not_in_session(s, "refresh");
  auto key = detail::identity_of(s);
  auto placed = detail::get_statement(*s.mapper, connection().dialect());
  std::vector<Value> literals(placed->slot.size());
  for (std::size_t k = 0; k < key.values.size(); ++k) literals[placed->literal_of[k]] = key.values[k];
  Result r = detail::run_placed(connection(), *placed, literals);
  if (!r.advance())
    throw ObjectDeletedError("refresh: the row of " + key.to_string() + " no longer exists");
  reload_row(s, r.row(), 0, keep_changes);
}

Session::StatePtr Session::merge_state(const InstanceState& source) {
  const Mapper& m = *source.mapper;
  bool keyed = true;
  for (const Attribute* a : m.primary_key())
    if (a == m.generated_key() && a->unset(source)) keyed = false;
  StatePtr target;
  if (keyed) {
    std::vector<Value> key;
    for (const Attribute* a : m.primary_key()) key.push_back(a->get(source));
    target = identity_.find(m, key);
    if (!target) target = fetch_by_key(m, key, false);
    if (target && target->expired) refresh_state(*target, true);
  }
  if (!target) {
    target = m.new_state(graph());
    for (const auto& a : m.attributes()) a->copy(*target, source);
    add_state(target);
    return target;
  }
  if (target.get() != &source) {
    // Optimistic locking: an unset version says "no version" (the loaded one stays, so the
    // counter never goes back); a different one means the copy was made from an older row.
    const Attribute* v = m.version_attribute();
    if (v && !v->unset(source) && v->get(source) != v->get(*target))
      throw StaleDataError("merge: version id " + v->get(source).to_display() + " on the merged " + m.class_name() +
                           " " + detail::identity_of(*target).to_string() + " does not match the session's version " +
                           v->get(*target).to_display() + "; leave the version member unset to merge without a version");
    // A member the source leaves to its column's default says nothing about the row: kept.
    for (const auto& a : m.attributes())
      if (a.get() != v && !a->left_to_default(source)) a->copy(*target, source);
  }
  return target;
}

void Session::cascade(InstanceState& root, CascadeOp op) {
  // Gathered before acting: expiring an object forgets its loaded relationships.
  std::vector<InstanceState*> reached{&root};
  for (std::size_t i = 0; i < reached.size(); ++i) {
    InstanceState& s = *reached[i];
    for (const auto& r : s.mapper->relationships()) {
      const Cascade& c = r->cascade();
      if (!(op == CascadeOp::expunge ? c.expunge : c.refresh_expire)) continue;
      detail::LinkBase& link = r->link(s);
      if (!detail::LinkAccess::loaded(link)) continue;  // only what is loaded (a Dynamic never is)
      std::vector<InstanceState*> targets;
      if (r->collection()) targets = detail::LinkAccess::items(link);
      else if (InstanceState* t = detail::LinkAccess::target(link)) targets.push_back(t);
      for (InstanceState* t : targets) {
        if (t->session != this || std::find(reached.begin(), reached.end(), t) != reached.end()) continue;
        if (op != CascadeOp::expunge && t->state != ObjectState::persistent) continue;
        reached.push_back(t);
      }
    }
  }
  for (InstanceState* s : reached) {
    if (s != &root && s->session != this) continue;  // gone with an earlier one
    switch (op) {
      case CascadeOp::expunge: expunge_state(*s); break;
      case CascadeOp::expire: expire_state(*s); break;
      case CascadeOp::refresh: refresh_state(*s); break;
    }
  }
}

Session::StatePtr Session::merge_cascade(const InstanceState& source) {
  auto guard = no_autoflush();  // loading targets mid-merge must not flush half-merged objects
  MergeMemo memo;
  return merge_related(source, memo);
}

Session::StatePtr Session::merge_related(const InstanceState& source, MergeMemo& memo) {
  for (const auto& [from, to] : memo)
    if (from == &source) return to;
  if (source.session == this && (source.state == ObjectState::pending || source.state == ObjectState::persistent)) {
    StatePtr same = detail::state_ref(const_cast<InstanceState&>(source));  // already this session's
    memo.emplace_back(&source, same);
    return same;
  }
  StatePtr target = merge_state(source);
  memo.emplace_back(&source, target);
  if (target.get() == &source) return target;
  auto& from = const_cast<InstanceState&>(source);  // links are read, not changed
  for (const auto& r : source.mapper->relationships()) {
    if (!r->cascade().merge) continue;
    detail::LinkBase& src = r->link(from);
    detail::LinkBase& dst = r->link(*target);
    if (!r->collection()) {
      // An empty One<> of a new object says nothing (C++ has no "unset"): only objects merge.
      if (!detail::LinkAccess::loaded(src)) continue;
      if (InstanceState* t = detail::LinkAccess::target(src))
        detail::LinkAccess::assign_scalar(dst, merge_related(*t, memo).get());
      continue;
    }
    if (r->dynamic()) {  // its recorded appends
      for (InstanceState* t : std::vector<InstanceState*>(detail::LinkAccess::added(src)))
        detail::LinkAccess::append_item(dst, merge_related(*t, memo).get());
      continue;
    }
    // A loaded collection of a copy of a row replaces the target's; a new object's empty one
    // says nothing.
    if (!detail::LinkAccess::loaded(src)) continue;
    const std::vector<InstanceState*> items = detail::LinkAccess::items(src);
    if (items.empty() && !source.has_identity) continue;
    std::vector<InstanceState*> merged;
    for (InstanceState* t : items) merged.push_back(merge_related(*t, memo).get());
    detail::LinkAccess::assign_items(dst, merged);
  }
  return target;
}

// ---- loading -----------------------------------------------------------------------------

Session::StatePtr Session::get_state(const Mapper& mapper, std::int64_t key) {
  if (StatePtr s = identity_.find(mapper, key)) {
    if (s->marked_deleted) return nullptr;
    if (s->expired) refresh_state(*s, true);
    return s;
  }
  if (!new_.empty()) autoflush_now();
  return fetch_by_key(mapper, {Value(key)}, false);
}

Session::StatePtr Session::get_state(const Mapper& mapper, const std::vector<Value>& key) {
  if (key.size() != mapper.primary_key().size())
    throw ArgumentError("get<" + mapper.class_name() + ">: the primary key has " +
                        std::to_string(mapper.primary_key().size()) + " column(s), " +
                        std::to_string(key.size()) + " value(s) given");
  if (StatePtr s = identity_.find(mapper, key)) {
    if (s->marked_deleted) return nullptr;
    if (s->expired) refresh_state(*s, true);
    return s;
  }
  if (!new_.empty()) autoflush_now();
  return fetch_by_key(mapper, key, false);
}

Session::StatePtr Session::fetch_by_key(const Mapper& mapper, const std::vector<Value>& key, bool overwrite) {
  Connection& conn = connection();
  auto placed = detail::get_statement(mapper, conn.dialect());
  std::vector<Value> literals(placed->slot.size());
  for (std::size_t k = 0; k < key.size(); ++k) literals[placed->literal_of[k]] = key[k];
  Result r = detail::run_placed(conn, *placed, literals);
  if (!r.advance()) return nullptr;
  StatePtr s = load_row(mapper, r.row(), 0, overwrite);
  r.close();
  return s;
}

Session::StatePtr Session::load_row(const Mapper& mapper, const Row& row, std::size_t offset, bool overwrite) {
  const auto& attrs = mapper.attributes();
  // Once for every column read below (load_committed does not check each one).
  if (row.size() < offset + attrs.size())
    throw InvalidRequestError("a row of " + std::to_string(row.size()) + " columns cannot hold " +
                              mapper.class_name() + "'s " + std::to_string(attrs.size()) + " columns at offset " +
                              std::to_string(offset));
  std::int64_t key = 0;
  if (mapper.integer_primary_key()) {
    key = detail::RowAccess::get<std::int64_t>(row, offset + mapper.primary_key()[0]->index());
    if (const StatePtr* existing = identity_.lookup(mapper, key)) {
      InstanceState& e = **existing;
      if (e.expired || overwrite) reload_row(e, row, offset, !overwrite);
      return *existing;
    }
  }
  StatePtr s = mapper.new_state(graph(), /*links_loaded=*/false);
  if (mapper.integer_primary_key()) {
    // Hydrate object and snapshot in one pass; the key column was read above already, and only
    // goes through the row again when the member is too narrow for it (the read names the column).
    const Attribute* key_attr = mapper.primary_key()[0];
    for (const auto& a : attrs)
      if (a.get() != key_attr) a->load_committed(*s, row, offset + a->index());
    if (key_attr->set_integer(*s, key)) key_attr->commit(*s);
    else key_attr->load_committed(*s, row, offset + key_attr->index());
    detail::assign_identity(*s);
    s->has_snapshot = true;
    s->transition(ObjectState::persistent);
    s->session = this;
    identity_.add(s);
    return s;
  }
  for (const auto& a : attrs) a->load(*s, row, offset + a->index());
  detail::assign_identity(*s);
  if (!mapper.integer_primary_key()) {
    if (StatePtr other = identity_.find(*s)) {
      if (other->expired || overwrite) reload_row(*other, row, offset, !overwrite);
      return other;
    }
  }
  for (const auto& a : attrs) a->commit(*s);
  s->has_snapshot = true;
  s->transition(ObjectState::persistent);
  s->session = this;
  identity_.add(s);
  return s;
}

// ---- flush and transaction ----------------------------------------------------------------

std::vector<Session::StatePtr> Session::dirty_states() const { return dirty_states(nullptr); }

namespace {
// A persistent object the next flush would UPDATE. Expired objects too: a member set since the
// expiry differs from the snapshot taken then, and is written (the row's other columns are not
// read for that).
bool needs_update(const InstanceState& s) {
  return s.state == ObjectState::persistent && s.has_snapshot && !s.marked_deleted && detail::is_modified(s);
}
}  // namespace

std::vector<Session::StatePtr> Session::dirty_states(const std::vector<char>* scope) const {
  std::vector<StatePtr> out;
  auto visit = [&](const StatePtr& s) {
    if (needs_update(*s)) out.push_back(s);
  };
  if (scope) identity_.for_each_in(*scope, visit);
  else identity_.for_each(visit);
  return out;
}

namespace {
// What a statement reads of each table: the columns whose values decide which rows it finds, how
// it orders or groups them, or what it returns. An object whose edits touch none of them cannot
// change the statement's result, so autoflush compares only these members.
struct ReadColumns {
  struct Of {
    const Table* table;
    std::vector<const Column*> columns;
  };
  std::vector<Of> tables;
  Of& of(const Table* t) {
    for (auto& o : tables)
      if (o.table == t) return o;
    return tables.emplace_back(Of{t, {}});
  }
  void column(const Column* c) {
    auto& cols = of(c->table()).columns;
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  }
};

// `entity_columns`: the statement is an ORM entity load whose own select list is the entity's
// columns. Those rows become the identity map's objects, whose in-memory values win over the
// row's, so an edit there cannot change the result (filters, joins, ordering and every
// subquery still count, select lists included).
void collect_reads(const sql::Node& node, ReadColumns& out, bool entity_columns = false) {
  switch (node.kind()) {
    case sql::NodeKind::table:
      out.of(static_cast<const sql::TableNode&>(node).table);
      return;
    case sql::NodeKind::column: {
      const auto& c = static_cast<const sql::ColumnNode&>(node);
      if (!entity_columns && c.column && c.column->table()) out.column(c.column);
      // A column's FROM is not one of its children: a table, a table's alias, or a subquery.
      if (c.from) collect_reads(*c.from, out);
      return;
    }
    case sql::NodeKind::select:
      if (entity_columns) {
        const auto& sel = static_cast<const sql::SelectNode&>(node);
        for (const auto& c : sel.columns) collect_reads(*c, out, c->kind() == sql::NodeKind::column);
        auto walk = [&](const sql::NodePtr& n) {
          if (n) collect_reads(*n, out);
        };
        for (const auto* list : {&sel.froms, &sel.where_froms, &sel.group_by, &sel.order_by})
          for (const auto& n : *list) walk(n);
        walk(sel.where);
        walk(sel.having);
        walk(sel.limit);
        walk(sel.offset);
        return;
      }
      break;
    default:
      break;
  }
  node.for_each_child([&](const sql::Node& child) { collect_reads(child, out); });
}
}  // namespace

void Session::autoflush_before(const sql::Node& statement, bool entity_rows) {
  if (!autoflush_ || flushing_) return;
  const bool listed = !new_.empty() || !deleted_.empty() || !links_changed_.empty();
  if (!listed && identity_.size() == 0) return;
  ReadColumns reads;
  collect_reads(statement, reads, entity_rows);
  // Mappers with an object edited in a column the statement reads: flushed with the lists.
  std::vector<const Mapper*> edited;
  std::vector<const Attribute*> watched;
  for (const auto& [table, columns] : reads.tables) {
    if (columns.empty()) continue;
    const Mapper* m = default_registry().find(*table);
    if (!m) continue;
    watched.clear();
    const auto& all = table->columns();
    // Primary keys are not watched: the identity map knows an object by the key it was loaded
    // or inserted with until a flush writes a new one, and queries see keys the same way; a
    // loop of lookups by key then compares nothing (the edit is written by the next flush).
    for (const Column* c : columns)
      if (c >= all.data() && c < all.data() + all.size() && !c->is_primary_key())
        watched.push_back(m->attributes()[static_cast<std::size_t>(c - all.data())].get());
    if (watched.empty()) continue;
    bool dirty = false;
    identity_.for_each_of(*m, [&](const StatePtr& sp) {
      const InstanceState& s = *sp;
      if (dirty || s.state != ObjectState::persistent || !s.has_snapshot || s.marked_deleted) return;
      for (const Attribute* a : watched)
        if (a->modified(s)) {
          dirty = true;
          return;
        }
    });
    if (dirty) edited.push_back(m);
  }
  if (listed || !edited.empty()) scoped_flush(edited);
}

void Session::autoflush_for_load() {
  if ((!new_.empty() || !deleted_.empty() || !links_changed_.empty()) && autoflush_ && !flushing_) scoped_flush({});
}

void Session::scoped_flush(const std::vector<const Mapper*>& edited) {
  autoflush_scope_.clear();
  auto mark = [&](const Mapper& m) {
    if (m.index() >= autoflush_scope_.size()) autoflush_scope_.resize(m.index() + 1, 0);
    autoflush_scope_[m.index()] = 1;
  };
  for (const Mapper* m : edited) mark(*m);
  // New and deleted objects bring their mappers' edits along: an INSERT may collide with a unique
  // value an unflushed edit frees. Relationship changes bring only the objects whose keys they
  // set (the flush adds those itself), so a loop that links objects does not compare them all.
  for (const auto* list : {&new_, &deleted_})
    for (const auto& s : *list) mark(*s->mapper);
  flush_scope_ = &autoflush_scope_;
  try {
    flush();
  } catch (...) {
    flush_scope_ = nullptr;
    throw;
  }
  flush_scope_ = nullptr;
}

std::size_t Session::dirty_count() const { return dirty_states().size(); }

void Session::autoflush_now() {
  if (autoflush_ && !flushing_) flush();
}

void Session::flush() {
  if (flushing_) throw InvalidRequestError("flush: the session is already flushing");
  flushing_ = true;
  try {
    events_.fire_before_flush(*this);
    detail::UnitOfWork(*this).flush();
  } catch (...) {
    flushing_ = false;
    // A failed flush leaves the transaction unusable: roll back now, with rollback()'s rules for
    // the objects, so nothing claims a state the database does not hold.
    rollback();
    throw;
  }
  flushing_ = false;
  events_.fire_after_flush(*this);
}

void Session::end_transaction() {
  conn_.reset();  // returns the connection to the pool
  tx_wrote_ = false;
  transaction_id_ = next_transaction_id();
}

void Session::commit() {
  flush();
  if (conn_) conn_->commit();
  for (auto& s : tx_deleted_) {
    s->transition(ObjectState::detached);
    s->session = nullptr;
    s->row_deleted = true;
  }
  tx_deleted_.clear();
  tx_inserted_.clear();  // their inserted_transaction can no longer match: no pass over them
  end_transaction();
  if (expire_on_commit_) expire_all();
  events_.fire_after_commit(*this);
}

void Session::rollback() {
  const std::uint64_t ended = transaction_id_;
  if (conn_) {
    try {
      conn_->rollback();
    } catch (...) {
      end_transaction();
      rollback_objects(ended);
      throw;
    }
  }
  end_transaction();
  rollback_objects(ended);
  reload_after_rollback();
  events_.fire_after_rollback(*this);
}

// Rolled-back values must not stay readable as if they were the database's: every persistent
// object is reloaded now, one SELECT ... IN per mapper and batch, in a read transaction of its
// own that ends here. Best effort: when the database cannot be reached (the rollback may be the
// aftermath of a lost connection) the objects stay expired, and the next get / query / refresh
// that meets one reloads it; a flush writes what the application set since either way.
void Session::reload_after_rollback() {
  std::vector<StatePtr> stale;
  identity_.for_each([&](const StatePtr& s) {
    if (s->expired && s->has_identity) stale.push_back(s);
  });
  if (stale.empty()) return;
  std::stable_sort(stale.begin(), stale.end(),
                   [](const StatePtr& a, const StatePtr& b) { return a->mapper->index() < b->mapper->index(); });
  try {
    reload_expired(stale);
  } catch (const Error&) {  // stay expired (above); the original error, if any, is the caller's
  }
  if (conn_) {
    try {
      conn_->rollback();
    } catch (const Error&) {
    }
    end_transaction();
  }
}

void Session::rollback_objects(std::uint64_t ended) {
  for (auto& s : new_) {
    s->transition(ObjectState::transient);
    s->session = nullptr;
  }
  new_.clear();
  for (auto& s : tx_inserted_) {
    if (s->session != this || s->state != ObjectState::persistent) continue;
    identity_.remove(*s);
    if (s->marked_deleted) erase_state(deleted_, *s);
    s->marked_deleted = false;
    s->transition(ObjectState::transient);
    s->session = nullptr;
    s->has_identity = false;
    s->has_snapshot = false;
    s->inserted_transaction = 0;
  }
  tx_inserted_.clear();
  for (auto& s : tx_deleted_) {
    if (s->inserted_transaction == ended) {  // inserted and deleted in this transaction: never existed
      s->transition(ObjectState::detached);
      s->transition(ObjectState::transient);
      s->session = nullptr;
      s->has_identity = false;
      s->has_snapshot = false;
      s->inserted_transaction = 0;
      continue;
    }
    s->transition(ObjectState::persistent);
    identity_.add(s);
  }
  tx_deleted_.clear();
  for (auto& s : deleted_) s->marked_deleted = false;
  deleted_.clear();
  for (auto& s : links_changed_) s->links_changed = false;
  links_changed_.clear();
  identity_.for_each([this](const StatePtr& s) { mark_expired(*s); });
}

void Session::close() {
  if (conn_) {
    try {
      conn_->rollback();
    } catch (...) {
    }
  }
  end_transaction();
  // The rollback above restored the rows their DELETEs removed: those objects detach as any other.
  std::vector<InstanceState*> restored;
  for (const auto& s : tx_deleted_) restored.push_back(s.get());
  if (!release_unobserved_objects()) {
    expunge_all();
    for (InstanceState* s : restored) s->row_deleted = false;
  }
  for (auto& s : links_changed_) s->links_changed = false;
  links_changed_.clear();
  graph_.reset();  // objects still held by the application keep their graph
}

bool Session::release_unobserved_objects() {
  if (!graph_) return false;
  // Every reference the session holds, if each shares the graph's control block. Any other owner
  // (a handle, a result, a graph merged into this one, a reference through such a graph) makes
  // use_count() larger, so equality proves that nothing outside can see these objects again:
  // they are destroyed with the graph instead of being detached one by one.
  std::size_t held = 1;  // graph_
  bool all_direct = true;
  auto count = [&](const StatePtr& s) {
    all_direct = all_direct && !s.owner_before(graph_) && !graph_.owner_before(s);
    ++held;
  };
  identity_.for_each(count);
  for (const auto* list : {&new_, &deleted_, &tx_inserted_, &tx_deleted_, &links_changed_})
    for (const auto& s : *list) count(s);
  if (!all_direct || static_cast<std::size_t>(graph_.use_count()) != held) return false;
  identity_.clear();
  new_.clear();
  deleted_.clear();
  tx_inserted_.clear();
  tx_deleted_.clear();
  links_changed_.clear();
  graph_.reset();
  return true;
}

void Session::detach(InstanceState& s) {
  s.session = nullptr;
  if (s.state != ObjectState::detached) s.transition(ObjectState::detached);
}

// ---- bulk statements -------------------------------------------------------------------------

void Session::after_bulk_update(const Mapper& mapper, const std::vector<std::vector<Value>>& keys) {
  for (const auto& key : keys)
    if (StatePtr s = identity_.find(mapper, key)) refresh_state(*s);
}

void Session::after_bulk_delete(const Mapper& mapper, const std::vector<std::vector<Value>>& keys) {
  for (const auto& key : keys) {
    StatePtr s = identity_.find(mapper, key);
    if (!s) continue;
    if (s->marked_deleted) erase_state(deleted_, *s);
    s->marked_deleted = false;
    identity_.remove(*s);
    s->transition(ObjectState::deleted);
    tx_deleted_.push_back(s);
  }
}

}  // namespace crucible
