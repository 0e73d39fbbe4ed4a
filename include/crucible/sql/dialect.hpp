// SPDX-License-Identifier: MIT
//
// Dialect: the SQL flavour of one database family — quoting, reserved words, parameter style,
// type names, DDL, RETURNING / upsert / LIMIT spelling, and which driver error codes mean what.
// No C client header is included by a dialect; drivers (dialects/<db>/driver.*) are separate.
//
// Capabilities are data (DialectFeatures), refined from the server version at connect. Code and
// tests branch on features, never on name().
//
// DDL for create_all / drop_all (the engine runs each returned statement in order):
//   create_table_ddl(table, if_not_exists)  CREATE TABLE (+ PostgreSQL COMMENT ON statements)
//   create_indexes_ddl(table, if_not_exists) CREATE INDEX for the table's indexes
//   drop_table_ddl(table, if_exists)         DROP TABLE
//   drop_index_ddl(table, index, if_exists)
//   has_table_sql()                          SELECT returning a row iff the table exists; one
//                                            named bind "table_name": tables, views and the
//                                            session's temporary tables its unqualified name
//                                            reaches (table_probe_sql() for what no catalog lists)
// Emit tables in MetaData::sorted_tables() order to create, reverse order to drop.
//
// Thread-safety: immutable after construction (set_server_version is called once, at first
// connect, before the dialect is shared); one instance is shared by an engine's threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crucible/core/errors.hpp"
#include "crucible/sql/compiled.hpp"

namespace crucible {
class Table;
class Index;
}  // namespace crucible

namespace crucible::sql {

class Executable;
class Statement;
class Compiler;

enum class ParamStyle {
  qmark,     // ?            (SQLite, MySQL)
  numeric,   // $1, $2, ...  (PostgreSQL)
};

struct DialectFeatures {
  bool supports_returning = false;           // INSERT/UPDATE/DELETE ... RETURNING
  bool supports_multirow_insert = true;      // INSERT ... VALUES (...), (...)
  bool supports_on_conflict = false;         // ON CONFLICT (...) DO NOTHING / DO UPDATE
  bool supports_on_duplicate_key = false;    // ON DUPLICATE KEY UPDATE
  bool supports_nulls_ordering = false;      // ORDER BY x NULLS FIRST / LAST
  bool supports_ilike = false;               // native ILIKE
  bool supports_intersect_except = true;
  bool supports_savepoints = true;
  bool supports_native_boolean = false;      // TRUE/FALSE literals and a BOOLEAN column type
  bool supports_native_uuid = false;
  bool supports_native_enum = false;         // CREATE TYPE ... AS ENUM
  bool supports_alter_column = true;
  bool supports_partial_indexes = false;     // CREATE INDEX ... WHERE
  bool supports_window_functions = true;
  bool supports_recursive_cte = true;
  // Row locks (Select::with_for_update). Without supports_for_update no clause is rendered (the
  // database locks as a whole: SQLite); the four below say which options can be.
  bool supports_for_update = false;          // SELECT ... FOR UPDATE
  bool supports_for_share = false;           // FOR SHARE (else the LOCK IN SHARE MODE spelling)
  bool supports_for_update_nowait = false;   // ... NOWAIT
  bool supports_for_update_skip_locked = false;  // ... SKIP LOCKED
  bool supports_for_update_of = false;       // ... OF table, ...
  bool supports_if_not_exists = true;        // CREATE TABLE IF NOT EXISTS
  // supports_returning means all three; the per-statement flags below are what the compiler
  // checks (MariaDB >= 10.5 has INSERT and DELETE RETURNING but not UPDATE RETURNING).
  bool supports_insert_returning = false;
  bool supports_update_returning = false;
  bool supports_delete_returning = false;
  bool supports_index_if_not_exists = true;  // CREATE INDEX IF NOT EXISTS / DROP INDEX IF EXISTS
  bool supports_comments = false;            // column / table comments in DDL
  bool supports_full_outer_join = true;      // FULL OUTER JOIN
  // DDL runs inside a transaction and rolls back with it (SQLite, PostgreSQL); where not
  // (MySQL / MariaDB commit each DDL statement implicitly) create_all runs statement by statement.
  bool supports_transactional_ddl = false;
  // A plain CREATE INDEX blocks writes to the table until it is built (PostgreSQL; its
  // CONCURRENTLY does not). MariaDB builds secondary indexes online by default.
  bool index_build_blocks_writes = false;
  // The database runs inside the client process (SQLite): executing a prepared statement once
  // per row costs no round trip, so the ORM inserts rows with one execution each (last insert
  // id) rather than as multi-row INSERT ... RETURNING.
  bool in_process = false;
  // A colon before a name in SQL text is a parameter of the database's own (SQLite's :name), so
  // text()'s escaped colon cannot be passed through outside quotes.
  bool colon_names_are_parameters = false;
  // Significant digits a NUMERIC value keeps; 0: every declared digit. SQLite stores a NUMERIC
  // value as an INTEGER or a double (15), and its driver refuses a Decimal it would round.
  int numeric_significant_digits = 0;
};

class Dialect {
 public:
  Dialect() : serial_(next_serial()) {}
  Dialect(const Dialect&) = delete;
  Dialect& operator=(const Dialect&) = delete;
  virtual ~Dialect() = default;

