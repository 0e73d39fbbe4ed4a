// SPDX-License-Identifier: MIT
// Select, set operations, subqueries, CTEs and aliases; FROM inference and join ON inference.
#include "crucible/sql/select.hpp"

#include <algorithm>

#include "crucible/core/errors.hpp"

namespace crucible {

using namespace crucible::sql;

namespace {

// Whether two FROM objects are one. A recursive CTE exists twice: the object its anchor made
// (whose columns the recursive part refers to) and the one union_all() returned; both are the
// same name in SQL.
bool same_from(const NodePtr& a, const NodePtr& b) {
  if (a == b) return true;
  return a->kind() == NodeKind::cte && b->kind() == NodeKind::cte &&
         static_cast<const CteNode&>(*a).name == static_cast<const CteNode&>(*b).name;
}

// Of two objects of one CTE, the completed one: its body is the UNION, not the anchor alone.
const NodePtr& completed_cte(const NodePtr& a, const NodePtr& b) {
  return static_cast<const CteNode&>(*b).body->kind() == NodeKind::compound ? b : a;
}

// Adds `from` to `out` unless it is there; a CTE already there is kept in its completed form.
void add_from(NodeList& out, const NodePtr& from) {
  for (auto& existing : out) {
    if (!same_from(existing, from)) continue;
    if (existing != from) existing = completed_cte(existing, from);
    return;
  }
  out.push_back(from);
}

// FROM objects referenced by the columns of an expression; does not enter nested selects, so
// correlated subqueries leave the outer tables to the outer query.
void collect_froms(const Node& node, NodeList& out) {
  if (node.kind() == NodeKind::select || node.kind() == NodeKind::compound) return;
  if (node.kind() == NodeKind::column) {
    const auto& from = static_cast<const ColumnNode&>(node).from;
    if (from) add_from(out, from);
    return;
  }
  node.for_each_child([&](const Node& child) { collect_froms(child, out); });
}

// Whether `from` (possibly a join tree) contains `target`.
bool from_contains(const NodePtr& from, const NodePtr& target) {
  if (same_from(from, target)) return true;
  if (from->kind() == NodeKind::join) {
    const auto& j = static_cast<const JoinNode&>(*from);
    return from_contains(j.left, target) || from_contains(j.right, target);
  }
  return false;
}

// The leaf FROM objects of a from entry with the table each stands for (tables and table
// aliases only; subqueries have no foreign keys).
void leaf_tables(const NodePtr& from, std::vector<std::pair<NodePtr, const Table*>>& out) {
  switch (from->kind()) {
    case NodeKind::join: {
      const auto& j = static_cast<const JoinNode&>(*from);
      leaf_tables(j.left, out);
      leaf_tables(j.right, out);
      break;
    }
    case NodeKind::table: out.emplace_back(from, static_cast<const TableNode&>(*from).table); break;
    case NodeKind::alias: {
      const auto& a = static_cast<const AliasNode&>(*from);
      if (a.inner->kind() == NodeKind::table) out.emplace_back(from, static_cast<const TableNode&>(*a.inner).table);
      break;
    }
    default: break;
  }
}

NodePtr column_of(const NodePtr& from, const Table& table, const std::string& name) {
  const Column& col = table.column(name);
  if (from == table.node()) {
    for (std::size_t i = 0; i < table.columns().size(); ++i)
      if (&table.columns()[i] == &col) return table.column_nodes()[i];
  }
  return std::make_shared<ColumnNode>(from, col.name(), col.type(), &col);
}

struct JoinCandidate {
  std::size_t from_index;
  NodePtr on;
  std::string description;
};

// "posts.user_id -> users.id", named as the FROM objects are (aliases included).
std::string describe(const NodePtr& holder_from, const NodePtr& target_from, const ForeignKey& fk) {
  std::string cols, targets;
  for (std::size_t i = 0; i < fk.columns.size(); ++i) {
    cols += (i ? ", " : "") + from_name(*holder_from) + "." + fk.columns[i];
    targets += (i ? ", " : "") + from_name(*target_from) + "." + fk.target_columns[i];
  }
  return cols + " -> " + targets;
}

// ON clause for `fk` held by `holder` (seen as holder_from) pointing at `target` (target_from).
NodePtr on_clause(const NodePtr& holder_from, const Table& holder, const NodePtr& target_from, const Table& target,
                  const ForeignKey& fk) {
  NodeList parts;
  for (std::size_t i = 0; i < fk.columns.size(); ++i)
    parts.push_back(std::make_shared<BinaryNode>(BinaryOp::eq, column_of(holder_from, holder, fk.columns[i]),
                                                 column_of(target_from, target, fk.target_columns[i]), Boolean()));
  return and_all(std::move(parts));
}

std::vector<JoinCandidate> find_join_candidates(const NodeList& froms, std::size_t count, const NodePtr& target_from,
                                                const Table& target) {
  std::vector<JoinCandidate> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::pair<NodePtr, const Table*>> leaves;
    leaf_tables(froms[i], leaves);
    for (const auto& [leaf_from, leaf] : leaves) {
      // Keys held by the left table pointing at the target...
      for (const auto& fk : leaf->foreign_keys())
        if (fk.target_table == target.name())
          out.push_back({i, on_clause(leaf_from, *leaf, target_from, target, fk), describe(leaf_from, target_from, fk)});
      // ...and keys held by the target pointing at the left table (not twice for self-joins).
      if (leaf == &target && leaf_from == target_from) continue;
      for (const auto& fk : target.foreign_keys())
        if (fk.target_table == leaf->name())
          out.push_back({i, on_clause(target_from, target, leaf_from, *leaf, fk), describe(target_from, leaf_from, fk)});
    }
  }
  return out;
}

std::string result_name_of(const Node& n) {
  switch (n.kind()) {
    case NodeKind::label: return static_cast<const LabelNode&>(n).name;
    case NodeKind::column: return static_cast<const ColumnNode&>(n).name;
    case NodeKind::function: return static_cast<const FunctionNode&>(n).name;
    default: return "";
  }
}

std::vector<ExportedColumn> export_columns(const NodeList& columns) {
  std::vector<ExportedColumn> out;
  for (const auto& c : columns) {
    const Column* col = c->kind() == NodeKind::column ? static_cast<const ColumnNode&>(*c).column : nullptr;
    out.push_back({result_name_of(*c), c->type(), col});
  }
  return out;
}

const SelectNode& first_select(const Node& n) {
  if (n.kind() == NodeKind::compound) return first_select(*static_cast<const CompoundNode&>(n).selects.front());
  return static_cast<const SelectNode&>(n);
}

NodePtr int_literal(std::int64_t n) { return std::make_shared<LiteralNode>(Value(n), BigInteger()); }

NodeList order_items(const std::vector<ExprArg>& items) {
  NodeList out;
  for (const auto& i : items)
    out.push_back(i.node->kind() == NodeKind::order_item ? i.node
                                                         : detail::make_order(i.node, Direction::none, NullsOrder::none));
  return out;
}

}  // namespace

