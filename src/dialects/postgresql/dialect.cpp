// SPDX-License-Identifier: MIT
#include "crucible/dialects/postgresql/dialect.hpp"

#include "crucible/sql/detail/identifiers.hpp"
#include "dialects/postgresql/compiler.hpp"

namespace crucible::dialects {

namespace {
const std::unordered_set<std::string_view>& pg_reserved() {
  static const std::unordered_set<std::string_view> words = [] {
    auto w = sql::detail::common_reserved_words();
    for (std::string_view extra : {"analyse", "analyze", "array", "asymmetric", "authorization", "binary",
                                   "concurrently", "current_catalog", "current_role", "current_schema",
                                   "deferrable", "do", "freeze", "ilike", "initially", "isnull", "lateral",
                                   "localtime", "localtimestamp", "notnull", "only", "overlaps", "placing",
                                   "returning", "session_user", "similar", "symmetric", "tablesample",
                                   "variadic", "verbose"})
      w.insert(extra);
    return w;
  }();
  return words;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
}  // namespace

PostgresqlDialect::PostgresqlDialect() {
  auto& f = features_;
  f.supports_returning = true;
  f.supports_insert_returning = true;
  f.supports_update_returning = true;
  f.supports_delete_returning = true;
  f.supports_multirow_insert = true;
  f.supports_on_conflict = true;
  f.supports_on_duplicate_key = false;
  f.supports_nulls_ordering = true;
  f.supports_ilike = true;
  f.supports_intersect_except = true;
  f.supports_savepoints = true;
  f.supports_native_boolean = true;
  f.supports_native_uuid = true;
  f.supports_native_enum = true;
  f.supports_alter_column = true;
  f.supports_partial_indexes = true;
  f.supports_window_functions = true;
  f.supports_recursive_cte = true;
  f.supports_for_update = true;
  f.supports_for_share = true;
  f.supports_for_update_nowait = true;
  f.supports_for_update_skip_locked = true;  // 9.5+ (refined by version)
  f.supports_for_update_of = true;
  f.supports_if_not_exists = true;
  f.supports_index_if_not_exists = true;
  f.supports_comments = true;
  f.supports_full_outer_join = true;
  f.supports_transactional_ddl = true;
  f.index_build_blocks_writes = true;
}

void PostgresqlDialect::set_server_version(std::string_view version) {
  int major = 0, minor = 0, patch = 0;
  parse_version(version, major, minor, patch);
  bool v95 = major > 9 || (major == 9 && minor >= 5);
  features_.supports_on_conflict = v95;
  features_.supports_index_if_not_exists = v95;
  features_.supports_for_update_skip_locked = v95;
  Dialect::set_server_version(version);
}

std::string PostgresqlDialect::quote_identifier(std::string_view name) const {
  return sql::detail::needs_quoting(name, pg_reserved()) ? sql::detail::quote_with(name, '"') : std::string(name);
}

std::string PostgresqlDialect::force_quote(std::string_view name) const { return sql::detail::quote_with(name, '"'); }

ErrorKind PostgresqlDialect::classify_error(const DriverErrorInfo& info) const {
  const std::string& s = info.sqlstate;
  if (s.size() < 2) return info.disconnect ? ErrorKind::operational : ErrorKind::database;
  if (s == "40P01") return ErrorKind::deadlock;
  if (s == "40001") return ErrorKind::serialization;
  if (s == "55P03") return ErrorKind::lock_not_available;
  if (starts_with(s, "23")) return ErrorKind::integrity;
  if (starts_with(s, "22")) return ErrorKind::data;
  if (starts_with(s, "42")) return ErrorKind::programming;
  if (starts_with(s, "0A")) return ErrorKind::not_supported;
  if (starts_with(s, "XX")) return ErrorKind::internal;
  if (starts_with(s, "08") || starts_with(s, "40") || starts_with(s, "53") || starts_with(s, "55") ||
      starts_with(s, "57") || starts_with(s, "58") || starts_with(s, "28") || starts_with(s, "3D"))
    return ErrorKind::operational;
  if (starts_with(s, "25") || starts_with(s, "26") || starts_with(s, "34") || starts_with(s, "3F"))
    return ErrorKind::programming;
  return ErrorKind::database;
}

// Deadlock, serialization failure, and a lock not granted (NOWAIT or lock_timeout): re-running
// the transaction may succeed once the other side has finished.
bool PostgresqlDialect::is_retryable(const DriverErrorInfo& info) const {
  return info.sqlstate == "40P01" || info.sqlstate == "40001" || info.sqlstate == "55P03";
}

bool PostgresqlDialect::is_disconnect(const DriverErrorInfo& info) const {
  const std::string& s = info.sqlstate;
  if (starts_with(s, "08") || s == "57P01" || s == "57P02" || s == "57P03") return true;
  if (info.disconnect) return true;
  // libpq reports a dropped connection without a SQLSTATE; recognise its messages.
  const std::string& m = info.driver_message;
  for (std::string_view needle : {"server closed the connection unexpectedly", "terminating connection",
                                  "connection not open", "no connection to the server",
                                  "could not receive data from server", "could not send data to server"})
    if (m.find(needle) != std::string::npos) return true;
  return false;
}

std::unique_ptr<sql::Compiler> PostgresqlDialect::make_compiler() const {
  return std::make_unique<PostgresqlCompiler>(*this);
}

std::string PostgresqlDialect::has_table_sql() const {
  // Tables (plain, partitioned, foreign), views and materialized views that the unqualified name
  // reaches through search_path, which begins with the session's temporary schema.
  return "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname = $1 "
         "AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND pg_catalog.pg_table_is_visible(c.oid)";
}

}  // namespace crucible::dialects
