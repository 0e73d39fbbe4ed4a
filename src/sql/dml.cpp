// SPDX-License-Identifier: MIT
// Insert / Update / Delete builders, client-side defaults and on-update fill-ins.
#include "crucible/sql/dml.hpp"

#include <algorithm>

#include "crucible/core/errors.hpp"

namespace crucible {

using namespace crucible::sql;

ColumnValue detail::make_column_value(const NodePtr& column, NodePtr value) {
  if (!column || column->kind() != NodeKind::column || !static_cast<const ColumnNode&>(*column).column)
    throw ArgumentError("set() / excluded() need a table column (from Table::c<T>())");
  return {static_cast<const ColumnNode&>(*column).column, std::move(value)};
}

namespace {

NodeList returning_nodes(const std::vector<ExprArg>& items) {
  NodeList out;
  for (const auto& i : items) out.push_back(i.node);
  return out;
}

const Column* target_column(const Table& table, const NodePtr& node, std::string_view what) {
  if (node->kind() != NodeKind::column) throw ArgumentError(std::string(what) + " needs columns of " + table.name());
  const auto* col = static_cast<const ColumnNode&>(*node).column;
  if (!col || col->table() != &table)
    throw ArgumentError(std::string(what) + ": column '" + static_cast<const ColumnNode&>(*node).name +
                        "' is not a column of " + table.name());
  return col;
}

void check_owner(const Table& table, const ColumnValue& cv) {
  if (cv.column->table() != &table)
    throw ArgumentError("column '" + cv.column->name() + "' is not a column of " + table.name());
}

std::vector<ColumnValue> from_params(const Table& table, const Params& params) {
  std::vector<ColumnValue> out;
  for (const auto& [name, value] : params) {
    const Column& col = table.column(name);
    out.push_back({&col, std::make_shared<LiteralNode>(value, col.type())});
  }
  return out;
}

}  // namespace

// ----- Insert ----------------------------------------------------------------------------------

Insert::Insert(const Table& table) : Statement(nullptr) {
  auto node = std::make_shared<InsertNode>();
  node->table = &table;
  set_root(std::move(node));
}

const InsertNode& Insert::ins() const { return static_cast<const InsertNode&>(*root()); }
const Table& Insert::table() const { return *ins().table; }

namespace {

// Appends one row to a node being built: its columns must be the first row's.
void append_row(InsertNode& node, std::vector<ColumnValue> row) {
  const Table& t = *node.table;
  for (const auto& cv : row) check_owner(t, cv);
  // Client-side defaults for the columns this row leaves out.
  for (const auto& col : t.columns()) {
    if (!col.has_default()) continue;
    bool given = std::any_of(row.begin(), row.end(), [&](const ColumnValue& cv) { return cv.column == &col; });
    if (!given) row.push_back({&col, std::make_shared<ComputedLiteralNode>(col.default_function(), col.type())});
  }
  if (node.rows.empty()) {
    node.columns.clear();
    for (const auto& cv : row) {
      if (std::find(node.columns.begin(), node.columns.end(), cv.column) != node.columns.end())
        throw ArgumentError("insert(): column '" + cv.column->name() + "' given twice in one row");
      node.columns.push_back(cv.column);
    }
  } else if (row.size() != node.columns.size()) {
    throw ArgumentError("insert(): every row of a multi-row insert must give the same columns");
  }
  NodeList values(node.columns.size());
  for (const auto& cv : row) {
    auto it = std::find(node.columns.begin(), node.columns.end(), cv.column);
    if (it == node.columns.end() || values[static_cast<std::size_t>(it - node.columns.begin())])
      throw ArgumentError("insert(): every row of a multi-row insert must give the same columns");
    values[static_cast<std::size_t>(it - node.columns.begin())] = cv.value;
  }
  node.rows.push_back(std::move(values));
}

}  // namespace

Insert Insert::values(std::vector<ColumnValue> row) const {
  if (ins().from_select) throw ArgumentError("insert(): values() and from_select() cannot be combined");
  auto node = std::make_shared<InsertNode>(ins());
  append_row(*node, std::move(row));
  return Insert(NodePtr(std::move(node)));
}

// One copy of the node for all the rows: values() per row would copy the growing node each time.
Insert Insert::values(std::vector<std::vector<ColumnValue>> rows) const {
  if (ins().from_select) throw ArgumentError("insert(): values() and from_select() cannot be combined");
  auto node = std::make_shared<InsertNode>(ins());
  node->rows.reserve(node->rows.size() + rows.size());
  for (auto& row : rows) append_row(*node, std::move(row));
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::values(const Params& row) const { return values(from_params(table(), row)); }

bool Insert::bare() const {
  const InsertNode& n = ins();
  return n.columns.empty() && n.rows.empty() && !n.from_select;
}

Insert Insert::for_columns(const std::vector<const Column*>& cols) const {
  auto node = std::make_shared<InsertNode>(ins());
  node->columns = cols;
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::columns(std::vector<ExprArg> cols) const {
  if (!ins().rows.empty() || ins().from_select)
    throw ArgumentError("insert(): columns() is the named-bind form; it cannot follow values() or from_select()");
  auto node = std::make_shared<InsertNode>(ins());
  node->columns.clear();
  for (const auto& c : cols) node->columns.push_back(target_column(table(), c.node, "insert().columns()"));
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::from_select(const Select& select, std::vector<ExprArg> cols) const {
  if (!ins().rows.empty()) throw ArgumentError("insert(): values() and from_select() cannot be combined");
  if (select.result_columns().size() != cols.size())
    throw ArgumentError("insert().from_select(): the select has " + std::to_string(select.result_columns().size()) +
                        " columns but " + std::to_string(cols.size()) + " target columns are named");
  auto node = std::make_shared<InsertNode>(ins());
  node->columns.clear();
  for (const auto& c : cols) node->columns.push_back(target_column(table(), c.node, "insert().from_select()"));
  // Client-side defaults of the columns the select does not fill ride along as extra select
  // columns, one value per execution (as SQLAlchemy renders them): every inserted row gets it.
  std::shared_ptr<SelectNode> filled;
  for (const auto& col : table().columns()) {
    if (!col.has_default() || std::find(node->columns.begin(), node->columns.end(), &col) != node->columns.end())
      continue;
    if (select.select_node()->kind() != NodeKind::select)
      throw ArgumentError("insert().from_select(): column '" + col.name() +
                          "' has a client-side default, which a set operation cannot carry; name it among the targets");
    if (!filled) filled = std::make_shared<SelectNode>(static_cast<const SelectNode&>(*select.select_node()));
    filled->columns.push_back(std::make_shared<ComputedLiteralNode>(col.default_function(), col.type()));
    node->columns.push_back(&col);
  }
  node->from_select = filled ? NodePtr(std::move(filled)) : select.select_node();
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::returning(std::vector<ExprArg> items) const {
  auto node = std::make_shared<InsertNode>(ins());
  auto more = returning_nodes(items);
  node->returning.insert(node->returning.end(), more.begin(), more.end());
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::on_conflict_do_nothing(std::vector<ExprArg> index_columns) const {
  auto node = std::make_shared<InsertNode>(ins());
  node->conflict = ConflictAction::do_nothing;
  node->conflict_targets.clear();
  for (const auto& c : index_columns) node->conflict_targets.push_back(target_column(table(), c.node, "on_conflict"));
  node->conflict_sets.clear();
  return Insert(NodePtr(std::move(node)));
}

Insert Insert::on_conflict_do_update(std::vector<ExprArg> index_columns, std::vector<ColumnValue> sets) const {
  if (sets.empty()) throw ArgumentError("on_conflict_do_update() needs at least one set(column, value)");
  auto node = std::make_shared<InsertNode>(ins());
  node->conflict = ConflictAction::do_update;
  node->conflict_targets.clear();
  for (const auto& c : index_columns) node->conflict_targets.push_back(target_column(table(), c.node, "on_conflict"));
  node->conflict_sets.clear();
  for (auto& s : sets) {
    check_owner(table(), s);
    node->conflict_sets.push_back({s.column, std::move(s.value)});
  }
  return Insert(NodePtr(std::move(node)));
}

// ----- Update ----------------------------------------------------------------------------------

Update::Update(const Table& table) : Statement(nullptr) {
  auto node = std::make_shared<UpdateNode>();
  node->table = &table;
  set_root(std::move(node));
}

const UpdateNode& Update::upd() const { return static_cast<const UpdateNode&>(*root()); }

Update Update::values(std::vector<ColumnValue> sets) const {
  const Table& t = *upd().table;
  auto user = user_sets_;
  for (auto& s : sets) {
    check_owner(t, s);
    auto it = std::find_if(user.begin(), user.end(), [&](const ColumnValue& u) { return u.column == s.column; });
    if (it != user.end()) it->value = std::move(s.value);
    else user.push_back(std::move(s));
  }
  auto node = std::make_shared<UpdateNode>(upd());
  node->sets.clear();
  for (const auto& u : user) node->sets.push_back({u.column, u.value});
  for (const auto& col : t.columns()) {
    if (!col.has_onupdate()) continue;
    bool given = std::any_of(user.begin(), user.end(), [&](const ColumnValue& u) { return u.column == &col; });
    if (!given) node->sets.push_back({&col, std::make_shared<ComputedLiteralNode>(col.onupdate_function(), col.type())});
  }
  return Update(NodePtr(std::move(node)), std::move(user));
}

Update Update::values(const Params& sets) const { return values(from_params(*upd().table, sets)); }

Update Update::where_node(NodePtr cond) const {
  auto node = std::make_shared<UpdateNode>(upd());
  node->where = and_all({node->where, std::move(cond)});
  return Update(NodePtr(std::move(node)), user_sets_);
}

Update Update::returning(std::vector<ExprArg> items) const {
  auto node = std::make_shared<UpdateNode>(upd());
  auto more = returning_nodes(items);
  node->returning.insert(node->returning.end(), more.begin(), more.end());
  return Update(NodePtr(std::move(node)), user_sets_);
}

// ----- Delete ----------------------------------------------------------------------------------

Delete::Delete(const Table& table) : Statement(nullptr) {
  auto node = std::make_shared<DeleteNode>();
  node->table = &table;
  set_root(std::move(node));
}

const DeleteNode& Delete::del() const { return static_cast<const DeleteNode&>(*root()); }

Delete Delete::where_node(NodePtr cond) const {
  auto node = std::make_shared<DeleteNode>(del());
  node->where = and_all({node->where, std::move(cond)});
  return Delete(NodePtr(std::move(node)));
}

Delete Delete::returning(std::vector<ExprArg> items) const {
  auto node = std::make_shared<DeleteNode>(del());
  auto more = returning_nodes(items);
  node->returning.insert(node->returning.end(), more.begin(), more.end());
  return Delete(NodePtr(std::move(node)));
}

}  // namespace crucible
