// SPDX-License-Identifier: MIT
//
// MysqlDialect and MariadbDialect: the MySQL family's SQL flavour — `backquoted` identifiers,
// ? parameters, BIGINT AUTO_INCREMENT, BOOL, DATETIME(6), JSON, CHAR(36) UUIDs, LONGBLOB, native
// ENUM(...), VARCHAR(255) when no length is given, ENGINE=InnoDB DEFAULT CHARSET=utf8mb4, inline
// COMMENTs, ON DUPLICATE KEY UPDATE upserts, LIMIT 18446744073709551615 for OFFSET alone, NULLS
// FIRST/LAST emulated with "x IS NULL" sort keys, and errno-based error classification.
//
// MariadbDialect (name "mariadb") differs only in features: INSERT/DELETE ... RETURNING (10.5+;
// never UPDATE ... RETURNING), CREATE INDEX IF NOT EXISTS. A MysqlDialect whose server version
// string says "MariaDB" refines its features the same way.
// No MariaDB Connector/C header here: the driver lives in driver*.cpp.
//
// Thread-safety: immutable after set_server_version (call it once, before sharing).
//
//   crucible::dialects::MariadbDialect dialect;
//   dialect.set_server_version("10.11.6-MariaDB-0+deb12u1");
#pragma once

#include "crucible/sql/dialect.hpp"

namespace crucible::dialects {

class MysqlDialect : public sql::Dialect {
 public:
  // Server and client error numbers the classification relies on.
  static constexpr int er_dup_entry = 1062, er_row_is_referenced_2 = 1451, er_no_referenced_row_2 = 1452,
                       er_bad_null_error = 1048, er_no_default_for_field = 1364, er_row_is_referenced = 1217,
                       er_no_referenced_row = 1216, er_check_constraint_violated = 3819,
                       er_mariadb_constraint_failed = 4025, er_lock_deadlock = 1213, er_lock_wait_timeout = 1205,
                       er_lock_nowait = 3572,
                       er_parse_error = 1064, er_no_such_table = 1146, er_bad_field_error = 1054,
                       er_table_exists_error = 1050, er_bad_table_error = 1051, er_dup_keyname = 1061,
                       er_dup_fieldname = 1060, er_cant_drop_field_or_key = 1091, er_access_denied = 1045,
                       er_dbaccess_denied = 1044, er_bad_db_error = 1049, er_not_supported_yet = 1235,
                       er_warn_data_out_of_range = 1264, er_data_truncated = 1265,
                       er_truncated_wrong_value = 1292, er_truncated_wrong_value_for_field = 1366,
                       er_data_too_long = 1406, er_query_interrupted = 1317, er_connection_killed = 1927,
                       er_client_interaction_timeout = 4031, cr_connection_error = 2002,
                       cr_conn_host_error = 2003, cr_server_gone_error = 2006, cr_server_lost = 2013,
                       cr_commands_out_of_sync = 2014, cr_server_lost_extended = 2055;

  MysqlDialect();

  std::string_view name() const override { return "mysql"; }
  sql::ParamStyle param_style() const override { return sql::ParamStyle::qmark; }
  std::string quote_identifier(std::string_view name) const override;
  std::string force_quote(std::string_view name) const override;

  ErrorKind classify_error(const DriverErrorInfo& info) const override;
  bool is_retryable(const DriverErrorInfo& info) const override;
  bool is_disconnect(const DriverErrorInfo& info) const override;

  std::unique_ptr<sql::Compiler> make_compiler() const override;
  // "8.0.36" (MySQL) or "10.11.6-MariaDB..." / "5.5.5-10.11.6-MariaDB" (MariaDB).
  void set_server_version(std::string_view version) override;
  std::string has_table_sql() const override;
  std::string table_probe_sql(std::string_view table_name) const override;
  bool is_mariadb() const { return mariadb_; }

 protected:
  void apply_mariadb_features(int major, int minor);
  bool mariadb_ = false;
};

class MariadbDialect : public MysqlDialect {
 public:
  MariadbDialect();
  std::string_view name() const override { return "mariadb"; }
};

}  // namespace crucible::dialects