// ----- FromClause ------------------------------------------------------------------------------

NodePtr FromClause::column_node(std::string_view column, const SqlType& cpp_type) const {
  for (const auto& c : columns_) {
    if (c.name != column) continue;
    if (!type_accepts(c.type, cpp_type))
      throw TypeError("column " + name_ + "." + std::string(column) + " is " + type_display(c.type) +
                      "; a handle of C++ type for " + type_display(cpp_type) + " cannot read it");
    return std::make_shared<ColumnNode>(node_, c.name, c.type, c.column);
  }
  throw ArgumentError("'" + name_ + "' has no column '" + std::string(column) + "'");
}

Expr<Value> FromClause::column_expr(std::string_view column) const {
  return Expr<Value>(column_node(column, NullType()));
}

void detail::add_select_items(NodeList& out, const FromClause& f) {
  for (const auto& c : f.columns()) out.push_back(std::make_shared<ColumnNode>(f.node(), c.name, c.type, c.column));
}

TableAlias alias(const Table& table, std::string name) {
  std::vector<ExportedColumn> cols;
  for (const auto& c : table.columns()) cols.push_back({c.name(), c.type(), &c});
  auto node = std::make_shared<AliasNode>(name, table.node());
  return TableAlias(std::move(node), std::move(name), std::move(cols), &table);
}