  virtual std::string_view name() const = 0;  // "sqlite", "postgresql", "mysql"
  const DialectFeatures& features() const { return features_; }
  virtual ParamStyle param_style() const = 0;

  // Quotes an identifier when it needs it (reserved word, upper case, odd characters), doubling
  // embedded quote characters; returns it unchanged otherwise.
  virtual std::string quote_identifier(std::string_view name) const = 0;
  // Quotes unconditionally.
  virtual std::string force_quote(std::string_view name) const = 0;

  // Compiles any executable for this dialect.
  CompiledPtr compile(const Executable& statement) const;
  // The statement's SQL with its values written as literals for this dialect (SQLAlchemy's
  // compile(compile_kwargs={"literal_binds": True})): for logging and debugging, never for
  // executing. CompileError for values that cannot be written safely (Compiler::compile_literal).
  //   sqlite.literal_sql(select(name).where(id == 5))   // "SELECT users.name FROM users WHERE users.id = 5"
  std::string literal_sql(const Statement& statement) const;

  // Error mapping: which DBAPIError a native code / SQLSTATE becomes, and whether it is
  // retryable or a disconnect. Drivers fill DriverErrorInfo; the engine asks the dialect.
  virtual ErrorKind classify_error(const DriverErrorInfo& info) const = 0;
  virtual bool is_retryable(const DriverErrorInfo& info) const = 0;
  virtual bool is_disconnect(const DriverErrorInfo& info) const = 0;

  // The compiler for this dialect (a visitor with this dialect's overrides).
  virtual std::unique_ptr<Compiler> make_compiler() const = 0;

  // Refines features from the server's version string ("3.45.1", "16.2",
  // "10.11.6-MariaDB-0+deb12u1", "8.0.36"). Call before sharing the dialect.
  virtual void set_server_version(std::string_view version);
  const std::string& server_version() const { return server_version_; }

  // Unique per dialect instance and feature set: memo and compiled-cache keys use it, so a
  // dialect refined by set_server_version never reuses SQL compiled for other features.
  std::uint64_t serial() const { return serial_; }

  // ---- DDL for the engine's create_all / drop_all (see the header comment) ----
  std::vector<std::string> create_table_ddl(const Table& table, bool if_not_exists = false) const;
  std::vector<std::string> create_indexes_ddl(const Table& table, bool if_not_exists = false) const;
  std::vector<std::string> drop_table_ddl(const Table& table, bool if_exists = false) const;
  std::string drop_index_ddl(const Table& table, const Index& index, bool if_exists = false) const;
  virtual std::string has_table_sql() const = 0;
  // A query that fails with SQLSTATE 42S02 (no such table) unless `table_name` is a table or
  // view this session sees, for what has_table_sql() cannot see (MariaDB's temporary tables
  // are in no catalog); empty where has_table_sql() sees everything.
  virtual std::string table_probe_sql(std::string_view table_name) const {
    (void)table_name;
    return {};
  }

  // What asks the database for a statement's plan, followed by the statement (monitor's
  // explain()): "EXPLAIN " unless the dialect says otherwise.
  virtual std::string_view explain_prefix() const { return "EXPLAIN "; }

 protected:
  // Parses "major.minor.patch" leniently; missing parts are 0.
  static void parse_version(std::string_view text, int& major, int& minor, int& patch);
  void features_changed() { serial_ = next_serial(); }

  DialectFeatures features_;
  std::string server_version_;

 private:
  static std::uint64_t next_serial();
  std::uint64_t serial_;
};

}  // namespace crucible::sql
