// SPDX-License-Identifier: MIT
//
// SELECT and what is built from it: subqueries (as FROM objects with typed columns), scalar
// subqueries, EXISTS, CTEs (recursive too), set operations (UNION / INTERSECT / EXCEPT), table
// aliases, and typed row descriptions (as<A, B>()) for the engine.
//
// FROM is inferred from the selected columns, in order (correlated subqueries therefore work
// without extra syntax); use select_from() or join() to add others. join() infers ON from the
// single foreign key between the joined table and the tables already in FROM; two candidate keys
// raise ArgumentError naming both (give ON explicitly then).
//
// with_for_update() adds the row-locking clause (FOR UPDATE / FOR SHARE, NOWAIT, SKIP LOCKED,
// OF) after LIMIT; see ForUpdateOptions for what each backend renders.
//
// Thread-safety: statements are immutable values; see Statement.
//
//   auto s = select(users.c<std::int64_t>("id"), func::count(posts.c<std::int64_t>("id")).label("n"))
//                .outerjoin(posts)
//                .where(users.c<std::string>("name").startswith("a"))
//                .group_by(users.c<std::int64_t>("id"))
//                .order_by(desc(users.c<std::int64_t>("id")))
//                .limit(10);
//   auto typed = s.as<std::int64_t, std::int64_t>();     // engine reads std::tuple rows
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "crucible/sql/expression.hpp"
#include "crucible/sql/schema.hpp"
#include "crucible/sql/statement.hpp"

namespace crucible {

class Select;
class CompoundSelect;

// A column a FROM object exports (subquery / CTE / alias), by name and type.
struct ExportedColumn {
  std::string name;
  SqlType type;
  const Column* column = nullptr;
};

// Something that can appear in FROM and be addressed with c<T>("name"): Subquery, Cte, TableAlias.
class FromClause {
 public:
  const sql::NodePtr& node() const { return node_; }
  const std::string& name() const { return name_; }
  const std::vector<ExportedColumn>& columns() const { return columns_; }
  // The aliased table for a TableAlias (joins infer ON through it), else nullptr.
  const Table* table() const { return table_; }

  // ArgumentError if there is no such column; TypeError if T cannot hold its type.
  template <typename T>
  Expr<T> c(std::string_view column) const {
    return Expr<T>(column_node(column, detail::default_sql_type<T>()));
  }
  Expr<Value> column_expr(std::string_view column) const;
  sql::NodePtr column_node(std::string_view column, const SqlType& cpp_type) const;

 // Built by subquery() / cte() / alias(); public for layers that build FROM objects themselves.
  FromClause(sql::NodePtr node, std::string name, std::vector<ExportedColumn> columns, const Table* table)
      : node_(std::move(node)), name_(std::move(name)), columns_(std::move(columns)), table_(table) {}