Cte Cte::union_all(const Select& step) const {
  const auto& self = static_cast<const CteNode&>(*node_);
  auto body = std::make_shared<CompoundNode>(CompoundOp::union_all, NodeList{self.body, step.select_node()});
  return Cte(std::make_shared<CteNode>(name_, std::move(body), true), name_, columns_, nullptr);
}

Cte Cte::union_(const Select& step) const {
  const auto& self = static_cast<const CteNode&>(*node_);
  auto body = std::make_shared<CompoundNode>(CompoundOp::union_, NodeList{self.body, step.select_node()});
  return Cte(std::make_shared<CteNode>(name_, std::move(body), true), name_, columns_, nullptr);
}

bool Cte::recursive() const { return static_cast<const CteNode&>(*node_).recursive; }

// ----- Select ----------------------------------------------------------------------------------

Select::Select(NodeList columns) : Statement(nullptr) {
  auto node = std::make_shared<SelectNode>();
  for (const auto& c : columns) collect_froms(*c, node->froms);
  node->columns = std::move(columns);
  set_root(std::move(node));
}

const SelectNode& Select::sel() const { return static_cast<const SelectNode&>(*root()); }

Select Select::with_columns(NodeList cols) const {
  auto node = std::make_shared<SelectNode>(sel());
  if (!node->explicit_froms)
    for (const auto& c : cols) {
      NodeList found;
      collect_froms(*c, found);
      for (const auto& f : found) {
        const bool joined = std::any_of(node->froms.begin(), node->froms.end(), [&](const NodePtr& existing) {
          return existing->kind() == NodeKind::join && from_contains(existing, f);
        });
        if (!joined) add_from(node->froms, f);
      }
    }
  node->columns.insert(node->columns.end(), cols.begin(), cols.end());
  return Select(NodePtr(std::move(node)));
}

Select Select::where_node(NodePtr cond) const {
  auto node = std::make_shared<SelectNode>(sel());
  if (!node->explicit_froms) {
    NodeList found;
    collect_froms(*cond, found);
    for (const auto& f : found) {
      const bool listed = std::any_of(node->froms.begin(), node->froms.end(),
                                      [&](const NodePtr& existing) { return from_contains(existing, f); });
      if (!listed) add_from(node->where_froms, f);
    }
  }
  node->where = and_all({node->where, std::move(cond)});
  return Select(NodePtr(std::move(node)));
}

Select Select::having_node(NodePtr cond) const {
  auto node = std::make_shared<SelectNode>(sel());
  node->having = and_all({node->having, std::move(cond)});
  return Select(NodePtr(std::move(node)));
}

Select Select::select_from(FromArg from) const {
  auto node = std::make_shared<SelectNode>(sel());
  if (!node->explicit_froms) {
    // The first select_from replaces the inferred list, keeping inferred entries after it.
    NodeList inferred = std::move(node->froms);
    node->froms.clear();
    node->froms.push_back(from.node);
    for (auto& f : inferred)
      if (!same_from(f, from.node)) node->froms.push_back(std::move(f));
    node->explicit_froms = true;
    node->explicit_count = 1;
  } else if (std::none_of(node->froms.begin(), node->froms.end(),
                          [&](const NodePtr& f) { return from_contains(f, from.node); })) {
    node->froms.insert(node->froms.begin() + static_cast<std::ptrdiff_t>(node->explicit_count), from.node);
    ++node->explicit_count;
  }
  return Select(NodePtr(std::move(node)));
}

