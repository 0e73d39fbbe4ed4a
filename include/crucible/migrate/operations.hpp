// SPDX-License-Identifier: MIT
//
// Migration operations as data (Alembic's ops): each is a plain struct that says what changes;
// render() gives its statements for one dialect, reverse() the operation that undoes it, and
// Operations::run() applies it on a connection, choosing per backend how (docs/migrations.md).
//
//   crucible::migrate::Operations op(conn);
//   op.run(crucible::migrate::AddColumn{"users", crucible::Column("karma", crucible::Integer()).server_default("0")});
//   op.run(crucible::migrate::CreateIndex{"users", crucible::Index("ix_users_karma", {"karma"})});
//
// On SQLite, what its ALTER TABLE cannot do (a column's type, nullability or default; adding or
// dropping a constraint; dropping a column that an index or constraint uses) runs as a batch:
// the table is copied into a new one with the change, its rows moved, the old one dropped and
// the new one renamed, its indexes and triggers re-created and the foreign keys checked
// (SQLite's documented twelve steps), inside the caller's transaction.
//
// Thread-safety: the structs are values; an Operations object belongs to its connection's thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/core/value.hpp"
#include "crucible/sql/alter.hpp"
#include "crucible/sql/compiled.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {
class Connection;
namespace sql {
class Dialect;
}
}  // namespace crucible

namespace crucible::migrate {

// A migration could not run as written: an operation without its inverse, a revision that
// does not parse, a database whose state the step does not expect. Carries what and where.
class MigrationError : public Error {
 public:
  using Error::Error;
};

struct CreateTable {
  std::string name;
  std::vector<TableItem> items;  // columns, constraints, indexes, comment: as MetaData::table
};

struct DropTable {
  std::string name;
  std::vector<TableItem> items;  // the table's definition, for reverse(); empty: irreversible
};

struct RenameTable {
  std::string from;
  std::string to;
};

// A unique column or one with a foreign key brings that constraint along; Column::index() an index.
struct AddColumn {
  std::string table;
  Column column;
};

struct DropColumn {
  std::string table;
  std::string column;
  std::optional<Column> definition;  // for reverse()
};

// Type, nullability, server default, comment and name; unset members stay. Where a backend
// needs what the column is now (MariaDB's MODIFY restates it; PostgreSQL's USING for a type
// change), run() reads the missing existing_* from the database.
using AlterColumn = sql::ColumnAlteration;

struct CreateIndex {
  std::string table;
  Index index;
  // PostgreSQL CONCURRENTLY (run() commits first: it cannot run in a transaction); MariaDB
  // LOCK=NONE; SQLite builds as usual.
  bool concurrently = false;
};

struct DropIndex {
  std::string table;
  std::string name;
  std::optional<Index> definition;  // for reverse()
  bool concurrently = false;
};

// An unnamed constraint takes its name from the naming convention given to Operations.
struct AddConstraint {
  std::string table;
  TableConstraint constraint;
};

struct DropConstraint {
  std::string table;
  std::string name;
  ConstraintKind kind = ConstraintKind::unique;
  std::optional<TableConstraint> definition;  // for reverse()
};

struct SetTableComment {
  std::string table;
  std::string comment;  // "" removes it
  std::optional<std::string> existing_comment;  // for reverse()
};

// SQL with named parameters (text() syntax, :name), on every dialect or only those named
// ("sqlite", "postgresql", "mysql"), as the seed's MySQL-only trigger.
struct ExecuteSql {
  std::string sql;
  Params params;
  std::vector<std::string> dialects;  // empty: all
  std::string reverse_sql;            // run by the reverse; empty: irreversible
};

struct BulkInsert {
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

using Operation = std::variant<CreateTable, DropTable, RenameTable, AddColumn, DropColumn, AlterColumn, CreateIndex,
                               DropIndex, AddConstraint, DropConstraint, SetTableComment, ExecuteSql, BulkInsert>;

// The operation that creates `table` as declared (columns, keys, constraints, indexes, comment):
// what a first revision holds for a model's table.
CreateTable create_table_of(const Table& table);

// One line for people: "add column users.karma", "create index ix_users_karma on users".
std::string describe(const Operation& op);

// The operation that undoes `op`; MigrationError saying what is missing when it cannot be known
// (a drop without the definition, an alteration without the existing values, plain SQL without
// reverse_sql, a bulk insert).
Operation reverse(const Operation& op);

// Whether `op` destroys data or locks a busy table: what lint reports and upgrade refuses unless
// the revision marks it as intended. Empty when it does neither.
std::string hazard(const Operation& op, const sql::Dialect& dialect);

// The statements `op` runs on `dialect`, values written as literals (offline SQL for review).
// An ALTER that SQLite runs as a batch copy needs the table's current shape: CompileError here
// (Operations::run reads it from the database).
std::vector<std::string> render(const Operation& op, const sql::Dialect& dialect,
                                const NamingConvention& convention = {});

// Whether `op` must run outside a transaction (PostgreSQL's CONCURRENTLY).
bool needs_autocommit(const Operation& op, const sql::Dialect& dialect);

// Applies operations on a connection (Alembic's `op`): statements go through the connection, in
// its transaction; reading the database first where the backend needs to (SQLite batch copies,
// MariaDB's whole-column MODIFY).
class Operations {
 public:
  explicit Operations(Connection& connection, NamingConvention convention = {});

  void run(const Operation& op);
  // Every statement run so far, in order (for logs and for `upgrade` to report progress).
  const std::vector<std::string>& statements() const { return statements_; }

 private:
  void execute(const std::string& sql);
  void run_batch(const std::string& table, const Operation& op, bool was_in_transaction);
  bool needs_batch(const Operation& op);
  AlterColumn with_existing(const AlterColumn& change);

  Connection& connection_;
  NamingConvention convention_;
  std::vector<std::string> statements_;
};

// Names the unnamed constraint by `convention` (unchanged when it has a name or no template applies).
TableConstraint named(TableConstraint constraint, std::string_view table, const NamingConvention& convention);

}  // namespace crucible::migrate