 protected:
  sql::NodePtr node_;
  std::string name_;
  std::vector<ExportedColumn> columns_;
  const Table* table_ = nullptr;
};

class Subquery : public FromClause {
 public:
  using FromClause::FromClause;
};

class TableAlias : public FromClause {
 public:
  using FromClause::FromClause;
};

// users AS u: for self-joins and joining one table twice.
TableAlias alias(const Table& table, std::string name);

class Cte : public FromClause {
 public:
  using FromClause::FromClause;
  // The recursive form: anchor.union_all(step) where `step` refers to the anchor's columns.
  Cte union_all(const Select& step) const;
  Cte union_(const Select& step) const;
  bool recursive() const;
};

// Any FROM object for select_from / join: a Table or a FromClause.
struct FromArg {
  FromArg(const Table& t) : node(t.node()), table(&t) {}  // NOLINT: implicit on purpose
  FromArg(const FromClause& f) : node(f.node()), table(f.table()) {}  // NOLINT
  sql::NodePtr node;
  const Table* table = nullptr;
};

// Options of Select::with_for_update, SQLAlchemy's keyword arguments as designated initialisers:
//   select(accounts).where(id == 7).with_for_update()                       FOR UPDATE
//   ...with_for_update({.read = true})                  FOR SHARE (LOCK IN SHARE MODE on MariaDB)
//   ...with_for_update({.nowait = true})                fail at once with LockNotAvailableError
//   ...with_for_update({.skip_locked = true})           leave out rows others have locked
//   ...with_for_update({.of = {accounts}})              lock the rows of these tables only
// Each option the dialect lacks is a CompileError naming it (DialectFeatures::supports_for_*).
// A dialect without row locks (supports_for_update false: SQLite, which locks the whole database
// when a transaction writes) renders no clause at all, so the same statement runs everywhere.
struct ForUpdateOptions {
  bool read = false;             // a shared lock: others may read-lock the rows, not change them
  bool nowait = false;           // do not wait for a locked row: raise LockNotAvailableError
  bool skip_locked = false;      // do not wait for a locked row: leave it out of the result
  std::vector<FromArg> of = {};  // FOR UPDATE OF: tables or aliases whose rows are locked
};

// Any expression, for APIs that take a list of them (group_by, returning, columns...).
struct ExprArg {
  template <typename E>
    requires detail::IsExpr<E>
  ExprArg(const E& e) : node(e.node()) {}  // NOLINT: implicit on purpose
  ExprArg(const OrderBy& o) : node(o.node()) {}  // NOLINT
  sql::NodePtr node;
};

namespace detail {
// What select(...) accepts: expressions, whole tables (all columns, listed), FROM objects.
inline void add_select_items(sql::NodeList& out, const Table& t) {
  out.insert(out.end(), t.column_nodes().begin(), t.column_nodes().end());
}
void add_select_items(sql::NodeList& out, const FromClause& f);
template <typename E>
  requires IsExpr<E>
void add_select_items(sql::NodeList& out, const E& e) {
  out.push_back(e.node());
}
}  // namespace detail

template <typename... Ts>
class TypedSelect;

class Select : public sql::Statement {
 public:
  explicit Select(sql::NodeList columns);

  template <typename... A>
  Select add_columns(const A&... items) const {
    sql::NodeList cols;
    (detail::add_select_items(cols, items), ...);
    return with_columns(std::move(cols));
  }
  // Several where() calls, and several conditions in one call, are ANDed.
  template <typename... C>
  Select where(const C&... conditions) const {
    (detail::check_boolean<C>(), ...);
    return where_node(sql::and_all({conditions.node()...}));
  }
  Select select_from(FromArg from) const;
  // INNER JOIN / LEFT OUTER JOIN / FULL OUTER JOIN; ON inferred from foreign keys when omitted.
  Select join(FromArg target) const { return join_node(std::move(target), nullptr, sql::JoinKind::inner); }
  Select outerjoin(FromArg target) const { return join_node(std::move(target), nullptr, sql::JoinKind::left); }
  Select full_outerjoin(FromArg target) const { return join_node(std::move(target), nullptr, sql::JoinKind::full); }
  template <typename C>
  Select join(FromArg target, const C& on) const {
    detail::check_boolean<C>();
    return join_node(std::move(target), on.node(), sql::JoinKind::inner);
  }
  template <typename C>
  Select outerjoin(FromArg target, const C& on) const {
    detail::check_boolean<C>();
    return join_node(std::move(target), on.node(), sql::JoinKind::left);
  }
  template <typename C>
  Select full_outerjoin(FromArg target, const C& on) const {
    detail::check_boolean<C>();
    return join_node(std::move(target), on.node(), sql::JoinKind::full);
  }
  Select group_by(std::vector<ExprArg> items) const;
  template <typename... E>
  Select group_by(const E&... items) const {
    return group_by(std::vector<ExprArg>{ExprArg(items)...});
  }
  template <typename C>
  Select having(const C& condition) const {
    detail::check_boolean<C>();
    return having_node(condition.node());
  }
  // Expressions (ascending by default) or asc()/desc() items, optionally .nulls_first/last().
  Select order_by(std::vector<ExprArg> items) const;
  template <typename... E>
  Select order_by(const E&... items) const {
    return order_by(std::vector<ExprArg>{ExprArg(items)...});
  }
  Select limit(std::int64_t n) const;
  Select offset(std::int64_t n) const;
  Select distinct(bool on = true) const;
  // Locks the selected rows until the transaction ends (see ForUpdateOptions). ArgumentError
  // when nowait and skip_locked are both set.
  Select with_for_update(ForUpdateOptions options = {}) const;

