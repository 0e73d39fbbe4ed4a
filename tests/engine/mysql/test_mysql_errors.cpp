// SPDX-License-Identifier: MIT
// MariaDB errors through the engine: the error numbers and SQLSTATEs of the server, strict mode,
// what a failed statement leaves of the transaction, deadlocks and lock waits, the thread id.
// How every backend translates errors, and lost sessions, are in tests/dialect_suite/.
#include <string>

#include "engine/server_support.hpp"

namespace crucible {
namespace {

class MysqlErrors : public testkit::MysqlTest {};

TEST_F(MysqlErrors, UniqueViolationIsErrno1062AndKeepsTheTransaction) {
  const auto name = table("unique");
  auto conn = engine().connect();
  const IntegrityError e = testkit::unique_violation(conn, name);
  EXPECT_EQ(e.native_code(), 1062);
  EXPECT_EQ(e.sqlstate(), "23000");
  EXPECT_EQ(e.info().backend, "mysql");
  EXPECT_NE(std::string(e.what()).find("Duplicate entry"), std::string::npos) << e.what();
  // A failed statement does not abort a MariaDB transaction: the first row is still there.
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT COUNT(*) FROM " + name), 1);
  conn.commit();
}

TEST_F(MysqlErrors, StrictModeRefusesTruncationAndOverflowWithoutEndingTheTransaction) {
  auto conn = engine().connect();
  const auto name = table("strict");
  conn.exec_driver_sql("CREATE TABLE " + name + " (v VARCHAR(3) NOT NULL, n TINYINT)");
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (:v, 1)", {{"v", "toolong"}}), DataError);
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES ('a', :n)", {{"n", 1000}}), DataError);
  EXPECT_THROW(conn.execute("INSERT INTO " + name + " VALUES (:v, 1)", {{"v", Value()}}), IntegrityError);
  EXPECT_THROW(conn.execute("SELEC 1"), ProgrammingError);
  EXPECT_THROW(conn.execute("SELECT * FROM crucible_missing_table"), ProgrammingError);
  EXPECT_THROW(conn.execute("SELECT no_such_column FROM DUAL"), ProgrammingError);
  // The connection is still usable after each of them, without a rollback.
  EXPECT_EQ(conn.scalar<std::int64_t>("SELECT 1"), 1);
}

TEST_F(MysqlErrors, DeadlockIsErrno1213AndRetryable) {
  auto eng = engine();
  // InnoDB picks a victim at once.
  EXPECT_EQ(testkit::deadlock_victim(eng, table("deadlock"),
                                     [](const OperationalError& e) {
                                       return std::string(e.retryable() ? "retryable " : "final ") +
                                              std::to_string(e.native_code());
                                     }),
            "retryable 1213");
}

TEST_F(MysqlErrors, LockWaitTimeoutIsRetryable) {
  const auto name = table("lockwait");
  auto eng = engine();
  auto first = eng.connect();
  first.exec_driver_sql("CREATE TABLE " + name + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  first.exec_driver_sql("INSERT INTO " + name + " VALUES (1)");
  auto second = eng.connect();
  second.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1");
  first.execute("SELECT id FROM " + name + " WHERE id = 1 FOR UPDATE").all();
  try {
    second.execute("DELETE FROM " + name + " WHERE id = 1");
    FAIL() << "the lock was not held";
  } catch (const OperationalError& e) {
    EXPECT_EQ(e.native_code(), 1205);
    EXPECT_TRUE(e.retryable());
    EXPECT_FALSE(e.is_disconnect());
  }
}

TEST_F(MysqlErrors, TheDriversThreadIdIsTheServersConnectionId) {
  auto conn = engine().connect();
  EXPECT_EQ(static_cast<std::int64_t>(dialects::mysql_thread_id(conn.driver_connection())),
            conn.scalar<std::int64_t>("SELECT CONNECTION_ID()"));
}

TEST_F(MysqlErrors, ConnectFailuresAreOperationalErrorsWithTheirErrno) {
  EXPECT_EQ(testkit::missing_database_error(url()).native_code(), 1049);
  Url url = Url::parse(this->url());
  url.password = "wrong";
  EXPECT_THROW(create_engine(url.to_string(false)).connect(), OperationalError);
}

}  // namespace
}  // namespace crucible
