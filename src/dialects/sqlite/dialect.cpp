// SPDX-License-Identifier: MIT
#include "crucible/dialects/sqlite/dialect.hpp"

#include "crucible/sql/detail/identifiers.hpp"
#include "dialects/sqlite/compiler.hpp"

namespace crucible::dialects {

namespace {
const std::unordered_set<std::string_view>& sqlite_reserved() {
  static const std::unordered_set<std::string_view> words = [] {
    auto w = sql::detail::common_reserved_words();
    for (std::string_view extra : {"abort", "action", "after", "analyze", "attach", "autoincrement", "before",
                                   "begin", "cascade", "commit", "conflict", "database", "deferrable",
                                   "deferred", "detach", "each", "escape", "exclusive", "explain", "fail",
                                   "glob", "if", "ignore", "immediate", "indexed", "initially", "instead",
                                   "isnull", "notnull", "of", "plan", "pragma", "query", "raise", "recursive",
                                   "regexp", "reindex", "release", "rename", "replace", "restrict", "rollback",
                                   "row", "savepoint", "temp", "temporary", "transaction", "trigger",
                                   "vacuum", "view", "virtual"})
      w.insert(extra);
    return w;
  }();
  return words;
}
}  // namespace

SqliteDialect::SqliteDialect() {
  auto& f = features_;
  f.supports_returning = true;
  f.supports_insert_returning = true;
  f.supports_update_returning = true;
  f.supports_delete_returning = true;
  f.supports_multirow_insert = true;
  f.in_process = true;
  f.colon_names_are_parameters = true;
  f.numeric_significant_digits = 15;
  f.supports_on_conflict = true;
  f.supports_on_duplicate_key = false;
  f.supports_nulls_ordering = true;
  f.supports_ilike = false;
  f.supports_intersect_except = true;
  f.supports_savepoints = true;
  f.supports_native_boolean = false;
  f.supports_native_uuid = false;
  f.supports_native_enum = false;
  f.supports_alter_column = false;  // ALTER goes through batch copy-and-move
  f.supports_transactional_ddl = true;
  f.supports_partial_indexes = true;
  f.supports_window_functions = true;
  f.supports_recursive_cte = true;
  f.supports_for_update = false;
  f.supports_if_not_exists = true;
  f.supports_index_if_not_exists = true;
  f.supports_comments = false;
  f.supports_full_outer_join = true;
}

void SqliteDialect::set_server_version(std::string_view version) {
  int major = 0, minor = 0, patch = 0;
  parse_version(version, major, minor, patch);
  auto at_least = [&](int m) { return major > 3 || (major == 3 && minor >= m); };
  auto& f = features_;
  f.supports_insert_returning = f.supports_update_returning = f.supports_delete_returning =
      f.supports_returning = at_least(35);
  f.supports_nulls_ordering = at_least(30);
  f.supports_window_functions = at_least(25);
  f.supports_on_conflict = at_least(24);
  f.supports_full_outer_join = at_least(39);
  Dialect::set_server_version(version);
}

std::string SqliteDialect::quote_identifier(std::string_view name) const {
  return sql::detail::needs_quoting(name, sqlite_reserved()) ? sql::detail::quote_with(name, '"') : std::string(name);
}

std::string SqliteDialect::force_quote(std::string_view name) const { return sql::detail::quote_with(name, '"'); }

ErrorKind SqliteDialect::classify_error(const DriverErrorInfo& info) const {
  switch (info.native_code & 0xff) {
    case sqlite_constraint: return ErrorKind::integrity;
    case sqlite_error:
    case sqlite_range:  // a bind index out of range is a mistake in the statement, as in DB-API
    case sqlite_auth: return ErrorKind::programming;
    case sqlite_internal: return ErrorKind::internal;
    case sqlite_mismatch:
    case sqlite_toobig: return ErrorKind::data;
    case sqlite_misuse: return ErrorKind::interface;
    case sqlite_corrupt:
    case sqlite_notadb: return ErrorKind::database;
    case sqlite_busy:  // another connection holds the database lock past the busy timeout
    case sqlite_locked: return ErrorKind::lock_not_available;
    case sqlite_perm:
    case sqlite_abort:
    case sqlite_nomem:
    case sqlite_readonly:
    case sqlite_interrupt:
    case sqlite_ioerr:
    case sqlite_full:
    case sqlite_cantopen:
    case sqlite_protocol:
    case sqlite_schema:
    case sqlite_nolfs: return ErrorKind::operational;
    default: return ErrorKind::database;
  }
}

bool SqliteDialect::is_retryable(const DriverErrorInfo& info) const {
  int primary = info.native_code & 0xff;
  return primary == sqlite_busy || primary == sqlite_locked;
}

// An embedded database has no connection to lose; a file that stopped being a database (or
// vanished) makes the handle useless, though.
bool SqliteDialect::is_disconnect(const DriverErrorInfo& info) const {
  int primary = info.native_code & 0xff;
  return primary == sqlite_notadb || primary == sqlite_cantopen;
}

std::unique_ptr<sql::Compiler> SqliteDialect::make_compiler() const { return std::make_unique<SqliteCompiler>(*this); }

std::string SqliteDialect::has_table_sql() const {
  // Tables and views of the main database and of the connection's temporary one (temporary
  // tables shadow the main database's, as in a statement's name resolution).
  return "SELECT name FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name = ?1 "
         "UNION ALL SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1";
}

}  // namespace crucible::dialects
