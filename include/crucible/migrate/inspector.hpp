// SPDX-License-Identifier: MIT
//
// Inspector: what a database holds, read from its catalog — table and view names, and each
// table's columns (name, the Crucible type they map back to, nullability, server default,
// autoincrement / identity, comment), primary key, foreign keys, unique and check constraints
// and indexes: schema reflection (docs/migrations.md).
//
//   crucible::migrate::Inspector inspector(engine);
//   for (const auto& t : inspector.tables())   // every table of the default schema
//     for (const auto& c : t.columns) std::cout << t.name << "." << c.name << " " << c.type_sql << "\n";
//
// A whole schema is read with a fixed number of catalog queries whatever the number of tables
// (five on the servers: columns, primary keys, foreign keys, indexes with the unique constraints
// they back, check constraints; four on SQLite), as SQLAlchemy 2.0's bulk reflection does,
// never a query per table. `schema` is a PostgreSQL schema or a MariaDB database; empty
// means the connection's current one (SQLite has one: `main`).
//
// Types map back to what Core declares where the catalog keeps it (lengths, precision and scale
// included); what it cannot tell apart reads as the type it stores: on SQLite a JSON column
// (declared TEXT) reads as Text, and on MariaDB JSON reads as Text too (an alias of LONGTEXT).
// `type_sql` keeps the catalog's own spelling.
//
// Built on an Engine, it runs on its own connection, in a read transaction it ends;
// thread-safety as the Engine's connect(). Built on a Connection, it reads through it, inside
// its transaction (a migration sees its own uncommitted changes), and belongs to its thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/types.hpp"
#include "crucible/engine/engine.hpp"
#include "crucible/sql/schema.hpp"

namespace crucible {
class Connection;
class Engine;
class MetaData;
class Table;
}

namespace crucible::migrate {

struct ReflectedColumn {
  std::string name;
  SqlType type = NullType();  // the Crucible type it maps back to (NullType() when none does)
  std::string type_sql;  // as the catalog spells it
  bool nullable = true;
  std::optional<std::string> server_default;  // SQL text; nullopt when there is none
  bool autoincrement = false;                 // rowid alias, IDENTITY / serial, AUTO_INCREMENT
  std::string comment;
};

struct ReflectedPrimaryKey {
  std::string name;  // empty where the backend does not name it (SQLite)
  std::vector<std::string> columns;
};

struct ReflectedForeignKey {
  std::string name;  // empty where the backend does not name it (SQLite)
  std::vector<std::string> columns;
  std::string referred_schema;  // empty: the reflected table's own schema
  std::string referred_table;
  std::vector<std::string> referred_columns;
  // CASCADE, SET NULL, SET DEFAULT, RESTRICT; empty for the backend's default (NO ACTION, and
  // on MariaDB RESTRICT too, which is the same action there).
  std::string on_delete, on_update;
};

// CREATE [UNIQUE] INDEX. Indexes that back the primary key or a unique constraint are not listed
// here (MariaDB aside: there a unique constraint is a unique index, listed in both places).
struct ReflectedIndex {
  std::string name;
  // In key order; an expression's slot holds its SQL (PostgreSQL) or is empty (SQLite).
  std::vector<std::string> columns;
  bool unique = false;
  std::string where;  // a partial index's predicate, as the catalog prints it; empty when none
};

struct ReflectedUniqueConstraint {
  std::string name;  // empty on SQLite, whose catalog keeps no constraint names
  std::vector<std::string> columns;
};

struct ReflectedCheckConstraint {
  std::string name;  // empty when it has none (SQLite keeps unnamed ones unnamed)
  std::string sql;   // the condition, without CHECK and its outer parentheses, as stored
};

struct ReflectedTable {
  std::string schema;  // as given to the Inspector (empty: the current one)
  std::string name;
  std::string comment;  // PostgreSQL and MariaDB; SQLite keeps none
  std::vector<ReflectedColumn> columns;  // in table order
  ReflectedPrimaryKey primary_key;
  std::vector<ReflectedForeignKey> foreign_keys;  // by name (SQLite: in declaration order)
  std::vector<ReflectedIndex> indexes;            // by name
  std::vector<ReflectedUniqueConstraint> unique_constraints;  // by name
  std::vector<ReflectedCheckConstraint> check_constraints;    // by name (SQLite: as declared)
  const ReflectedColumn* column(std::string_view name) const;  // nullptr when absent
};

class Inspector {
 public:
  explicit Inspector(const Engine& engine) : engine_(engine) {}
  explicit Inspector(Connection& connection) : connection_(&connection) {}

  // Names in alphabetical order; SQLite's internal tables are left out.
  std::vector<std::string> table_names(std::string_view schema = {}) const;
  std::vector<std::string> view_names(std::string_view schema = {}) const;
  // Every table of the schema, in name order.
  std::vector<ReflectedTable> tables(std::string_view schema = {}) const;
  // One table (the same queries as tables()); NoSuchTableError when the schema has none.
  ReflectedTable table(std::string_view name, std::string_view schema = {}) const;

 private:
  std::optional<Engine> engine_;  // a handle: the Inspector may outlive the caller's copy
  Connection* connection_ = nullptr;
};

// MetaData::reflect, as a function of this layer (the sql layer knows no engine): adds to
// `metadata` a Table for every table of the schema — columns with their types, nullability,
// server defaults, autoincrement and comments; the primary key; foreign keys; unique and check
// constraints; indexes — so that Core statements use them like declared ones. Returns them in
// name order. A table `metadata` already holds is an ArgumentError, and nothing is added.
// Expression indexes stay out (Core's Index names columns only; the Inspector lists them), as do
// MariaDB's unique indexes, which are there as the unique constraints they are.
std::vector<const Table*> reflect(const Engine& engine, MetaData& metadata, std::string_view schema = {});

// The declaration of a reflected table, as reflect() builds it: a Table made from these items
// creates the same table again (batch migrations copy a SQLite table this way).
std::vector<TableItem> table_items(const ReflectedTable& table);

}  // namespace crucible::migrate
