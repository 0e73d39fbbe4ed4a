// SPDX-License-Identifier: MIT
//
// Schema objects: MetaData owns Tables; a Table owns its Columns, constraints and Indexes.
// They describe the database for DDL (Dialect::create_table_ddl...), for join inference, for
// client-side defaults in insert/update, and for the ORM mapping built on top.
//
// Ownership and lifetime: MetaData holds each Table through unique_ptr, so Table and Column
// addresses are stable; expressions refer to them by pointer, so a MetaData must outlive every
// statement built from its tables. Foreign key targets ("users.id") are resolved by name
// through the MetaData when needed, so tables may be declared in any order.
//
// Thread-safety: build a MetaData once (at start-up), then share it read-only between threads.
//
//   crucible::MetaData metadata;
//   auto& users = metadata.table("users",
//       Column("id", BigInteger()).primary_key(),
//       Column("name", String(50)).nullable(false).unique(),
//       Column("created_at", DateTimeType()).default_now());
//   auto& posts = metadata.table("posts",
//       Column("id", BigInteger()).primary_key(),
//       Column("user_id", BigInteger()).references("users.id").on_delete("CASCADE"),
//       Column("title", String(200)).nullable(false),
//       Index("ix_posts_user_title", {"user_id", "title"}));
//   auto id = users.c<std::int64_t>("id");      // TypeError if the declared type differs
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/core/types.hpp"
#include "crucible/core/value.hpp"
#include "crucible/sql/expression.hpp"

namespace crucible {

class MetaData;
class Table;

// A foreign key: local columns referring to columns of another table. Built from
// Column::references("table.column") or as a table-level ForeignKeyConstraint (composite).
struct ForeignKey {
  std::vector<std::string> columns;         // local column names
  std::string target_table;
  std::vector<std::string> target_columns;
  std::string on_delete;                    // "" (database default), CASCADE, SET NULL, ...
  std::string on_update;
  std::string name;                         // constraint name; "" lets the database choose
};

// Whether a single-column integer primary key generates its values. `automatic` (the default)
// means: yes for a lone integer primary key without a foreign key.
enum class Autoincrement { automatic, yes, no };

class Column {
 public:
  Column(std::string name, SqlType type);

  // ---- builders (chainable on a temporary) ----
  Column& primary_key(bool on = true);
  Column& autoincrement(bool on = true);
  Column& nullable(bool on);
  Column& unique(bool on = true);
  Column& index(bool on = true);
  Column& comment(std::string text);
  // Client-side default, applied by insert() when the column is not given a value.
  Column& default_value(Value v);
  Column& default_fn(std::function<Value()> fn);
  // DateTime::now_utc() for timezone-aware columns, now_naive() otherwise.
  Column& default_now();
  // Server-side default: SQL text rendered verbatim after DEFAULT ("0", "CURRENT_TIMESTAMP").
  Column& server_default(std::string sql);
  // Client-side value applied by update() when the column is not set explicitly.
  Column& onupdate(Value v);
  Column& onupdate_fn(std::function<Value()> fn);
  // Foreign key to "table.column"; on_delete / on_update give its actions
  // (CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION; ArgumentError otherwise).
  Column& references(std::string_view target);
  Column& on_delete(std::string_view action);
  Column& on_update(std::string_view action);
  // The name of the foreign key constraint references() declares ("" lets the database choose,
  // or the MetaData's naming convention).
  Column& foreign_key_name(std::string name);

  // ---- accessors ----
  const std::string& name() const { return name_; }
  const SqlType& type() const { return type_; }
  bool is_primary_key() const { return primary_key_; }
  bool is_nullable() const { return nullable_ ? *nullable_ : !primary_key_; }
  bool is_unique() const { return unique_; }
  bool is_indexed() const { return index_; }
  Autoincrement autoincrement_setting() const { return autoincrement_; }
  const std::string& comment() const { return comment_; }
  bool has_default() const { return default_fn_ != nullptr; }
  const std::function<Value()>& default_function() const { return default_fn_; }
  const std::optional<std::string>& server_default_sql() const { return server_default_; }
  bool has_onupdate() const { return onupdate_fn_ != nullptr; }
  const std::function<Value()>& onupdate_function() const { return onupdate_fn_; }
  const std::optional<ForeignKey>& foreign_key() const { return foreign_key_; }
  // The owning table once the column is part of one, else nullptr.
  const Table* table() const { return table_; }

