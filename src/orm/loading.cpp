// SPDX-License-Identifier: MIT
// Loader strategies: the lazy loader behind One / Many access, and the eager strategies of a
// query (joined into its statement, or selectin / subquery after it), with per-query options.
#include "orm/loading.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "crucible/orm/query.hpp"
#include "crucible/orm/session.hpp"
#include "crucible/sql/dialect.hpp"
#include "orm/links.hpp"

namespace crucible::detail {
namespace {

using StatePtr = std::shared_ptr<InstanceState>;
using KeyMap = std::unordered_map<std::vector<Value>, std::vector<InstanceState*>, ValuesHash>;

constexpr std::size_t kInBatch = 500;

std::vector<Value> attr_values(const InstanceState& s, const std::vector<std::size_t>& columns) {
  std::vector<Value> out;
  out.reserve(columns.size());
  for (std::size_t c : columns) out.push_back(s.mapper->attributes()[c]->get(s));
  return out;
}

bool has_null(const std::vector<Value>& key) {
  return std::any_of(key.begin(), key.end(), [](const Value& v) { return v.is_null(); });
}

sql::NodeList nodes_of(const Table& t, const std::vector<std::size_t>& positions) {
  sql::NodeList out;
  for (std::size_t p : positions) out.push_back(t.column_nodes()[p]);
  return out;
}

// Calls `fn` with each run of at most kInBatch of `keys`: one IN list each.
template <typename T, typename Fn>
void for_each_batch(const std::vector<T>& keys, Fn&& fn) {
  for (std::size_t at = 0; at < keys.size(); at += kInBatch)
    fn(std::span<const T>(keys.data() + at, std::min(kInBatch, keys.size() - at)));
}

// col = v, or col IN (v, ...) for several.
sql::NodePtr match_values(const sql::NodePtr& col, sql::NodeList items) {
  if (items.size() == 1) return make_compare(sql::BinaryOp::eq, col, items[0]);
  return make_in_list(col, std::move(items), false);
}

// cols = key[0] OR ...; one column: IN (...).
sql::NodePtr match_keys(const sql::NodeList& cols, std::span<const std::vector<Value>> keys) {
  if (cols.size() == 1) {
    sql::NodeList items;
    for (const auto& k : keys) items.push_back(make_literal(k[0], cols[0]->type()));
    return match_values(cols[0], std::move(items));
  }
  sql::NodePtr any;
  for (const auto& k : keys) {
    sql::NodeList all;
    for (std::size_t i = 0; i < cols.size(); ++i)
      all.push_back(make_compare(sql::BinaryOp::eq, cols[i], make_literal(k[i], cols[i]->type())));
    sql::NodePtr one = sql::and_all(std::move(all));
    any = any ? make_or(any, one) : one;
  }
  return any;
}

Select with_order(Select s, const sql::NodeList& order) {
  if (order.empty()) return s;
  std::vector<ExprArg> items;
  for (const auto& o : order) items.emplace_back(Expr<Value>(o));
  return s.order_by(std::move(items));
}

// SELECT the targets of `r` whose join columns satisfy `match(columns)`; many-to-many rows lead
// with the secondary's parent-side columns, so `offset` says where the target's columns start.
using Matcher = std::function<sql::NodePtr(const sql::NodeList&)>;
Select related_select(const Relationship& r, const Matcher& match, std::size_t& offset) {
  const Table& U = r.target().table();
  offset = 0;
  if (r.direction() == RelationshipDirection::many_to_many) {
    const Table& S = *r.secondary();
    sql::NodeList cols = nodes_of(S, r.secondary_parent());
    offset = cols.size();
    cols.insert(cols.end(), U.column_nodes().begin(), U.column_nodes().end());
    sql::NodeList on;
    for (std::size_t i = 0; i < r.secondary_target().size(); ++i)
      on.push_back(make_compare(sql::BinaryOp::eq, S.column_nodes()[r.secondary_target()[i]],
                                U.column_nodes()[r.target_columns()[i]]));
    Select s = Select(std::move(cols)).select_from(U).join(S, Expr<bool>(sql::and_all(std::move(on))));
    return with_order(s.where(Expr<bool>(match(nodes_of(S, r.secondary_parent())))), r.order_by());
  }
  Select s = Select(U.column_nodes()).select_from(U).where(Expr<bool>(match(nodes_of(U, r.target_columns()))));
  return with_order(s, r.order_by());
}

// The key a loaded target row belongs to: the secondary's columns (many-to-many), else the
// target's own join columns.
std::vector<Value> row_key(const Relationship& r, const Row& row, const InstanceState& target) {
  if (r.direction() == RelationshipDirection::many_to_many) {
    std::vector<Value> key;
    for (std::size_t i = 0; i < r.secondary_parent().size(); ++i) key.push_back(row[i]);
    return key;
  }
  return attr_values(target, r.target_columns());
}

void populate(LinkBase& link, const Relationship& r, const std::vector<InstanceState*>& targets) {
  if (r.collection()) LinkAccess::populate_collection(link, targets);
  else LinkAccess::populate_scalar(link, targets.empty() ? nullptr : targets.front());
}

void append_unique(std::vector<InstanceState*>& out, std::unordered_set<InstanceState*>& seen, InstanceState* s) {
  if (seen.insert(s).second) out.push_back(s);
}

}  // namespace

// ---- the lazy loader --------------------------------------------------------------------------------

void load_relationship(InstanceState& owner, const Relationship& r) {
  LinkBase& link = r.link(owner);
  const Loading how = LinkAccess::strategy(link, r);
  if (how == Loading::noload) return populate(link, r, {});
  if (!owner.session) {
    if (owner.has_identity)
      throw DetachedInstanceError("Parent instance " + identity_of(owner).to_string() +
                                  " is not bound to a Session; lazy load of '" + r.name() +
                                  "' cannot proceed (load it before the session closes, or add the object to a session)");
    return populate(link, r, {});
  }
  if (how == Loading::raise)
    throw RaiseLoadError("'" + r.name() + "' is not available due to lazy=raise; load it up front "
                         "(selectinload / joinedload) or use lazyload() for this query");
  if (!owner.has_identity && r.direction() != RelationshipDirection::many_to_one) return populate(link, r, {});
  Session& session = *owner.session;
  std::vector<Value> key = attr_values(owner, r.parent_columns());
  if (has_null(key)) return populate(link, r, {});
  if (r.direction() == RelationshipDirection::many_to_one && r.targets_key()) {
    // The identity map answers a many-to-one with no SQL when it holds the object.
    if (StatePtr found = session.identity_map().find(r.target(), key); found && !found->marked_deleted && !found->expired)
      return populate(link, r, {found.get()});
  }
  session.autoflush_for_load();
  std::size_t offset = 0;
  const std::vector<std::vector<Value>> keys{key};
  Select select = related_select(r, [&](const sql::NodeList& cols) { return match_keys(cols, keys); }, offset);
  Result result = session.connection().execute(select);
  std::vector<InstanceState*> targets;
  while (result.advance()) targets.push_back(session.load_row(r.target(), result.row(), offset).get());
  populate(link, r, targets);
}

// ---- batch loaders (selectin, subquery) -----------------------------------------------------------------

namespace {

// The subquery strategy's one statement: IN (SELECT key FROM (the parent query) AS anon_1), the
// derived table letting LIMIT stand inside it on every backend. False when it does not apply (no
// parent query, or a composite key).
template <typename Run>
bool run_subquery_matcher(const Relationship& r, const QueryCriteria* subquery_of, Run&& run) {
  if (subquery_of && r.parent_columns().size() == 1) {
    QueryCriteria c = *subquery_of;
    c.order.clear();
    c.options.clear();
    c.for_update.reset();  // the parent query took its locks already
    const Table& P = r.parent().table();
    const Column& key_col = P.columns()[r.parent_columns()[0]];
    Subquery inner = c.build({P.column_nodes()[r.parent_columns()[0]]}).subquery("anon_1");
    Select keys_select = Select(sql::NodeList{inner.column_node(key_col.name(), key_col.type())}).select_from(inner);
    run([&](const sql::NodeList& cols) { return make_in_select(cols[0], keys_select.select_node(), false); });
    return true;
  }
  return false;
}

// Runs `run` with the conditions that select the targets of `keys`: the subquery strategy's one
// statement, else IN lists of kInBatch keys.
template <typename Run>
void run_matchers(const Relationship& r, const std::vector<std::vector<Value>>& keys, const QueryCriteria* subquery_of,
                  Run&& run) {
  if (run_subquery_matcher(r, subquery_of, run)) return;
  for_each_batch(keys, [&](std::span<const std::vector<Value>> batch) {
    run([&](const sql::NodeList& cols) { return match_keys(cols, batch); });
  });
}

// The common case: a collection over one integer key. The parents' keys are integers, sorted
// (parents sharing a key side by side), and children go straight into their parents'
// collections as rows arrive: no Value, key vector or per-key list is made for a parent.
std::vector<InstanceState*> load_integer_batch(Session& session, const Relationship& r,
                                               const std::vector<InstanceState*>& parents,
                                               const QueryCriteria* subquery_of, bool collect) {
  const Attribute& parent_key = *r.parent().attributes()[r.parent_columns()[0]];
  std::vector<InstanceState*> out;
  std::unordered_set<InstanceState*> seen;
  std::vector<std::pair<std::int64_t, InstanceState*>> wanted;  // (key, parent)
  wanted.reserve(parents.size());
  for (InstanceState* p : parents) {
    LinkBase& link = r.link(*p);
    if (LinkAccess::loaded(link)) {
      if (collect)
        for (InstanceState* t : LinkAccess::items(link)) append_unique(out, seen, t);
      continue;
    }
    populate(link, r, {});  // filled below as rows arrive; a parent without children stays empty
    std::int64_t k = 0;
    if (p->has_identity && parent_key.integer(*p, k)) wanted.emplace_back(k, p);
  }
  if (wanted.empty()) return out;
  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(wanted.begin(), wanted.end(), by_key);
  std::vector<std::int64_t> keys;
  keys.reserve(wanted.size());
  for (const auto& w : wanted)
    if (keys.empty() || keys.back() != w.first) keys.push_back(w.first);

  const std::size_t target_key = r.target_columns()[0];
  const bool m2m = r.direction() == RelationshipDirection::many_to_many;
  auto run = [&](const Matcher& match) {
    std::size_t offset = 0;
    Result result = session.connection().execute(related_select(r, match, offset));
    // Rows come grouped by key (the IN is answered through the foreign key's index): the
    // parents of a key are looked up once per group, and the group's targets go into their
    // collections together (one allocation each, not one per doubling).
    auto first = wanted.end(), last = wanted.end();
    std::int64_t last_key = 0;
    std::vector<InstanceState*> group;
    auto hand_over = [&] {
      for (auto it = first; it != last && !group.empty(); ++it) LinkAccess::populate_extend(r.link(*it->second), group);
      group.clear();
    };
    while (result.advance()) {
      const Row& row = result.row();
      InstanceState* t = session.load_row(r.target(), row, offset).get();
      std::int64_t k = 0;
      if (m2m) k = row.get<std::int64_t>(0);
      else if (!t->mapper->attributes()[target_key]->integer(*t, k)) continue;
      if (first == wanted.end() || k != last_key) {
        hand_over();
        // Iterators, not std::ranges with a projection: clang 14 cannot compile libstdc++ 12's.
        const auto range = std::equal_range(wanted.begin(), wanted.end(), std::pair<std::int64_t, InstanceState*>(k, nullptr),
                                            by_key);
        first = range.first;
        last = range.second;
        last_key = k;
      }
      group.push_back(t);
      if (collect) append_unique(out, seen, t);
    }
    hand_over();
  };
  if (run_subquery_matcher(r, subquery_of, run)) return out;
  for_each_batch(keys, [&](std::span<const std::int64_t> batch) {
    run([&](const sql::NodeList& cols) {
      sql::NodeList items;
      items.reserve(batch.size());
      for (std::int64_t k : batch) items.push_back(make_literal(Value(k), cols[0]->type()));
      return match_values(cols[0], std::move(items));
    });
  });
  return out;
}

// Loads `r` for every parent not loaded yet: the parents' keys in batches (IN), or — for the
// subquery strategy — one statement whose IN is the parent query itself. Returns the distinct
// targets (loaded now or before) for nested options.
std::vector<InstanceState*> load_batch(Session& session, const Relationship& r, const std::vector<InstanceState*>& parents,
                                       const QueryCriteria* subquery_of, bool collect) {
  if (r.collection() && r.parent_columns().size() == 1 && r.parent().attributes()[r.parent_columns()[0]]->is_integer() &&
      (r.direction() == RelationshipDirection::many_to_many ||
       r.target().attributes()[r.target_columns()[0]]->is_integer()))
    return load_integer_batch(session, r, parents, subquery_of, collect);
  KeyMap by_key;
  std::vector<std::vector<Value>> keys;
  std::vector<InstanceState*> out;
  std::unordered_set<InstanceState*> seen;
  for (InstanceState* p : parents) {
    LinkBase& link = r.link(*p);
    if (LinkAccess::loaded(link)) {
      if (!collect) continue;
      if (r.collection()) {
        for (InstanceState* t : LinkAccess::items(link)) append_unique(out, seen, t);
      } else if (InstanceState* t = LinkAccess::target(link)) {
        append_unique(out, seen, t);
      }
      continue;
    }
    std::vector<Value> key = attr_values(*p, r.parent_columns());
    if ((!p->has_identity && r.direction() != RelationshipDirection::many_to_one) || has_null(key)) {
      populate(link, r, {});
      continue;
    }
    auto [it, fresh] = by_key.try_emplace(key);
    if (fresh) keys.push_back(std::move(key));
    it->second.push_back(p);
  }
  if (by_key.empty()) return out;

  KeyMap found;
  if (r.direction() == RelationshipDirection::many_to_one && r.targets_key()) {
    // What the identity map holds needs no SQL.
    std::vector<std::vector<Value>> missing;
    for (auto& k : keys) {
      StatePtr s = session.identity_map().find(r.target(), k);
      if (s && !s->marked_deleted && !s->expired) found[k].push_back(s.get());
      else missing.push_back(std::move(k));
    }
    keys = std::move(missing);
  }
  auto run = [&](const Matcher& match) {
    std::size_t offset = 0;
    Result result = session.connection().execute(related_select(r, match, offset));
    while (result.advance()) {
      InstanceState* t = session.load_row(r.target(), result.row(), offset).get();
      found[row_key(r, result.row(), *t)].push_back(t);
    }
  };
  if (!keys.empty()) {
    run_matchers(r, keys, subquery_of, run);
  }
  static const std::vector<InstanceState*> none;
  for (auto& [key, ps] : by_key) {
    auto it = found.find(key);
    const auto& targets = it == found.end() ? none : it->second;
    if (collect)
      for (InstanceState* t : targets) append_unique(out, seen, t);
    for (InstanceState* p : ps) populate(r.link(*p), r, targets);
  }
  return out;
}

}  // namespace

// ---- options ------------------------------------------------------------------------------------------

std::vector<OptionNode> resolve_options(const Mapper& mapper, const std::vector<LoadOption>& options, bool defaults) {
  ensure_configured();
  std::vector<OptionNode> nodes;
  for (const auto& o : options) {
    const Relationship& r = o.relationship();
    if (&r.parent() != &mapper)
      throw ArgumentError("loader option for " + r.name() + " does not apply to a query of " + mapper.class_name());
    if (r.dynamic() && o.loading() != Loading::noload && o.loading() != Loading::raise && o.loading() != Loading::select)
      throw ArgumentError(r.name() + " is a Dynamic relationship: it gives queries and cannot be loaded eagerly");
    nodes.push_back({&r, o.loading(), resolve_options(r.target(), o.children(), false)});
  }
  if (defaults) {
    for (const auto& r : mapper.relationships()) {
      const Loading l = r->lazy();
      if (l != Loading::joined && l != Loading::selectin && l != Loading::subquery) continue;
      if (std::none_of(nodes.begin(), nodes.end(), [&](const OptionNode& n) { return n.relationship == r.get(); }))
        nodes.push_back({r.get(), l, {}});
    }
  }
  return nodes;
}

bool has_eager_defaults(const Mapper& mapper) {
  ensure_configured();
  return std::any_of(mapper.relationships().begin(), mapper.relationships().end(), [](const auto& r) {
    return r->lazy() == Loading::joined || r->lazy() == Loading::selectin || r->lazy() == Loading::subquery;
  });
}

void apply_options(Session& session, const std::vector<OptionNode>& options, const std::vector<InstanceState*>& parents,
                   const QueryCriteria* top) {
  if (parents.empty()) return;
  for (const auto& o : options) {
    const Relationship& r = *o.relationship;
    switch (o.loading) {
      case Loading::joined:  // reached here only when nested under a non-joined option
      case Loading::selectin:
      case Loading::subquery: {
        auto targets = load_batch(session, r, parents, o.loading == Loading::subquery ? top : nullptr,
                                  !o.children.empty());
        apply_options(session, o.children, targets, nullptr);
        break;
      }
      case Loading::select:
      case Loading::raise:
        for (InstanceState* p : parents)
          if (!LinkAccess::loaded(r.link(*p))) LinkAccess::set_strategy(r.link(*p), o.loading);
        break;
      case Loading::noload:
        for (InstanceState* p : parents)
          if (!LinkAccess::loaded(r.link(*p))) populate(r.link(*p), r, {});
        break;
    }
  }
}

// ---- joined eager loading and the entity query ---------------------------------------------------------

namespace {

struct JoinedNode {
  const OptionNode* option = nullptr;
  int parent = -1;  // index of the joined node whose objects own this one, -1: the query's entity
  std::size_t offset = 0;
  std::vector<InstanceState*> targets;  // distinct, for nested non-joined options
  std::unordered_set<InstanceState*> seen;
  std::unordered_set<InstanceState*> filling;  // parents whose link this statement fills
  bool nested = false;  // has options of its own (targets collected for them)
};

void flatten(const std::vector<OptionNode>& options, int parent, std::vector<JoinedNode>& out) {
  for (const auto& o : options) {
    if (o.loading != Loading::joined) continue;
    JoinedNode n;
    n.option = &o;
    n.parent = parent;
    n.nested = !o.children.empty();
    out.push_back(std::move(n));
    flatten(o.children, static_cast<int>(out.size()) - 1, out);
  }
}

// Column `name` of the aliased / derived source.
sql::NodePtr source_column(const FromClause& from, const Column& c) { return from.column_node(c.name(), c.type()); }

// Rewrites an ORDER BY item on `table` to the same columns of `alias`.
sql::NodePtr adapt(const sql::NodePtr& node, const Table& table, const FromClause& alias) {
  if (node->kind() == sql::NodeKind::column) {
    const auto& c = static_cast<const sql::ColumnNode&>(*node);
    if (c.column && c.from == table.node()) return source_column(alias, *c.column);
    return node;
  }
  if (node->kind() == sql::NodeKind::order_item) {
    const auto& o = static_cast<const sql::OrderItemNode&>(*node);
    return std::make_shared<sql::OrderItemNode>(adapt(o.expr, table, alias), o.dir, o.nulls);
  }
  return node;
}

}  // namespace

// A locking read meets an object the session holds: when the row's version is not the one the
// object was loaded at, the object is stale and the lock protects other values (SQLAlchemy's
// version check of with_for_update). populate_existing() reloads it instead.
void check_locked_version(const Mapper& mapper, const InstanceState& s, const Row& row, std::size_t offset) {
  const Attribute* v = mapper.version_attribute();
  const Value in_row = row[offset + v->index()];
  const Value held = v->get_committed(s);
  if (in_row == held) return;
  throw StaleDataError("the locked row of " + mapper.class_name() + " " + identity_of(s).to_string() + " has version id " +
                       in_row.to_display() + ", which does not match the session's version id " + held.to_display() +
                       " (another transaction changed it since it was loaded); use populate_existing() "
                       "with with_for_update() to reload it, or refresh() it");
}

std::vector<StatePtr> load_entities(Session& session, const QueryCriteria& criteria) {
  const Mapper& mapper = *criteria.mapper;
  const bool version_check = criteria.for_update && !criteria.populate_existing && mapper.version_attribute();
  const std::vector<OptionNode> options = resolve_options(mapper, criteria.options, true);
  std::vector<JoinedNode> joined;
  flatten(options, -1, joined);
  session.autoflush_before(*criteria.entity_select().root(), /*entity_rows=*/!criteria.populate_existing);

  std::vector<StatePtr> result;
  std::vector<InstanceState*> roots;
  if (joined.empty()) {
    Result rows = session.connection().execute(criteria.entity_select());
    while (rows.advance()) {
      result.push_back(session.load_row(mapper, rows.row(), 0, criteria.populate_existing));
      roots.push_back(result.back().get());
      if (version_check) check_locked_version(mapper, *roots.back(), rows.row(), 0);
    }
  } else {
    const Table& P = mapper.table();
    const bool any_collection = std::any_of(joined.begin(), joined.end(), [](const JoinedNode& n) {
      return n.option->relationship->collection();
    });
    // A collection multiplies the entity's rows: LIMIT / OFFSET then go inside a subquery.
    const bool wrap = any_collection && (criteria.limit || criteria.offset);
    sql::NodeList columns;
    std::optional<Subquery> inner;
    sql::NodeList outer_order;
    if (wrap) {
      QueryCriteria c = criteria;
      sql::NodeList inner_cols = P.column_nodes();
      for (std::size_t i = 0; i < criteria.order.size(); ++i) {
        const sql::NodePtr& o = criteria.order[i];
        sql::NodePtr expr = o->kind() == sql::NodeKind::order_item ? static_cast<const sql::OrderItemNode&>(*o).expr : o;
        inner_cols.push_back(make_label(expr, "anon_order_" + std::to_string(i)));
      }
      inner = c.build(std::move(inner_cols)).subquery("anon_1");
      for (const auto& col : P.columns()) columns.push_back(source_column(*inner, col));
      for (std::size_t i = 0; i < criteria.order.size(); ++i) {
        const sql::NodePtr& o = criteria.order[i];
        sql::NodePtr ref = inner->column_node("anon_order_" + std::to_string(i), o->type());
        if (o->kind() == sql::NodeKind::order_item) {
          const auto& item = static_cast<const sql::OrderItemNode&>(*o);
          outer_order.push_back(std::make_shared<sql::OrderItemNode>(ref, item.dir, item.nulls));
        } else {
          outer_order.push_back(ref);
        }
      }
    } else {
      columns = P.column_nodes();
    }
    // Aliases for every joined node, in order: parents before their children.
    std::vector<TableAlias> targets;
    std::vector<std::optional<TableAlias>> secondaries;
    std::unordered_map<std::string, int> used;
    auto alias_name = [&](const std::string& table) { return table + "_" + std::to_string(++used[table]); };
    for (auto& n : joined) {
      const Relationship& r = *n.option->relationship;
      const Table& U = r.target().table();
      if (r.secondary()) secondaries.emplace_back(alias(*r.secondary(), alias_name(r.secondary()->name())));
      else secondaries.emplace_back();
      targets.push_back(alias(U, alias_name(U.name())));
      n.offset = columns.size();
      for (const auto& col : U.columns()) columns.push_back(source_column(targets.back(), col));
    }
    auto entity_rows = [&] {
      if (wrap) return Select(columns).select_from(*inner);
      if (!criteria.for_update || !criteria.for_update->of.empty() ||
          !session.connection().dialect().features().supports_for_update_of)
        return criteria.build(columns);
      // Row locks are the entity's: PostgreSQL refuses FOR UPDATE on the nullable side of the
      // outer joins below, so where OF can be spelled the lock names the entity's table. (Wrapped,
      // the clause is inside the subquery, on the entity's table alone already.)
      QueryCriteria locked = criteria;
      locked.for_update->of.emplace_back(P);
      return locked.build(columns);
    };
    Select select = entity_rows();
    for (std::size_t i = 0; i < joined.size(); ++i) {
      const JoinedNode& n = joined[i];
      const Relationship& r = *n.option->relationship;
      const Table& src_table = r.parent().table();
      auto src = [&](std::size_t pos) -> sql::NodePtr {
        const Column& c = src_table.columns()[pos];
        if (n.parent >= 0) return source_column(targets[static_cast<std::size_t>(n.parent)], c);
        return wrap ? source_column(*inner, c) : src_table.column_nodes()[pos];
      };
      const Table& U = r.target().table();
      if (r.secondary()) {
        const TableAlias& sec = *secondaries[i];
        const Table& S = *r.secondary();
        sql::NodeList on1, on2;
        for (std::size_t k = 0; k < r.secondary_parent().size(); ++k)
          on1.push_back(make_compare(sql::BinaryOp::eq, source_column(sec, S.columns()[r.secondary_parent()[k]]),
                                     src(r.parent_columns()[k])));
        for (std::size_t k = 0; k < r.secondary_target().size(); ++k)
          on2.push_back(make_compare(sql::BinaryOp::eq, source_column(targets[i], U.columns()[r.target_columns()[k]]),
                                     source_column(sec, S.columns()[r.secondary_target()[k]])));
        select = select.outerjoin(sec, Expr<bool>(sql::and_all(std::move(on1))))
                     .outerjoin(targets[i], Expr<bool>(sql::and_all(std::move(on2))));
      } else {
        sql::NodeList on;
        for (std::size_t k = 0; k < r.parent_columns().size(); ++k)
          on.push_back(make_compare(sql::BinaryOp::eq, source_column(targets[i], U.columns()[r.target_columns()[k]]),
                                    src(r.parent_columns()[k])));
        select = select.outerjoin(targets[i], Expr<bool>(sql::and_all(std::move(on))));
      }
    }
    if (wrap) select = with_order(select, outer_order);
    for (std::size_t i = 0; i < joined.size(); ++i) {
      const Relationship& r = *joined[i].option->relationship;
      if (!r.collection() || r.order_by().empty()) continue;
      sql::NodeList order;
      for (const auto& o : r.order_by()) order.push_back(adapt(o, r.target().table(), targets[i]));
      select = with_order(select, order);
    }

    Result rows = session.connection().execute(select);
    std::unordered_set<InstanceState*> seen_roots;
    InstanceState* last_root = nullptr;
    std::vector<InstanceState*> objects(joined.size());
    std::vector<InstanceState*> last_owner(joined.size(), nullptr);
    std::vector<char> last_fill(joined.size(), 0);
    while (rows.advance()) {
      const Row& row = rows.row();
      StatePtr root = session.load_row(mapper, row, 0, criteria.populate_existing);
      if (version_check) check_locked_version(mapper, *root, row, 0);
      // Rows of one entity usually arrive together: compare with the previous row first.
      if (root.get() != last_root && seen_roots.insert(root.get()).second) {
        roots.push_back(root.get());
        result.push_back(root);
      }
      last_root = root.get();
      for (std::size_t i = 0; i < joined.size(); ++i) {
        JoinedNode& n = joined[i];
        const Relationship& r = *n.option->relationship;
        InstanceState* owner = n.parent < 0 ? root.get() : objects[static_cast<std::size_t>(n.parent)];
        objects[i] = nullptr;
        if (!owner) continue;
        LinkBase& link = r.link(*owner);
        bool fill = owner == last_owner[i] ? last_fill[i] : n.filling.count(owner) > 0;
        if (!fill && !LinkAccess::loaded(link)) {
          populate(link, r, {});
          n.filling.insert(owner);
          fill = true;
        }
        last_owner[i] = owner;
        last_fill[i] = fill;
        const Mapper& tm = r.target();
        if (row.is_null(n.offset + tm.primary_key()[0]->index())) continue;
        InstanceState* t = session.load_row(tm, row, n.offset).get();
        objects[i] = t;
        if (n.nested) append_unique(n.targets, n.seen, t);
        if (!fill) continue;
        if (r.collection()) {
          const auto& items = LinkAccess::items(link);
          // Another joined collection repeats this row's target: skip what is already there.
          if (items.empty() || (items.back() != t && std::find(items.begin(), items.end(), t) == items.end()))
            LinkAccess::populate_append(link, t);
        } else {
          LinkAccess::populate_scalar(link, t);
        }
      }
    }
  }
  // Options after the statement: on the entities, and under each joined node on its targets.
  std::vector<OptionNode> rest;
  for (const auto& o : options)
    if (o.loading != Loading::joined) rest.push_back(o);
  apply_options(session, rest, roots, &criteria);
  for (auto& n : joined) {
    std::vector<OptionNode> nested;
    for (const auto& o : n.option->children)
      if (o.loading != Loading::joined) nested.push_back(o);
    apply_options(session, nested, n.targets, nullptr);
  }
  return result;
}

// ---- Dynamic relationships -----------------------------------------------------------------------------

QueryCriteria dynamic_criteria(const InstanceState& owner, const Relationship& r) {
  QueryCriteria c;
  c.mapper = &r.target();
  const std::vector<std::vector<Value>> keys{attr_values(owner, r.parent_columns())};
  const Table& U = r.target().table();
  if (r.direction() == RelationshipDirection::many_to_many) {
    const Table& S = *r.secondary();
    sql::NodeList on;
    for (std::size_t i = 0; i < r.secondary_target().size(); ++i)
      on.push_back(make_compare(sql::BinaryOp::eq, S.column_nodes()[r.secondary_target()[i]],
                                U.column_nodes()[r.target_columns()[i]]));
    c.joins.push_back({S.node(), &S, sql::and_all(std::move(on)), false});
    c.where.push_back(match_keys(nodes_of(S, r.secondary_parent()), keys));
  } else {
    c.where.push_back(match_keys(nodes_of(U, r.target_columns()), keys));
  }
  for (const auto& o : r.order_by()) c.order.push_back(o);
  return c;
}

void for_each_row_by_key(Connection& conn, const Mapper& mapper, const std::vector<std::vector<Value>>& keys,
                         const std::function<void(const Row&)>& fn) {
  const Table& t = mapper.table();
  sql::NodeList pk;
  for (const Attribute* a : mapper.primary_key()) pk.push_back(t.column_nodes()[a->index()]);
  for_each_batch(keys, [&](std::span<const std::vector<Value>> batch) {
    Result r = conn.execute(Select(t.column_nodes()).where(Expr<bool>(match_keys(pk, batch))));
    while (r.advance()) fn(r.row());
  });
}

std::vector<Value> primary_key_of_row(const Mapper& mapper, const Row& row) {
  std::vector<Value> key;
  for (const Attribute* a : mapper.primary_key()) key.push_back(row[a->index()]);
  return key;
}

}  // namespace crucible::detail