Select Select::join_node(FromArg target, NodePtr on, JoinKind kind) const {
  auto node = std::make_shared<SelectNode>(sel());
  auto& froms = node->froms;
  // The joined object leaves the plain FROM list (it was there when its columns are selected).
  for (std::size_t i = 0; i < froms.size(); ++i)
    if (same_from(froms[i], target.node)) {
      froms.erase(froms.begin() + static_cast<std::ptrdiff_t>(i));
      if (i < node->explicit_count) --node->explicit_count;
      break;
    }
  // With select_from(), joins attach to the explicit FROMs only (as SQLAlchemy does).
  std::size_t searchable = node->explicit_count > 0 ? node->explicit_count : froms.size();
  if (froms.empty())
    throw ArgumentError("join() needs something to join from: select columns of a table first or call select_from()");
  std::size_t index = 0;
  if (!on) {
    if (!target.table)
      throw ArgumentError("join() to '" + from_name(*target.node) +
                          "' needs an explicit ON clause (only tables and table aliases have foreign keys)");
    auto candidates = find_join_candidates(froms, searchable, target.node, *target.table);
    if (candidates.empty())
      throw ArgumentError("cannot infer the ON clause of a join to '" + from_name(*target.node) +
                          "': no foreign key links it to the tables already in FROM; give the ON clause explicitly");
    if (candidates.size() > 1) {
      std::string list;
      for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c.description;
      throw ArgumentError("ambiguous join to '" + from_name(*target.node) +
                          "': more than one foreign key could be the ON clause (" + list +
                          "); give the ON clause explicitly");
    }
    index = candidates.front().from_index;
    on = candidates.front().on;
  } else {
    // Join from the first FROM entry the ON clause refers to.
    NodeList referenced;
    collect_froms(*on, referenced);
    for (std::size_t i = 0; i < froms.size(); ++i)
      if (std::any_of(referenced.begin(), referenced.end(), [&](const NodePtr& r) { return from_contains(froms[i], r); })) {
        index = i;
        break;
      }
  }
  froms[index] = std::make_shared<JoinNode>(froms[index], target.node, std::move(on), kind);
  return Select(NodePtr(std::move(node)));
}

Select Select::group_by(std::vector<ExprArg> items) const {
  auto node = std::make_shared<SelectNode>(sel());
  for (auto& i : items) node->group_by.push_back(std::move(i.node));
  return Select(NodePtr(std::move(node)));
}

Select Select::order_by(std::vector<ExprArg> items) const {
  auto node = std::make_shared<SelectNode>(sel());
  auto more = order_items(items);
  node->order_by.insert(node->order_by.end(), more.begin(), more.end());
  return Select(NodePtr(std::move(node)));
}

Select Select::limit(std::int64_t n) const {
  auto node = std::make_shared<SelectNode>(sel());
  node->limit = int_literal(n);
  return Select(NodePtr(std::move(node)));
}

Select Select::offset(std::int64_t n) const {
  auto node = std::make_shared<SelectNode>(sel());
  node->offset = int_literal(n);
  return Select(NodePtr(std::move(node)));
}

Select Select::distinct(bool on) const {
  auto node = std::make_shared<SelectNode>(sel());
  node->distinct = on;
  return Select(NodePtr(std::move(node)));
}

Select Select::with_for_update(ForUpdateOptions options) const {
  if (options.nowait && options.skip_locked)
    throw ArgumentError("with_for_update(): nowait and skip_locked exclude each other (one says fail, the other skip)");
  LockingClause clause{.read = options.read, .nowait = options.nowait, .skip_locked = options.skip_locked, .of = {}};
  for (auto& target : options.of) {
    // Rows belong to tables: a subquery or CTE has none of its own to lock.
    if (!target.table)
      throw ArgumentError("with_for_update(): 'of' takes tables and table aliases, not '" +
                          from_name(*target.node) + "'");
    clause.of.push_back(std::move(target.node));
  }
  auto node = std::make_shared<SelectNode>(sel());
  node->locking = std::move(clause);
  return Select(NodePtr(std::move(node)));
}

Subquery Select::subquery(std::string alias_name) const {
  auto node = std::make_shared<AliasNode>(alias_name, root());
  return Subquery(std::move(node), std::move(alias_name), export_columns(sel().columns), nullptr);
}

