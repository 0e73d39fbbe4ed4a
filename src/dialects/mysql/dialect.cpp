// SPDX-License-Identifier: MIT
#include "crucible/dialects/mysql/dialect.hpp"

#include "crucible/sql/detail/identifiers.hpp"
#include "dialects/mysql/compiler.hpp"

namespace crucible::dialects {

namespace {
const std::unordered_set<std::string_view>& mysql_reserved() {
  static const std::unordered_set<std::string_view> words = [] {
    auto w = sql::detail::common_reserved_words();
    for (std::string_view extra : {"accessible", "before", "bigint", "binary", "blob", "call", "cascade",
                                   "change", "char", "condition", "database", "databases", "dec", "decimal",
                                   "declare", "delayed", "describe", "div", "double", "dual", "each",
                                   "enclosed", "escaped", "exit", "explain", "float", "force", "fulltext",
                                   "generated", "groups", "high_priority", "if", "ignore", "int", "integer",
                                   "interval", "keys", "kill", "lead", "lag", "lines", "load", "lock", "long",
                                   "loop", "match", "mod", "modifies", "numeric", "optimize", "option",
                                   "outfile", "partition", "precision", "procedure", "purge", "range", "rank",
                                   "read", "real", "regexp", "release", "rename", "repeat", "replace",
                                   "require", "restrict", "return", "revoke", "rlike", "row", "rows",
                                   "schema", "schemas", "separator", "show", "signal", "smallint", "spatial",
                                   "sql", "ssl", "starting", "straight_join", "terminated",
                                   "tinyint", "trigger", "undo", "unlock", "unsigned", "usage", "use",
                                   "varchar", "varying", "virtual", "while", "write", "xor", "zerofill"})
      w.insert(extra);
    return w;
  }();
  return words;
}
}  // namespace

MysqlDialect::MysqlDialect() {
  auto& f = features_;
  f.supports_returning = false;
  f.supports_insert_returning = false;
  f.supports_update_returning = false;
  f.supports_delete_returning = false;
  f.supports_multirow_insert = true;
  f.supports_on_conflict = false;
  f.supports_on_duplicate_key = true;
  f.supports_nulls_ordering = false;
  f.supports_ilike = false;
  f.supports_intersect_except = true;  // MySQL 8.0.31+, MariaDB 10.3+; refined by version
  f.supports_savepoints = true;
  f.supports_native_boolean = false;
  f.supports_native_uuid = false;
  f.supports_native_enum = true;
  f.supports_alter_column = true;
  f.supports_partial_indexes = false;
  f.supports_window_functions = true;
  f.supports_recursive_cte = true;
  f.supports_for_update = true;
  f.supports_for_share = true;  // MySQL 8.0.1+ (refined by version; MariaDB: LOCK IN SHARE MODE)
  f.supports_for_update_nowait = true;
  f.supports_for_update_skip_locked = true;
  f.supports_for_update_of = true;
  f.supports_if_not_exists = true;
  f.supports_index_if_not_exists = false;
  f.supports_comments = true;
  f.supports_full_outer_join = false;
  f.supports_transactional_ddl = false;
}

void MysqlDialect::apply_mariadb_features(int major, int minor) {
  mariadb_ = true;
  auto at_least = [&](int ma, int mi) { return major > ma || (major == ma && minor >= mi); };
  auto& f = features_;
  f.supports_insert_returning = at_least(10, 5);
  f.supports_delete_returning = at_least(10, 0);
  f.supports_update_returning = false;
  f.supports_returning = false;  // not all three
  f.supports_index_if_not_exists = true;
  f.supports_intersect_except = at_least(10, 3);
  f.supports_window_functions = at_least(10, 2);
  f.supports_recursive_cte = at_least(10, 2);
  // MariaDB has no FOR SHARE and no OF; NOWAIT came in 10.3, SKIP LOCKED in 10.6.
  f.supports_for_share = false;
  f.supports_for_update_of = false;
  f.supports_for_update_nowait = at_least(10, 3);
  f.supports_for_update_skip_locked = at_least(10, 6);
}

void MysqlDialect::set_server_version(std::string_view version) {
  std::string_view v = version;
  // MariaDB used to advertise itself as "5.5.5-<real version>" for old clients.
  if (v.substr(0, 6) == "5.5.5-") v.remove_prefix(6);
  int major = 0, minor = 0, patch = 0;
  parse_version(v, major, minor, patch);
  if (version.find("MariaDB") != std::string_view::npos || mariadb_) {
    apply_mariadb_features(major, minor);
  } else {
    auto at_least = [&](int ma, int mi, int pa) {
      return major != ma ? major > ma : minor != mi ? minor > mi : patch >= pa;
    };
    features_.supports_intersect_except = at_least(8, 0, 31);
    features_.supports_window_functions = at_least(8, 0, 0);
    features_.supports_recursive_cte = at_least(8, 0, 0);
    const bool locking_options = at_least(8, 0, 1);
    features_.supports_for_share = locking_options;
    features_.supports_for_update_nowait = locking_options;
    features_.supports_for_update_skip_locked = locking_options;
    features_.supports_for_update_of = locking_options;
  }
  Dialect::set_server_version(version);
}

std::string MysqlDialect::quote_identifier(std::string_view name) const {
  return sql::detail::needs_quoting(name, mysql_reserved()) ? sql::detail::quote_with(name, '`') : std::string(name);
}

std::string MysqlDialect::force_quote(std::string_view name) const { return sql::detail::quote_with(name, '`'); }

ErrorKind MysqlDialect::classify_error(const DriverErrorInfo& info) const {
  switch (info.native_code) {
    case er_dup_entry:
    case er_row_is_referenced_2:
    case er_no_referenced_row_2:
    case er_row_is_referenced:
    case er_no_referenced_row:
    case er_bad_null_error:
    case er_no_default_for_field:
    case er_check_constraint_violated:
    case er_mariadb_constraint_failed: return ErrorKind::integrity;
    case er_lock_deadlock: return ErrorKind::deadlock;
    case er_lock_wait_timeout:  // MariaDB's NOWAIT failure too
    case er_lock_nowait: return ErrorKind::lock_not_available;
    case er_query_interrupted:
    case er_connection_killed:
    case er_client_interaction_timeout:
    case er_access_denied:
    case er_dbaccess_denied:
    case er_bad_db_error:
    case cr_connection_error:
    case cr_conn_host_error:
    case cr_server_gone_error:
    case cr_server_lost:
    case cr_server_lost_extended: return ErrorKind::operational;
    case er_parse_error:
    case er_no_such_table:
    case er_bad_field_error:
    case er_table_exists_error:
    case er_bad_table_error:
    case er_dup_keyname:
    case er_dup_fieldname:
    case er_cant_drop_field_or_key: return ErrorKind::programming;
    case er_warn_data_out_of_range:
    case er_data_truncated:
    case er_truncated_wrong_value:
    case er_truncated_wrong_value_for_field:
    case er_data_too_long: return ErrorKind::data;
    case er_not_supported_yet: return ErrorKind::not_supported;
    case cr_commands_out_of_sync: return ErrorKind::interface;
    default: break;
  }
  // Unknown numbers: fall back on the SQLSTATE class, then on the client-error range.
  const std::string& s = info.sqlstate;
  if (s.compare(0, 2, "23") == 0) return ErrorKind::integrity;
  if (s.compare(0, 2, "22") == 0) return ErrorKind::data;
  if (s.compare(0, 2, "42") == 0) return ErrorKind::programming;
  if (s == "40001") return ErrorKind::serialization;
  if (s.compare(0, 2, "08") == 0 || s.compare(0, 2, "40") == 0) return ErrorKind::operational;
  if (info.native_code >= 2000 && info.native_code < 3000) return ErrorKind::operational;
  return ErrorKind::database;
}

bool MysqlDialect::is_retryable(const DriverErrorInfo& info) const {
  return info.native_code == er_lock_deadlock || info.native_code == er_lock_wait_timeout ||
         info.native_code == er_lock_nowait || info.sqlstate == "40001";
}

bool MysqlDialect::is_disconnect(const DriverErrorInfo& info) const {
  switch (info.native_code) {
    case cr_server_gone_error:
    case cr_server_lost:
    case cr_server_lost_extended:
    case cr_connection_error:
    case cr_conn_host_error:
    case er_connection_killed:
    case er_client_interaction_timeout: return true;
    default: return info.disconnect || info.sqlstate.compare(0, 2, "08") == 0;
  }
}

std::unique_ptr<sql::Compiler> MysqlDialect::make_compiler() const { return std::make_unique<MysqlCompiler>(*this); }

// information_schema.tables lists base tables and views, but not temporary tables (MariaDB
// before 11.2, MySQL): table_probe_sql() finds those.
std::string MysqlDialect::has_table_sql() const {
  return "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";
}

// Reading no row of the table: error 1146 (SQLSTATE 42S02) when the name reaches nothing, which
// leaves the transaction as it was (MariaDB undoes a failed statement only). The one way to see
// a temporary table of this session, as no catalog holds it.
std::string MysqlDialect::table_probe_sql(std::string_view table_name) const {
  return "SELECT 1 FROM " + quote_identifier(table_name) + " LIMIT 0";
}

MariadbDialect::MariadbDialect() { apply_mariadb_features(10, 11); }

}  // namespace crucible::dialects
