// SPDX-License-Identifier: MIT
// Error classification per dialect, and feature refinement from server versions.
#include "sql/support.hpp"

namespace crucible::testing {
namespace {

DriverErrorInfo native(int code, std::string sqlstate = "", std::string message = "") {
  DriverErrorInfo info;
  info.native_code = code;
  info.sqlstate = std::move(sqlstate);
  info.driver_message = std::move(message);
  return info;
}
DriverErrorInfo state(std::string sqlstate) { return native(0, std::move(sqlstate)); }

TEST(ErrorClassify, Sqlite) {
  const auto& d = sqlite();
  using D = dialects::SqliteDialect;
  EXPECT_EQ(d.classify_error(native(D::sqlite_constraint_unique)), ErrorKind::integrity);
  EXPECT_EQ(d.classify_error(native(D::sqlite_constraint_foreignkey)), ErrorKind::integrity);
  EXPECT_EQ(d.classify_error(native(D::sqlite_constraint_notnull)), ErrorKind::integrity);
  EXPECT_EQ(d.classify_error(native(D::sqlite_error)), ErrorKind::programming);
  EXPECT_EQ(d.classify_error(native(D::sqlite_busy)), ErrorKind::lock_not_available);
  EXPECT_EQ(d.classify_error(native(D::sqlite_locked)), ErrorKind::lock_not_available);
  EXPECT_EQ(d.classify_error(native(D::sqlite_full)), ErrorKind::operational);
  EXPECT_EQ(d.classify_error(native(D::sqlite_mismatch)), ErrorKind::data);
  EXPECT_EQ(d.classify_error(native(D::sqlite_misuse)), ErrorKind::interface);
  EXPECT_TRUE(d.is_retryable(native(D::sqlite_busy)));
  EXPECT_TRUE(d.is_retryable(native(D::sqlite_locked | (1 << 8))));  // SQLITE_LOCKED_SHAREDCACHE
  EXPECT_FALSE(d.is_retryable(native(D::sqlite_constraint_unique)));
  EXPECT_FALSE(d.is_disconnect(native(D::sqlite_busy)));
  EXPECT_TRUE(d.is_disconnect(native(D::sqlite_notadb)));
}

TEST(ErrorClassify, Postgresql) {
  const auto& d = postgresql();
  EXPECT_EQ(d.classify_error(state("23505")), ErrorKind::integrity);
  EXPECT_EQ(d.classify_error(state("23503")), ErrorKind::integrity);
  EXPECT_EQ(d.classify_error(state("40P01")), ErrorKind::deadlock);
  EXPECT_EQ(d.classify_error(state("40001")), ErrorKind::serialization);
  EXPECT_EQ(d.classify_error(state("55P03")), ErrorKind::lock_not_available);
  EXPECT_EQ(d.classify_error(state("40003")), ErrorKind::operational);  // statement completion unknown
  EXPECT_EQ(d.classify_error(state("55006")), ErrorKind::operational);  // object in use
  EXPECT_EQ(d.classify_error(state("08006")), ErrorKind::operational);
  EXPECT_EQ(d.classify_error(state("42P01")), ErrorKind::programming);
  EXPECT_EQ(d.classify_error(state("42601")), ErrorKind::programming);
  EXPECT_EQ(d.classify_error(state("22001")), ErrorKind::data);
  EXPECT_EQ(d.classify_error(state("0A000")), ErrorKind::not_supported);
  EXPECT_EQ(d.classify_error(state("XX000")), ErrorKind::internal);
  EXPECT_TRUE(d.is_retryable(state("40P01")));
  EXPECT_TRUE(d.is_retryable(state("40001")));
  EXPECT_TRUE(d.is_retryable(state("55P03")));
  EXPECT_FALSE(d.is_retryable(state("23505")));
  EXPECT_FALSE(d.is_retryable(state("57P01")));
  EXPECT_TRUE(d.is_disconnect(state("08006")));
  EXPECT_TRUE(d.is_disconnect(state("57P01")));
  EXPECT_TRUE(d.is_disconnect(native(0, "", "server closed the connection unexpectedly")));
  EXPECT_FALSE(d.is_disconnect(state("42P01")));
}

TEST(ErrorClassify, Mysql) {
  const auto& d = mysql();
  using D = dialects::MysqlDialect;
  for (int code : {D::er_dup_entry, D::er_row_is_referenced_2, D::er_no_referenced_row_2, D::er_bad_null_error})
    EXPECT_EQ(d.classify_error(native(code, "23000")), ErrorKind::integrity) << code;
  EXPECT_EQ(d.classify_error(native(D::er_lock_deadlock, "40001")), ErrorKind::deadlock);
  EXPECT_EQ(d.classify_error(native(D::er_lock_wait_timeout, "HY000")), ErrorKind::lock_not_available);
  EXPECT_EQ(d.classify_error(native(D::er_lock_nowait, "HY000")), ErrorKind::lock_not_available);
  EXPECT_EQ(d.classify_error(native(9998, "40001")), ErrorKind::serialization);  // SQLSTATE fallback
  EXPECT_EQ(d.classify_error(native(D::er_parse_error, "42000")), ErrorKind::programming);
  EXPECT_EQ(d.classify_error(native(D::er_no_such_table, "42S02")), ErrorKind::programming);
  EXPECT_EQ(d.classify_error(native(D::er_data_too_long, "22001")), ErrorKind::data);
  EXPECT_EQ(d.classify_error(native(D::cr_server_gone_error)), ErrorKind::operational);
  EXPECT_EQ(d.classify_error(native(9999, "23000")), ErrorKind::integrity);  // SQLSTATE fallback
  EXPECT_TRUE(d.is_retryable(native(D::er_lock_deadlock)));
  EXPECT_TRUE(d.is_retryable(native(D::er_lock_wait_timeout)));
  EXPECT_TRUE(d.is_retryable(native(D::er_lock_nowait)));
  EXPECT_FALSE(d.is_retryable(native(D::er_dup_entry)));
  EXPECT_TRUE(d.is_disconnect(native(D::cr_server_gone_error)));
  EXPECT_TRUE(d.is_disconnect(native(D::cr_server_lost)));
  EXPECT_FALSE(d.is_disconnect(native(D::er_parse_error)));
}

TEST(DialectFeatures, RefinedFromServerVersion) {
  dialects::MysqlDialect my;
  EXPECT_FALSE(my.features().supports_insert_returning);
  auto serial = my.serial();
  my.set_server_version("5.5.5-10.11.6-MariaDB-0+deb12u1");
  EXPECT_TRUE(my.is_mariadb());
  EXPECT_TRUE(my.features().supports_insert_returning);
  EXPECT_TRUE(my.features().supports_delete_returning);
  EXPECT_FALSE(my.features().supports_update_returning);
  EXPECT_NE(my.serial(), serial);
  EXPECT_EQ(my.server_version(), "5.5.5-10.11.6-MariaDB-0+deb12u1");

  dialects::MariadbDialect old;
  old.set_server_version("10.4.2-MariaDB");
  EXPECT_FALSE(old.features().supports_insert_returning);
  EXPECT_EQ(old.name(), "mariadb");

  dialects::SqliteDialect lite;
  lite.set_server_version("3.34.1");
  EXPECT_FALSE(lite.features().supports_returning);
  EXPECT_TRUE(lite.features().supports_nulls_ordering);

  dialects::PostgresqlDialect pg;
  pg.set_server_version("9.4.26");
  EXPECT_FALSE(pg.features().supports_on_conflict);
  EXPECT_FALSE(pg.features().supports_for_update_skip_locked);
  EXPECT_TRUE(pg.features().supports_for_update_nowait);
}

TEST(DialectFeatures, RowLockingOptionsFollowTheServer) {
  dialects::MysqlDialect mysql57;
  mysql57.set_server_version("5.7.44");
  EXPECT_TRUE(mysql57.features().supports_for_update);
  EXPECT_FALSE(mysql57.features().supports_for_share);
  EXPECT_FALSE(mysql57.features().supports_for_update_nowait);
  EXPECT_FALSE(mysql57.features().supports_for_update_skip_locked);
  EXPECT_FALSE(mysql57.features().supports_for_update_of);

  dialects::MysqlDialect mysql8;
  mysql8.set_server_version("8.0.36");
  EXPECT_TRUE(mysql8.features().supports_for_share);
  EXPECT_TRUE(mysql8.features().supports_for_update_skip_locked);
  EXPECT_TRUE(mysql8.features().supports_for_update_of);

  dialects::MariadbDialect maria105;
  maria105.set_server_version("10.5.23-MariaDB");
  EXPECT_TRUE(maria105.features().supports_for_update_nowait);
  EXPECT_FALSE(maria105.features().supports_for_update_skip_locked);
  EXPECT_FALSE(maria105.features().supports_for_share);
  EXPECT_FALSE(maria105.features().supports_for_update_of);

  dialects::MariadbDialect maria1011;
  maria1011.set_server_version("10.11.6-MariaDB-0+deb12u1");
  EXPECT_TRUE(maria1011.features().supports_for_update_skip_locked);

  EXPECT_FALSE(dialects::SqliteDialect().features().supports_for_update);
}

}  // namespace
}  // namespace crucible::testing