NodePtr Select::scalar_subquery_node(SqlType type) const {
  if (sel().columns.size() != 1) throw ArgumentError("scalar_subquery() needs a select of exactly one column");
  if (type.kind == TypeKind::null_type) type = sel().columns.front()->type();
  return std::make_shared<ScalarSubqueryNode>(root(), std::move(type));
}

Cte Select::cte(std::string name, bool recursive) const {
  auto node = std::make_shared<CteNode>(name, root(), recursive);
  return Cte(std::move(node), std::move(name), export_columns(sel().columns), nullptr);
}

CompoundSelect Select::union_(const Select& other) const { return CompoundSelect(CompoundOp::union_, {*this, other}); }
CompoundSelect Select::union_all(const Select& other) const {
  return CompoundSelect(CompoundOp::union_all, {*this, other});
}
CompoundSelect Select::intersect(const Select& other) const {
  return CompoundSelect(CompoundOp::intersect, {*this, other});
}
CompoundSelect Select::except_(const Select& other) const { return CompoundSelect(CompoundOp::except_, {*this, other}); }

std::vector<ExportedColumn> Select::result_columns() const { return export_columns(sel().columns); }

void Select::check_row_types(const std::vector<SqlType>& types) const {
  const auto& cols = sel().columns;
  if (cols.size() != types.size())
    throw TypeError("as<...>() names " + std::to_string(types.size()) + " types but the select has " +
                    std::to_string(cols.size()) + " columns");
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (!type_accepts(cols[i]->type(), types[i]))
      throw TypeError("as<...>(): result column " + std::to_string(i + 1) + " ('" + result_name_of(*cols[i]) +
                      "') is " + type_display(cols[i]->type()) + ", which the C++ type for " +
                      type_display(types[i]) + " cannot hold");
}

// ----- CompoundSelect --------------------------------------------------------------------------

CompoundSelect::CompoundSelect(CompoundOp op, std::vector<Select> selects) : Statement(nullptr) {
  if (selects.size() < 2) throw ArgumentError("a set operation needs at least two selects");
  NodeList nodes;
  std::size_t width = selects.front().result_columns().size();
  for (const auto& s : selects) {
    if (s.result_columns().size() != width)
      throw ArgumentError("the selects of a set operation must have the same number of columns");
    nodes.push_back(s.select_node());
  }
  set_root(std::make_shared<CompoundNode>(op, std::move(nodes)));
}

CompoundSelect CompoundSelect::order_by(std::vector<ExprArg> items) const {
  auto node = std::make_shared<CompoundNode>(static_cast<const CompoundNode&>(*root()));
  auto more = order_items(items);
  node->order_by.insert(node->order_by.end(), more.begin(), more.end());
  return CompoundSelect(NodePtr(std::move(node)));
}

CompoundSelect CompoundSelect::limit(std::int64_t n) const {
  auto node = std::make_shared<CompoundNode>(static_cast<const CompoundNode&>(*root()));
  node->limit = int_literal(n);
  return CompoundSelect(NodePtr(std::move(node)));
}

CompoundSelect CompoundSelect::offset(std::int64_t n) const {
  auto node = std::make_shared<CompoundNode>(static_cast<const CompoundNode&>(*root()));
  node->offset = int_literal(n);
  return CompoundSelect(NodePtr(std::move(node)));
}

std::vector<ExportedColumn> CompoundSelect::result_columns() const {
  return export_columns(first_select(*root()).columns);
}

Subquery CompoundSelect::subquery(std::string alias_name) const {
  auto node = std::make_shared<AliasNode>(alias_name, root());
  return Subquery(std::move(node), std::move(alias_name), result_columns(), nullptr);
}

Cte CompoundSelect::cte(std::string name) const {
  auto node = std::make_shared<CteNode>(name, root(), false);
  return Cte(std::move(node), std::move(name), result_columns(), nullptr);
}

CompoundSelect union_(const Select& a, const Select& b) { return a.union_(b); }
CompoundSelect union_all(const Select& a, const Select& b) { return a.union_all(b); }
CompoundSelect intersect(const Select& a, const Select& b) { return a.intersect(b); }
CompoundSelect except_(const Select& a, const Select& b) { return a.except_(b); }

}  // namespace crucible