 private:
  friend class Table;
  std::string name_;
  SqlType type_;
  bool primary_key_ = false;
  std::optional<bool> nullable_;
  bool unique_ = false;
  bool index_ = false;
  Autoincrement autoincrement_ = Autoincrement::automatic;
  std::string comment_;
  std::function<Value()> default_fn_;
  std::optional<std::string> server_default_;
  std::function<Value()> onupdate_fn_;
  std::optional<ForeignKey> foreign_key_;
  const Table* table_ = nullptr;
};

// PRIMARY KEY (a, b): a composite primary key (single keys use Column::primary_key()).
struct PrimaryKeyConstraint {
  std::vector<std::string> columns;
  std::string name;
  PrimaryKeyConstraint(std::vector<std::string> cols, std::string n = "")
      : columns(std::move(cols)), name(std::move(n)) {}
};

struct UniqueConstraint {
  std::vector<std::string> columns;
  std::string name;
  UniqueConstraint(std::vector<std::string> cols, std::string n = "")
      : columns(std::move(cols)), name(std::move(n)) {}
};

// CHECK (...): SQL text, or an expression whose literals are rendered inline in the DDL.
struct CheckConstraint {
  std::string sql;
  sql::NodePtr expression;
  std::string name;
  CheckConstraint(std::string text, std::string n = "") : sql(std::move(text)), name(std::move(n)) {}
  template <typename E>
    requires detail::IsExpr<E>
  CheckConstraint(const E& e, std::string n = "") : expression(e.node()), name(std::move(n)) {}
};

// FOREIGN KEY (a, b) REFERENCES t (x, y): the composite form.
struct ForeignKeyConstraint {
  ForeignKey key;
  ForeignKeyConstraint(std::vector<std::string> columns, std::string_view target_table,
                       std::vector<std::string> target_columns, std::string on_delete = "",
                       std::string on_update = "", std::string name = "");
};

// CREATE [UNIQUE] INDEX name ON table (columns) [WHERE ...] (partial where supported).
class Index {
 public:
  Index(std::string name, std::vector<std::string> columns);
  Index& unique(bool on = true) {
    unique_ = on;
    return *this;
  }
  Index& where(std::string sql) {
    where_sql_ = std::move(sql);
    return *this;
  }
  template <typename E>
    requires detail::IsExpr<E>
  Index& where(const E& e) {
    where_expr_ = e.node();
    return *this;
  }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& columns() const { return columns_; }
  bool is_unique() const { return unique_; }
  const std::string& where_sql() const { return where_sql_; }
  const sql::NodePtr& where_expression() const { return where_expr_; }

 private:
  std::string name_;
  std::vector<std::string> columns_;
  bool unique_ = false;
  std::string where_sql_;
  sql::NodePtr where_expr_;
};

// A table comment, given among the table's items: metadata.table("t", ..., TableComment("..."))
struct TableComment {
  std::string text;
  explicit TableComment(std::string t) : text(std::move(t)) {}
};

using TableItem = std::variant<Column, PrimaryKeyConstraint, UniqueConstraint, CheckConstraint,
                               ForeignKeyConstraint, Index, TableComment>;

// A constraint on its own, as migrations add one to an existing table.
using TableConstraint = std::variant<PrimaryKeyConstraint, UniqueConstraint, CheckConstraint, ForeignKeyConstraint>;
enum class ConstraintKind { primary_key, foreign_key, unique, check };
std::string_view constraint_kind_name(ConstraintKind kind);  // "primary key", "foreign key", ...
ConstraintKind kind_of(const TableConstraint& constraint);
const std::string& name_of(const TableConstraint& constraint);

// Names for the constraints and indexes a declaration leaves unnamed (SQLAlchemy's
// naming_convention), so that a migration can later drop by name what create_all or an earlier
// migration created. Templates use SQLAlchemy's tokens, so an existing project's convention
// carries over unchanged:
//   %(table_name)s  %(column_0_name)s  %(column_0N_name)s (all columns, joined)
//   %(column_0_N_name)s (joined by "_")  %(column_0_label)s (table_column)
//   %(referred_table_name)s  %(referred_column_0_name)s  %(constraint_name)s (the given name)
// An empty template leaves that kind to the database. A name longer than 63 characters (the
// shortest limit of the three backends) is cut and given a hash of the whole, so it stays
// unique and the same run after run.
//   crucible::MetaData metadata(crucible::NamingConvention::recommended());
struct NamingConvention {
  std::string index;        // "ix": Column::index() and Index objects named ""
  std::string unique;       // "uq"
  std::string check;        // "ck"
  std::string foreign_key;  // "fk"
  std::string primary_key;  // "pk"

