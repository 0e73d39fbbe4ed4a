// SPDX-License-Identifier: MIT
//
// INSERT, UPDATE, DELETE and upsert. Values are typed assignments, set(column, value): a value
// that does not fit the column fails to compile with one sentence
// ("crucible: cannot assign a number to a std::string column").
//
//   insert(users).values(set(name, "alice"), set(email, "a@x.org"))   // one row
//                .values(set(name, "bob"), set(email, "b@x.org"))     // each call adds a row
//                .returning(id);
//   insert(users)                       // no values: every column as a NAMED bind (":name"),
//   insert(users).columns(name, email)  // or the ones listed, for execute_many with tuples
//   insert(users).from_select(select(...), name, email);
//   insert(users).values(...).on_conflict_do_nothing(name);
//   insert(users).values(...).on_conflict_do_update({name}, {set(email, excluded(email))});
//   update(users).values(set(name, "x")).where(id == 5).returning(id);
//   delete_(users).where(id == 5);
//
// Client-side column defaults (Column::default_value / default_fn) fill columns an insert's rows
// leave out; on-update values fill columns an update leaves out. Function defaults run at each
// execution (they are computed literals, extracted with the other literals).
//
// Upsert spelling: ON CONFLICT (...) DO NOTHING / DO UPDATE SET (SQLite, PostgreSQL);
// ON DUPLICATE KEY UPDATE (MySQL; do-nothing becomes "pk = pk"). excluded(col) is the proposed
// row's value: excluded.col / VALUES(col).
//
// Thread-safety: statements are immutable values; see Statement.
#pragma once

#include <string>
#include <vector>

#include "crucible/sql/compiled.hpp"
#include "crucible/sql/select.hpp"

namespace crucible {

// One column = value pair of an insert row, an update, or an upsert's update part.
struct ColumnValue {
  const Column* column = nullptr;
  sql::NodePtr value;
};

namespace detail {
ColumnValue make_column_value(const sql::NodePtr& column, sql::NodePtr value);
}

template <typename T, typename U>
ColumnValue set(const Expr<T>& column, const U& value) {
  detail::check_assignable<T, U>();
  return detail::make_column_value(column.node(), detail::to_node(value, column.sql_type()));
}

// The value proposed for insertion, inside on_conflict_do_update.
template <typename T>
Expr<T> excluded(const Expr<T>& column) {
  return Expr<T>(std::make_shared<sql::ExcludedNode>(detail::make_column_value(column.node(), nullptr).column->name(),
                                                    column.sql_type()));
}

class Insert : public sql::Statement {
 public:
  explicit Insert(const Table& table);

  // Adds one row; every row must give the same columns.
  Insert values(std::vector<ColumnValue> row) const;
  // Adds several rows at once (SQLAlchemy's values([...])); cheaper than one call per row.
  Insert values(std::vector<std::vector<ColumnValue>> rows) const;
  template <typename... V>
    requires(std::is_same_v<V, ColumnValue> && ...)
  Insert values(const V&... v) const {
    return values(std::vector<ColumnValue>{v...});
  }
  // Runtime form (untyped): column names and values; ArgumentError on an unknown column.
  Insert values(const Params& row) const;

  // Named-bind form for these columns (instead of all columns).
  Insert columns(std::vector<ExprArg> cols) const;
  template <typename... E>
    requires(detail::IsExpr<E> && ...)
  Insert columns(const E&... cols) const {
    return columns(std::vector<ExprArg>{ExprArg(cols)...});
  }

  // INSERT INTO t (cols) SELECT ...
  Insert from_select(const Select& select, std::vector<ExprArg> cols) const;
  template <typename... E>
  Insert from_select(const Select& select, const E&... cols) const {
    return from_select(select, std::vector<ExprArg>{ExprArg(cols)...});
  }

  Insert returning(std::vector<ExprArg> items) const;
  template <typename... E>
  Insert returning(const E&... items) const {
    return returning(std::vector<ExprArg>{ExprArg(items)...});
  }

  Insert on_conflict_do_nothing(std::vector<ExprArg> index_columns = {}) const;
  template <typename... E>
    requires(sizeof...(E) > 0 && (detail::IsExpr<E> && ...))
  Insert on_conflict_do_nothing(const E&... index_columns) const {
    return on_conflict_do_nothing(std::vector<ExprArg>{ExprArg(index_columns)...});
  }
  Insert on_conflict_do_update(std::vector<ExprArg> index_columns, std::vector<ColumnValue> sets) const;

  const Table& table() const;

  // insert(t) given neither values, columns nor a SELECT. Compiled alone it is
  // `INSERT INTO t DEFAULT VALUES`; run with parameters it inserts the columns they name, as
  // SQLAlchemy does: execute(stmt, params) as values(params) (client-side defaults fill the
  // rest), execute_many over Params as the first set's columns, over tuples as every column.
  bool bare() const;
  const Insert* bare_insert() const override { return bare() ? this : nullptr; }
  // For execute_many: this statement in the named-bind form of these columns.
  Insert for_columns(const std::vector<const Column*>& columns) const;

 private:
  explicit Insert(sql::NodePtr node) : Statement(std::move(node)) {}
  const sql::InsertNode& ins() const;
};

class Update : public sql::Statement {
 public:
  explicit Update(const Table& table);
  // Later values for the same column replace earlier ones.
  Update values(std::vector<ColumnValue> sets) const;
  template <typename... V>
    requires(std::is_same_v<V, ColumnValue> && ...)
  Update values(const V&... v) const {
    return values(std::vector<ColumnValue>{v...});
  }
  Update values(const Params& sets) const;
  template <typename... C>
  Update where(const C&... conditions) const {
    (detail::check_boolean<C>(), ...);
    return where_node(sql::and_all({conditions.node()...}));
  }
  Update returning(std::vector<ExprArg> items) const;
  template <typename... E>
  Update returning(const E&... items) const {
    return returning(std::vector<ExprArg>{ExprArg(items)...});
  }

 private:
  explicit Update(sql::NodePtr node, std::vector<ColumnValue> user_sets)
      : Statement(std::move(node)), user_sets_(std::move(user_sets)) {}
  Update where_node(sql::NodePtr cond) const;
  const sql::UpdateNode& upd() const;
  std::vector<ColumnValue> user_sets_;  // without the on-update fill-ins
};

class Delete : public sql::Statement {
 public:
  explicit Delete(const Table& table);
  template <typename... C>
  Delete where(const C&... conditions) const {
    (detail::check_boolean<C>(), ...);
    return where_node(sql::and_all({conditions.node()...}));
  }
  Delete returning(std::vector<ExprArg> items) const;
  template <typename... E>
  Delete returning(const E&... items) const {
    return returning(std::vector<ExprArg>{ExprArg(items)...});
  }

 private:
  explicit Delete(sql::NodePtr node) : Statement(std::move(node)) {}
  Delete where_node(sql::NodePtr cond) const;
  const sql::DeleteNode& del() const;
};

inline Insert insert(const Table& table) { return Insert(table); }
inline Update update(const Table& table) { return Update(table); }
inline Delete delete_(const Table& table) { return Delete(table); }

}  // namespace crucible