  // Use as a FROM object / a scalar value / a CTE.
  Subquery subquery(std::string alias) const;
  template <typename T = Value>
  Expr<T> scalar_subquery() const {
    return Expr<T>(scalar_subquery_node(detail::default_sql_type<T>()));
  }
  Cte cte(std::string name, bool recursive = false) const;

  CompoundSelect union_(const Select& other) const;
  CompoundSelect union_all(const Select& other) const;
  CompoundSelect intersect(const Select& other) const;
  CompoundSelect except_(const Select& other) const;

  // Typed rows for the engine: TypeError when the count or a column's type does not fit.
  template <typename... Ts>
  TypedSelect<Ts...> as() const;

  // The select node (for in_(), exists(), insert().from_select()).
  const sql::NodePtr& select_node() const { return root(); }
  // Result columns as the engine will see them.
  std::vector<ExportedColumn> result_columns() const;
  // TypeError unless `types` match the result columns (count, then each type).
  void check_row_types(const std::vector<SqlType>& types) const;

 protected:
  explicit Select(sql::NodePtr node) : Statement(std::move(node)) {}

 private:
  const sql::SelectNode& sel() const;
  Select with_columns(sql::NodeList cols) const;
  Select where_node(sql::NodePtr cond) const;
  Select join_node(FromArg target, sql::NodePtr on, sql::JoinKind kind) const;
  Select having_node(sql::NodePtr cond) const;
  sql::NodePtr scalar_subquery_node(SqlType type) const;
};

template <typename... Ts>
class TypedSelect : public Select {
 public:
  using row_type = std::tuple<Ts...>;
  explicit TypedSelect(const Select& s) : Select(s) {
    check_row_types({detail::default_sql_type<Ts>()...});
  }
};

template <typename... Ts>
TypedSelect<Ts...> Select::as() const {
  return TypedSelect<Ts...>(*this);
}

template <typename... A>
Select select(const A&... items) {
  sql::NodeList cols;
  (detail::add_select_items(cols, items), ...);
  return Select(std::move(cols));
}

// UNION / UNION ALL / INTERSECT / EXCEPT of selects with matching columns.
class CompoundSelect : public sql::Statement {
 public:
  CompoundSelect(sql::CompoundOp op, std::vector<Select> selects);
  CompoundSelect order_by(std::vector<ExprArg> items) const;
  template <typename... E>
  CompoundSelect order_by(const E&... items) const {
    return order_by(std::vector<ExprArg>{ExprArg(items)...});
  }
  CompoundSelect limit(std::int64_t n) const;
  CompoundSelect offset(std::int64_t n) const;
  Subquery subquery(std::string alias) const;
  Cte cte(std::string name) const;
  const sql::NodePtr& select_node() const { return root(); }
  std::vector<ExportedColumn> result_columns() const;

 private:
  explicit CompoundSelect(sql::NodePtr node) : Statement(std::move(node)) {}
};

CompoundSelect union_(const Select& a, const Select& b);
CompoundSelect union_all(const Select& a, const Select& b);
CompoundSelect intersect(const Select& a, const Select& b);
CompoundSelect except_(const Select& a, const Select& b);
template <typename... S>
CompoundSelect union_(const Select& a, const Select& b, const S&... more) {
  return CompoundSelect(sql::CompoundOp::union_, {a, b, more...});
}
template <typename... S>
CompoundSelect union_all(const Select& a, const Select& b, const S&... more) {
  return CompoundSelect(sql::CompoundOp::union_all, {a, b, more...});
}

// EXISTS (subquery)
template <typename S>
  requires requires(const S& s) { s.select_node(); }
Expr<bool> exists(const S& select) {
  return Expr<bool>(std::make_shared<sql::ExistsNode>(select.select_node()));
}

}  // namespace crucible
