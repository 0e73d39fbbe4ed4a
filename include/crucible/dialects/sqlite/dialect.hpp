// SPDX-License-Identifier: MIT
//
// SqliteDialect: SQLite's SQL flavour — "double-quoted" identifiers, ? parameters, type
// affinities in DDL (INTEGER PRIMARY KEY for the rowid alias), ON CONFLICT upserts, RETURNING
// (3.35+), NULLS FIRST/LAST (3.30+), lower(x) LIKE lower(y) for ilike, and the classification of
// SQLite extended result codes. No sqlite3.h here: the driver lives in driver*.cpp.
//
// Thread-safety: immutable after set_server_version (call it once, before sharing).
//
//   crucible::dialects::SqliteDialect dialect;
//   dialect.set_server_version("3.45.1");     // sqlite3_libversion()
//   auto compiled = dialect.compile(select(users));
#pragma once

#include "crucible/sql/dialect.hpp"

namespace crucible::dialects {

class SqliteDialect : public sql::Dialect {
 public:
  // Primary result codes (extended code & 0xff) and the constraint extended codes.
  static constexpr int sqlite_error = 1, sqlite_internal = 2, sqlite_perm = 3, sqlite_abort = 4,
                       sqlite_busy = 5, sqlite_locked = 6, sqlite_nomem = 7, sqlite_readonly = 8,
                       sqlite_interrupt = 9, sqlite_ioerr = 10, sqlite_corrupt = 11, sqlite_notfound = 12,
                       sqlite_full = 13, sqlite_cantopen = 14, sqlite_protocol = 15, sqlite_schema = 17,
                       sqlite_toobig = 18, sqlite_constraint = 19, sqlite_mismatch = 20, sqlite_misuse = 21,
                       sqlite_nolfs = 22, sqlite_auth = 23, sqlite_range = 25, sqlite_notadb = 26;
  static constexpr int sqlite_constraint_check = 275, sqlite_constraint_foreignkey = 787,
                       sqlite_constraint_notnull = 1299, sqlite_constraint_primarykey = 1555,
                       sqlite_constraint_unique = 2067;

  SqliteDialect();

  std::string_view name() const override { return "sqlite"; }
  sql::ParamStyle param_style() const override { return sql::ParamStyle::qmark; }
  std::string quote_identifier(std::string_view name) const override;
  std::string force_quote(std::string_view name) const override;

  ErrorKind classify_error(const DriverErrorInfo& info) const override;
  bool is_retryable(const DriverErrorInfo& info) const override;
  bool is_disconnect(const DriverErrorInfo& info) const override;

  std::unique_ptr<sql::Compiler> make_compiler() const override;
  // Version of the SQLite library ("3.40.1").
  void set_server_version(std::string_view version) override;
  std::string has_table_sql() const override;
  // The readable plan (the bare EXPLAIN lists virtual machine instructions).
  std::string_view explain_prefix() const override { return "EXPLAIN QUERY PLAN "; }
};

}  // namespace crucible::dialects