  // Alembic's documented convention: ix_%(column_0_label)s, uq_%(table_name)s_%(column_0_name)s,
  // ck_%(table_name)s_%(constraint_name)s, fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s,
  // pk_%(table_name)s.
  static NamingConvention recommended();
  bool empty() const {
    return index.empty() && unique.empty() && check.empty() && foreign_key.empty() && primary_key.empty();
  }
  // The name for a constraint of `kind` on `table`, or "" when the convention has no template
  // for it. ArgumentError when the template needs %(constraint_name)s and none is given, or
  // names a column the constraint lacks.
  std::string name_for(ConstraintKind kind, std::string_view table, const std::vector<std::string>& columns,
                       std::string_view referred_table = {}, const std::vector<std::string>& referred_columns = {},
                       std::string_view constraint_name = {}) const;
  std::string index_name(std::string_view table, const std::vector<std::string>& columns) const;
};
// Expands one template (see NamingConvention); exposed for the migrate layer and tests.
std::string expand_naming_template(std::string_view pattern, std::string_view table,
                                   const std::vector<std::string>& columns, std::string_view referred_table,
                                   const std::vector<std::string>& referred_columns, std::string_view constraint_name);

class Table {
 public:
  Table(const MetaData* metadata, std::string name, std::vector<TableItem> items);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& name() const { return name_; }
  const std::string& comment() const { return comment_; }
  const MetaData* metadata() const { return metadata_; }
  const std::vector<Column>& columns() const { return columns_; }
  // nullptr when absent.
  const Column* find_column(std::string_view name) const;
  // ArgumentError naming the table when absent.
  const Column& column(std::string_view name) const;
  std::vector<const Column*> primary_key() const;
  const std::string& primary_key_name() const { return pk_name_; }
  // Column-level and table-level foreign keys, in declaration order.
  const std::vector<ForeignKey>& foreign_keys() const { return foreign_keys_; }
  // Table-level unique constraints and those from Column::unique().
  const std::vector<UniqueConstraint>& unique_constraints() const { return uniques_; }
  const std::vector<CheckConstraint>& check_constraints() const { return checks_; }
  // Declared indexes and those from Column::index() (named ix_<table>_<column>).
  const std::vector<Index>& indexes() const { return indexes_; }
  // The column that generates its values (SQLite rowid alias / IDENTITY / AUTO_INCREMENT).
  const Column* autoincrement_column() const { return autoincrement_; }

  // Typed column handle; ArgumentError if there is no such column, TypeError if T cannot hold
  // the column's declared type.
  template <typename T>
  Expr<T> c(std::string_view name) const {
    return Expr<T>(column_node(name, detail::default_sql_type<T>()));
  }
  // Untyped handle for generic code (compares with anything).
  Expr<Value> column_expr(std::string_view name) const;

  // The node this table is referred to by in expressions (stable for the table's life).
  const sql::NodePtr& node() const { return node_; }
  // Column reference nodes, parallel to columns().
  const sql::NodeList& column_nodes() const { return column_nodes_; }
  // ArgumentError / TypeError as described at c<T>().
  sql::NodePtr column_node(std::string_view name, const SqlType& cpp_type) const;

 private:
  std::string column_index_name(const std::string& column) const;
  void apply_naming_convention(const NamingConvention& convention);
  const MetaData* metadata_;
  std::string name_;
  std::string comment_;
  std::string pk_name_;
  std::vector<Column> columns_;
  std::vector<ForeignKey> foreign_keys_;
  std::vector<UniqueConstraint> uniques_;
  std::vector<CheckConstraint> checks_;
  std::vector<Index> indexes_;
  const Column* autoincrement_ = nullptr;
  sql::NodePtr node_;
  sql::NodeList column_nodes_;
};

// A foreign key resolved to its tables (for joins, sorting and DDL).
struct ResolvedForeignKey {
  const Table* table = nullptr;         // holds the key
  const Table* target = nullptr;        // nullptr when the target table is unknown
  const ForeignKey* key = nullptr;
};

class MetaData {
 public:
  MetaData() = default;
  explicit MetaData(NamingConvention convention) : naming_convention_(std::move(convention)) {}
  MetaData(const MetaData&) = delete;
  MetaData& operator=(const MetaData&) = delete;

  // Defines a table from columns, constraints and indexes; ArgumentError on a duplicate name,
  // a duplicate column, or a constraint naming an unknown column.
  template <typename... Items>
  Table& table(std::string name, Items&&... items) {
    std::vector<TableItem> list;
    list.reserve(sizeof...(items));
    (list.emplace_back(std::forward<Items>(items)), ...);
    return add_table(std::move(name), std::move(list));
  }
  Table& add_table(std::string name, std::vector<TableItem> items);

  const Table* find_table(std::string_view name) const;
  const Table& get_table(std::string_view name) const;  // ArgumentError when absent
  // In definition order.
  std::vector<const Table*> tables() const;
  // Dependencies first (a table after every table its foreign keys refer to); self-references
  // are ignored; a cycle raises ArgumentError naming the tables involved.
  std::vector<const Table*> sorted_tables() const;

  // Foreign keys of `table` with their targets resolved.
  std::vector<ResolvedForeignKey> resolved_foreign_keys(const Table& table) const;

  // Applied to every table defined afterwards (see NamingConvention).
  const NamingConvention& naming_convention() const { return naming_convention_; }

 private:
  NamingConvention naming_convention_;
  std::vector<std::unique_ptr<Table>> tables_;
};

}  // namespace crucible
